//! The SQLite store (`docs/storage.md`): opening a vault, checking its key, and transactions.

mod digest;
mod records;
mod schema;

pub use records::{RecordId, Records, records_opened, statements_run};
pub(crate) use schema::{CreateError, create, migrate, open_unkeyed, rekey};

use crate::error::{Classify, ErrorKind};
use crate::keysource::{KeySource, LoadKeyError};
use crate::location::VaultLocation;
use coffer_core::crypto::{KeyCheck, VaultKeys};
use rusqlite::{Connection, TransactionBehavior};
use std::path::PathBuf;

/// Opens a sealed state blob; a blob that does not authenticate is an integrity failure.
fn open_state(
    keys: &VaultKeys,
    aad: &[u8],
    nonce: &[u8],
    ct: &[u8],
) -> Result<zeroize::Zeroizing<Vec<u8>>, StoreError> {
    keys.state_key()
        .open(nonce, aad, ct)
        .map_err(|_| StoreError::Integrity)
}

/// The associated data of sealed state `name` of the vault `vault_id`.
fn state_aad(vault_id: &[u8], name: &str) -> Vec<u8> {
    [b"coffer/state/v1\0".as_slice(), vault_id, name.as_bytes()].concat()
}

/// An open, unlocked vault.
pub struct Vault {
    conn: Connection,
    keys: VaultKeys,
    vault_id: Vec<u8>,
    location: VaultLocation,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("db_path", &self.location.db_path)
            .finish_non_exhaustive()
    }
}

/// A failure of the database or of a stored record's integrity.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed (I/O, lock timeout, corruption detected by SQLite).
    #[error("vault database error: {0}")]
    Sqlite(rusqlite::Error),
    /// A record did not authenticate: the file was altered or damaged.
    #[error("the vault's data failed its integrity check (the file was altered or damaged)")]
    Integrity,
    /// Every record authenticates, but the set of records is not the one the vault last wrote:
    /// one was deleted, put back from an older copy or swapped, or the digest itself is gone.
    #[error(
        "the vault's records do not match its digest (a record was deleted, replaced by an older copy or moved)"
    )]
    Inconsistent,
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::Error as E;
        match e {
            // A column of the wrong type (a BLOB turned into TEXT or a number): the file was
            // altered, like a record that fails its authentication.
            E::InvalidColumnType(..)
            | E::FromSqlConversionFailure(..)
            | E::IntegralValueOutOfRange(..) => StoreError::Integrity,
            e => StoreError::Sqlite(e),
        }
    }
}

impl Classify for StoreError {
    fn kind(&self) -> ErrorKind {
        match self {
            StoreError::Sqlite(_) => ErrorKind::Io,
            StoreError::Integrity => ErrorKind::Integrity,
            StoreError::Inconsistent => ErrorKind::Inconsistent,
        }
    }
}

/// The vault could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// No vault file.
    #[error("no vault at {}", path.display())]
    NotInitialized {
        /// The database path looked for.
        path: PathBuf,
    },
    /// The file exists but is not a Coffer vault.
    #[error("{} is not a Coffer vault", path.display())]
    NotAVault {
        /// The file.
        path: PathBuf,
    },
    /// Written by a newer Coffer.
    #[error("this vault has storage version {found}; this Coffer reads up to version {supported}")]
    TooNew {
        /// The vault's version.
        found: i64,
        /// The newest this build reads.
        supported: i64,
    },
    /// The key could not be loaded.
    #[error(transparent)]
    Key(#[from] LoadKeyError),
    /// The key is not this vault's.
    #[error("the vault key does not match this vault")]
    WrongKey,
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for OpenError {
    fn from(e: rusqlite::Error) -> Self {
        OpenError::Store(e.into())
    }
}

impl Classify for OpenError {
    fn kind(&self) -> ErrorKind {
        match self {
            OpenError::NotInitialized { .. } => ErrorKind::NotInitialized,
            OpenError::NotAVault { .. } => ErrorKind::InvalidInput,
            OpenError::TooNew { .. } => ErrorKind::Unsupported,
            OpenError::Key(LoadKeyError::Missing { .. } | LoadKeyError::Keychain { .. }) => {
                ErrorKind::KeyMissing
            }
            OpenError::Key(LoadKeyError::Unreadable { .. }) => ErrorKind::Io,
            OpenError::Key(LoadKeyError::Malformed { .. }) | OpenError::WrongKey => {
                ErrorKind::WrongKey
            }
            OpenError::Store(e) => e.kind(),
        }
    }
}

impl Vault {
    /// Opens the vault at `location`, loads its key from `key` and checks it.
    pub fn open(location: &VaultLocation, key: &KeySource) -> Result<Self, OpenError> {
        let (mut conn, meta) = open_unkeyed(&location.db_path)?;
        let vault_key = key.load()?;
        let keys = VaultKeys::derive(&vault_key, &meta.vault_id);
        let check = keys
            .key_check_kind(&meta.key_check)
            .ok_or(OpenError::WrongKey)?;
        // The second key check is written by the migration to the vault digest: a vault that
        // has it but says an older schema version was set back by someone without the key (to
        // have its rows taken as they are by the migration), and one without it that says a
        // newer version has had its key check put back from an older copy.
        let digest_era = meta.version >= schema::DIGEST_VERSION;
        if digest_era != (check == KeyCheck::V2) {
            return Err(OpenError::Store(StoreError::Inconsistent));
        }
        migrate(&mut conn, &keys, &meta.vault_id)?;
        Ok(Self {
            conn,
            keys,
            vault_id: meta.vault_id,
            location: location.clone(),
        })
    }

    /// Runs `f` on a consistent snapshot of the records.
    pub fn read<T, E: From<StoreError>>(
        &mut self,
        f: impl FnOnce(&Records<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Deferred)
            .map_err(StoreError::from)?;
        let out = f(&Records::new(&tx, &self.keys, &self.vault_id)?)?;
        tx.finish().map_err(StoreError::from)?;
        Ok(out)
    }

    /// Runs `f` in one write transaction: committed if `f` succeeds, rolled back otherwise.
    /// Other writers wait (busy timeout) instead of failing or losing a write. The vault digest
    /// is updated in the same transaction.
    pub fn write<T, E: From<StoreError>>(
        &mut self,
        f: impl FnOnce(&Records<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let records = Records::new(&tx, &self.keys, &self.vault_id)?;
        let out = f(&records)?;
        records.finish()?;
        pause_point("before-commit");
        tx.commit().map_err(StoreError::from)?;
        Ok(out)
    }

    /// Reads the sealed state blob `name` (e.g. the team link), if present.
    pub fn sealed_state(
        &mut self,
        name: &str,
    ) -> Result<Option<zeroize::Zeroizing<Vec<u8>>>, StoreError> {
        self.read(|r| r.state(name))
    }

    /// Reads, changes and writes the sealed state blob `name` in one write transaction, so that
    /// two processes updating it cannot lose each other's change: `change` gets what is stored
    /// now and returns what to store (`None` deletes).
    pub fn update_sealed_state(
        &mut self,
        name: &str,
        change: impl FnOnce(Option<zeroize::Zeroizing<Vec<u8>>>) -> Option<zeroize::Zeroizing<Vec<u8>>>,
    ) -> Result<(), StoreError> {
        self.write(|r| match change(r.state(name)?) {
            Some(v) => r.put_state(name, &v),
            None => r.delete_state(name),
        })
    }

    /// Deletes every sealed state blob whose name starts with `prefix`, in one transaction;
    /// returns how many went.
    pub fn delete_sealed_states(&mut self, prefix: &str) -> Result<usize, StoreError> {
        self.write(|r| {
            let names = r.state_names(prefix)?;
            for name in &names {
                r.delete_state(name)?;
            }
            Ok(names.len())
        })
    }

    /// Keeps, among the sealed state blobs whose name starts with `prefix`, those `keep` accepts
    /// (opened), deleting the others, in one write transaction. A blob that does not open is
    /// deleted too (it can only be damage).
    pub fn retain_sealed_states(
        &mut self,
        prefix: &str,
        keep: impl Fn(&[u8]) -> bool,
    ) -> Result<(), StoreError> {
        self.write(|r| {
            for name in r.state_names(prefix)? {
                let kept = match r.state(&name) {
                    Ok(b) => b.is_some_and(|b| keep(&b)),
                    Err(StoreError::Integrity) => false,
                    Err(e) => return Err(e),
                };
                if !kept {
                    r.delete_state(&name)?;
                }
            }
            Ok(())
        })
    }

    /// How many sealed state blobs have a name starting with `prefix`.
    pub fn count_sealed_states(&mut self, prefix: &str) -> Result<usize, StoreError> {
        self.read(|r| Ok(r.state_names(prefix)?.len()))
    }

    /// Re-seals the digest over the rows stored now, counting one more change: how someone
    /// holding the key accepts a vault whose records no longer match its digest (after
    /// checking what is in it). Every record and state entry must still authenticate.
    pub fn accept_rows(&mut self) -> Result<coffer_core::digest::VaultDigest, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let counter = digest::load(&tx, &self.keys, &self.vault_id)
            .map(|d| d.counter)
            .unwrap_or(0);
        let mut now = digest::scan(&tx, &self.keys)?;
        now.counter = counter.wrapping_add(1);
        digest::save(&tx, &self.keys, &self.vault_id, &now)?;
        {
            let records = Records::new(&tx, &self.keys, &self.vault_id)?;
            records.all()?;
            records.open_all_states()?;
        }
        tx.commit()?;
        Ok(now)
    }

    /// A name for sealed state about `what` that does not reveal `what` (hex of a MAC under a
    /// subkey of the vault key; `label` separates uses).
    pub fn keyed_name(&self, label: &str, what: &str) -> String {
        coffer_core::hex::encode(&self.keys.name_mac(&format!("{label}\0{what}")))
    }
}

/// Test builds only (debug assertions): when `COFFER_TEST_PAUSE_AT` names `point`, the process
/// says so on stderr and waits there for ever, so a test can stop it with `kill -9` at exactly
/// that point (inside the write transaction, after every write, before the commit). Release
/// builds contain no such code.
fn pause_point(point: &str) {
    #[cfg(debug_assertions)]
    if std::env::var_os("COFFER_TEST_PAUSE_AT").is_some_and(|p| p == point) {
        eprintln!("coffer: paused at {point} (test build)");
        loop {
            std::thread::park();
        }
    }
    #[cfg(not(debug_assertions))]
    let _ = point;
}
