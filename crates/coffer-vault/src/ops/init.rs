//! `init`: create a vault and its key.

use crate::keysource::{KeySource, save_key_file};
use crate::location::VaultLocation;
use crate::store::{self, StoreError};
use crate::{Classify, ErrorKind, fs};
use coffer_core::crypto::{KeyParseError, VaultKey};
use secrecy::ExposeSecret;
use std::io;
use std::path::PathBuf;

/// Where the new vault's key went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyPlacement {
    /// A new key, written to this file.
    File(PathBuf),
    /// The key given in `COFFER_VAULT_KEY`; nothing written.
    Env,
}

/// `init` failed; nothing was left behind.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// A vault exists already.
    #[error("a vault already exists at {}", path.display())]
    AlreadyInitialized {
        /// Its database.
        path: PathBuf,
    },
    /// A key file exists without a vault; it may belong to a vault elsewhere.
    #[error("a vault key file already exists at {}, but there is no vault beside it", path.display())]
    KeyFileExists {
        /// The key file.
        path: PathBuf,
    },
    /// `COFFER_VAULT_KEY` is not a key.
    #[error("COFFER_VAULT_KEY: {0}")]
    BadEnvKey(KeyParseError),
    /// File system failure.
    #[error("cannot create the vault at {}: {source}", path.display())]
    Io {
        /// What was being created.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// Database failure.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Classify for InitError {
    fn kind(&self) -> ErrorKind {
        match self {
            InitError::AlreadyInitialized { .. } | InitError::KeyFileExists { .. } => {
                ErrorKind::AlreadyExists
            }
            InitError::BadEnvKey(_) => ErrorKind::WrongKey,
            InitError::Io { .. } => ErrorKind::Io,
            InitError::Store(e) => e.kind(),
        }
    }
}

/// Creates the vault at `location` with a new key saved to the key file, or with the key from
/// the environment if `key` is [`KeySource::Env`].
pub fn init(location: &VaultLocation, key: &KeySource) -> Result<KeyPlacement, InitError> {
    let db = &location.db_path;
    if db.exists() {
        return Err(InitError::AlreadyInitialized { path: db.clone() });
    }
    let io_err = |path: &PathBuf| {
        let path = path.clone();
        move |source| InitError::Io { path, source }
    };
    if let Some(dir) = db.parent() {
        fs::create_private_dir(dir).map_err(io_err(db))?;
    }
    let (vault_key, placement) = match key {
        KeySource::Env(text) => (
            VaultKey::parse(text.expose_secret()).map_err(InitError::BadEnvKey)?,
            KeyPlacement::Env,
        ),
        KeySource::File(path) => {
            let k = VaultKey::generate();
            match save_key_file(path, &k, false) {
                Ok(()) => (k, KeyPlacement::File(path.clone())),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    return Err(InitError::KeyFileExists { path: path.clone() });
                }
                Err(e) => return Err(io_err(path)(e)),
            }
        }
    };
    let created = store::create(db, &vault_key);
    if created.is_err()
        && let KeyPlacement::File(p) = &placement
    {
        let _ = std::fs::remove_file(p);
    }
    match created {
        Ok(()) => Ok(placement),
        Err(store::CreateError::Io(e)) if e.kind() == io::ErrorKind::AlreadyExists => {
            Err(InitError::AlreadyInitialized { path: db.clone() })
        }
        Err(store::CreateError::Io(e)) => Err(io_err(db)(e)),
        Err(store::CreateError::Store(e)) => Err(e.into()),
    }
}
