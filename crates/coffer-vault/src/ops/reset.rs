//! `reset`: the way out when the key is lost. Deletes every secret and gives the vault a new key.

use crate::keysource::save_key_file;
use crate::location::VaultLocation;
use crate::store::{self, OpenError, StoreError};
use crate::{Classify, ErrorKind};
use coffer_core::crypto::VaultKey;
use std::path::{Path, PathBuf};

/// What `reset` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetReport {
    /// Secrets deleted.
    pub deleted: u64,
    /// Where the new key was written.
    pub key_path: PathBuf,
}

/// `reset` failed.
#[derive(Debug, thiserror::Error)]
pub enum ResetError {
    /// The vault could not be opened.
    #[error(transparent)]
    Open(#[from] OpenError),
    /// The new key could not be written; the vault is unchanged.
    #[error("cannot write the new key file {}: {source}", path.display())]
    KeyFile {
        /// The key file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Database failure.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Classify for ResetError {
    fn kind(&self) -> ErrorKind {
        match self {
            ResetError::Open(e) => e.kind(),
            ResetError::KeyFile { .. } => ErrorKind::Io,
            ResetError::Store(e) => e.kind(),
        }
    }
}

/// Deletes every secret and re-keys the vault; the new key goes to `key_path`. Needs no key.
///
/// The new key file is written first: if the database step then fails, running `reset` again
/// finishes the job (the old key was lost anyway).
pub fn reset(location: &VaultLocation, key_path: &Path) -> Result<ResetReport, ResetError> {
    let (mut conn, _) = store::open_unkeyed(&location.db_path)?;
    let deleted: i64 = conn
        .query_row("SELECT count(*) FROM secrets", [], |r| r.get(0))
        .map_err(StoreError::from)?;
    let deleted = deleted.unsigned_abs();
    let key = VaultKey::generate();
    save_key_file(key_path, &key, true).map_err(|source| ResetError::KeyFile {
        path: key_path.to_path_buf(),
        source,
    })?;
    store::rekey(&mut conn, &key)?;
    Ok(ResetReport {
        deleted,
        key_path: key_path.to_path_buf(),
    })
}
