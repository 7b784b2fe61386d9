//! `reset`: the way out when the key is lost. Deletes every secret and gives the vault a new key.

use crate::fs;
use crate::location::VaultLocation;
use crate::store::{self, OpenError, StoreError};
use crate::{Classify, ErrorKind};
use coffer_core::crypto::VaultKey;
use secrecy::ExposeSecret;
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
/// The new key is written to a temporary file (fsynced) first, the database is re-keyed in one
/// transaction, and only then does the key file take the new key: a failure before that leaves
/// vault and key file as they were.
pub fn reset(location: &VaultLocation, key_path: &Path) -> Result<ResetReport, ResetError> {
    let (mut conn, _) = store::open_unkeyed(&location.db_path)?;
    let deleted: i64 = conn
        .query_row("SELECT count(*) FROM secrets", [], |r| r.get(0))
        .map_err(StoreError::from)?;
    let deleted = deleted.unsigned_abs();
    let key = VaultKey::generate();
    let key_err = |source| ResetError::KeyFile {
        path: key_path.to_path_buf(),
        source,
    };
    if let Some(dir) = key_path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_private_dir(dir).map_err(key_err)?;
    }
    let tmp = fs::temp_beside(key_path).map_err(key_err)?;
    let text = zeroize::Zeroizing::new(format!("{}\n", key.encode().expose_secret()));
    (|| {
        let mut f = tmp.file();
        std::io::Write::write_all(&mut f, text.as_bytes())?;
        f.sync_all()
    })()
    .map_err(key_err)?;
    // On failure `tmp` is removed when dropped; the key file is untouched.
    store::rekey(&mut conn, &key)?;
    tmp.commit(key_path, true).map_err(key_err)?;
    Ok(ResetReport {
        deleted,
        key_path: key_path.to_path_buf(),
    })
}
