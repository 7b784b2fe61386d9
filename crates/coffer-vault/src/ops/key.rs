//! `key show` / `key save`: the vault key, for safekeeping.

use crate::keysource::{KeySource, save_key_file};
use crate::location::VaultLocation;
use crate::store::{OpenError, Vault};
use crate::{Classify, ErrorKind};
use coffer_core::crypto::VaultKey;
use std::path::{Path, PathBuf};

/// The key could not be shown or saved.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The vault could not be opened with the key (so the key is not shown).
    #[error(transparent)]
    Open(#[from] OpenError),
    /// The target file exists.
    #[error("{} already exists", path.display())]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// Writing failed.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl Classify for KeyError {
    fn kind(&self) -> ErrorKind {
        match self {
            KeyError::Open(e) => e.kind(),
            KeyError::Exists { .. } => ErrorKind::AlreadyExists,
            KeyError::Io { .. } => ErrorKind::Io,
        }
    }
}

/// The vault key, after checking it opens the vault.
pub fn current(location: &VaultLocation, key: &KeySource) -> Result<VaultKey, KeyError> {
    Vault::open(location, key)?;
    Ok(key.load().map_err(OpenError::from)?)
}

/// Saves the (checked) vault key to a new `0600` file.
pub fn save(
    location: &VaultLocation,
    key: &KeySource,
    to: &Path,
    overwrite: bool,
) -> Result<(), KeyError> {
    let k = current(location, key)?;
    save_key_file(to, &k, overwrite).map_err(|source| {
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            KeyError::Exists {
                path: to.to_path_buf(),
            }
        } else {
            KeyError::Io {
                path: to.to_path_buf(),
                source,
            }
        }
    })
}
