//! `init`: create a vault and its key.

use crate::keychain;
use crate::keysource::KeySource;
use crate::location::VaultLocation;
use crate::store::{self, StoreError};
use crate::{Classify, ErrorKind, fs};
use coffer_core::crypto::{KeyParseError, VaultKey};
use secrecy::ExposeSecret;
use std::io;
use std::path::PathBuf;

/// Where a new key should be kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyStore {
    /// A `0600` key file (the default).
    #[default]
    File,
    /// The OS keychain; the key file holds a pointer to the entry.
    Keyring,
}

/// Where the new vault's key went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyPlacement {
    /// A new key, written to this file.
    File(PathBuf),
    /// A new key, in the OS keychain under this account; the file holds the pointer.
    Keyring {
        /// Keychain account name (service `coffer`).
        account: String,
        /// The pointer file.
        pointer: PathBuf,
    },
    /// The key given in `COFFER_VAULT_KEY`; nothing written.
    Env,
}

/// What `init` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Initialized {
    /// Where the key went.
    pub placement: KeyPlacement,
    /// The vault's directory existed with access for others and was made `0700`.
    pub tightened: Option<PathBuf>,
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
    /// The OS keychain could not take the key.
    #[error(transparent)]
    Keychain(#[from] crate::keychain::KeychainError),
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
            InitError::Keychain(_) => ErrorKind::KeyMissing,
            InitError::Store(e) => e.kind(),
        }
    }
}

/// Creates the vault at `location` with a new key kept in `store`, or with the key from the
/// environment if `key` is [`KeySource::Env`].
pub fn init(
    location: &VaultLocation,
    key: &KeySource,
    store_in: KeyStore,
) -> Result<Initialized, InitError> {
    let db = &location.db_path;
    if db.exists() {
        return Err(InitError::AlreadyInitialized { path: db.clone() });
    }
    let io_err = |path: &PathBuf| {
        let path = path.clone();
        move |source| InitError::Io { path, source }
    };
    let mut tightened = None;
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_private_dir(dir).map_err(io_err(db))?;
        // An existing directory keeps its mode: the vault's own must not be open to others.
        if fs::tighten_dir(dir).map_err(io_err(db))? {
            tightened = Some(dir.to_path_buf());
        }
    }
    let (vault_key, placement) = match key {
        KeySource::Env(text) => (
            VaultKey::parse(text.expose_secret()).map_err(InitError::BadEnvKey)?,
            KeyPlacement::Env,
        ),
        KeySource::File(path) => {
            if path.exists() {
                return Err(InitError::KeyFileExists { path: path.clone() });
            }
            let k = VaultKey::generate();
            let (contents, placement) = match store_in {
                KeyStore::File => (
                    zeroize::Zeroizing::new(format!("{}\n", k.encode().expose_secret())),
                    KeyPlacement::File(path.clone()),
                ),
                KeyStore::Keyring => {
                    let id: [u8; 8] = coffer_core::crypto::random::bytes();
                    let account = format!("vault-{}", coffer_core::hex::encode(&id));
                    keychain::store(&account, &k)?;
                    (
                        zeroize::Zeroizing::new(keychain::pointer(&account)),
                        KeyPlacement::Keyring {
                            account,
                            pointer: path.clone(),
                        },
                    )
                }
            };
            if let Some(dir) = path.parent() {
                fs::create_private_dir(dir).map_err(io_err(path))?;
            }
            match fs::write_private_atomic(path, contents.as_bytes(), false) {
                Ok(()) => (k, placement),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    return Err(InitError::KeyFileExists { path: path.clone() });
                }
                Err(e) => return Err(io_err(path)(e)),
            }
        }
    };
    let created = store::create(db, &vault_key);
    if created.is_err()
        && let KeyPlacement::File(p) | KeyPlacement::Keyring { pointer: p, .. } = &placement
    {
        let _ = std::fs::remove_file(p);
    }
    match created {
        Ok(()) => Ok(Initialized {
            placement,
            tightened,
        }),
        Err(store::CreateError::Io(e)) if e.kind() == io::ErrorKind::AlreadyExists => {
            Err(InitError::AlreadyInitialized { path: db.clone() })
        }
        Err(store::CreateError::Io(e)) => Err(io_err(db)(e)),
        Err(store::CreateError::Store(e)) => Err(e.into()),
    }
}
