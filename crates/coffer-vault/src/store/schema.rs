//! Schema, migrations and the vault's metadata.

use super::{OpenError, StoreError, digest};
use crate::fs;
use coffer_core::crypto::{KeyCheck, VaultKey, VaultKeys, random};
use coffer_core::digest::VaultDigest;
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use std::path::Path;
use std::time::Duration;

/// The storage version this build writes (SQLite `user_version`).
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;
const FORMAT_MARKER: &str = "coffer-vault";
/// How long a writer waits for another process's transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Migrations: entry `i` takes the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    "
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value BLOB NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE secrets (
        id         BLOB PRIMARY KEY,
        name_mac   BLOB NOT NULL UNIQUE,
        nonce      BLOB NOT NULL,
        ciphertext BLOB NOT NULL
    ) WITHOUT ROWID;
",
    "
    CREATE TABLE sealed_state (
        name       TEXT PRIMARY KEY,
        nonce      BLOB NOT NULL,
        ciphertext BLOB NOT NULL
    ) WITHOUT ROWID;
",
    // Version 3: records may be version 2 (`disabled`, `environments`). No table changes; the
    // version tells an older Coffer to stop instead of failing on records it cannot read.
    "",
    // Version 4: the vault digest, a sealed-state entry (`digest::STATE_NAME`) binding every
    // row. No table changes; the migration computes the first digest (`DIGEST_VERSION`).
    "",
];

/// The schema version that adds the vault digest (and the second key check).
pub(crate) const DIGEST_VERSION: i64 = 4;

pub(crate) struct Meta {
    pub vault_id: Vec<u8>,
    pub key_check: Vec<u8>,
    /// The schema version the file says it has.
    pub version: i64,
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    // Up to 64 MiB of page cache (allocated only as used): bulk imports write pages in random
    // key order, and the default 2 MiB cache turns that into repeated WAL reads.
    conn.pragma_update(None, "cache_size", -65536)?;
    // Never run SQL functions named by the schema (a view or default a file could carry).
    conn.pragma_update(None, "trusted_schema", false)?;
    // Debug builds (the tests) count every statement run: work-counting tests assert how many
    // an operation needs. The callback sees the SQL text, never bound values, and keeps nothing.
    #[cfg(debug_assertions)]
    conn.trace_v2(
        rusqlite::trace::TraceEventCodes::SQLITE_TRACE_STMT,
        Some(|_| super::records::count_statement()),
    );
    Ok(())
}

/// Opens an existing vault database without its key: checks the version and the marker and
/// reads the metadata, writing nothing (see [`migrate`]).
pub(crate) fn open_unkeyed(db: &Path) -> Result<(Connection, Meta), OpenError> {
    if !db.exists() {
        return Err(OpenError::NotInitialized {
            path: db.to_path_buf(),
        });
    }
    let conn = Connection::open_with_flags(
        db,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    configure(&conn)?;
    let not_a_vault = || OpenError::NotAVault {
        path: db.to_path_buf(),
    };
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(|_| not_a_vault())?;
    if version > SCHEMA_VERSION {
        return Err(OpenError::TooNew {
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    if version < 1 {
        return Err(not_a_vault());
    }
    let get = |k: &str| -> Result<Vec<u8>, OpenError> {
        conn.query_row("SELECT value FROM meta WHERE key = ?1", [k], |r| r.get(0))
            .optional()?
            .ok_or_else(not_a_vault)
    };
    if get("format")? != FORMAT_MARKER.as_bytes() {
        return Err(not_a_vault());
    }
    // Coffer creates no triggers or views: one would let someone without the key change what
    // a write does (ignore an update, copy a row back).
    let foreign: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_schema WHERE type IN ('trigger', 'view')",
        [],
        |r| r.get(0),
    )?;
    if foreign > 0 {
        return Err(OpenError::Store(StoreError::Integrity));
    }
    let meta = Meta {
        vault_id: get("vault_id")?,
        key_check: get("key_check")?,
        version,
    };
    Ok((conn, meta))
}

/// Brings an opened vault to [`SCHEMA_VERSION`]. Called only after the key was checked: a wrong
/// key never writes. Reaching version 4 computes the first digest over the rows as they are, in
/// the same transaction.
pub(crate) fn migrate(
    conn: &mut Connection,
    keys: &VaultKeys,
    vault_id: &[u8],
) -> Result<(), OpenError> {
    let from: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if from >= SCHEMA_VERSION {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if run_migrations(&tx)? {
        let mut first = digest::scan(&tx, keys)?;
        first.counter = 0;
        digest::save(&tx, keys, vault_id, &first)?;
        tx.execute(
            "UPDATE meta SET value = ?1 WHERE key = 'key_check'",
            [&keys.key_check_value(KeyCheck::V2)[..]],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// Runs the migrations the database inside `tx` has not had (another process may have run them
/// while this one waited for the lock); true if they crossed [`DIGEST_VERSION`].
fn run_migrations(tx: &Connection) -> Result<bool, StoreError> {
    let now: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (v, sql) in MIGRATIONS.iter().enumerate().skip(now as usize) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", v as i64 + 1)?;
    }
    Ok(now < DIGEST_VERSION && SCHEMA_VERSION >= DIGEST_VERSION)
}

/// Creates a new vault database at `db` for `key`, atomically: the file appears complete or not
/// at all, and never replaces an existing file (`AlreadyExists`).
pub(crate) fn create(db: &Path, key: &VaultKey) -> Result<(), CreateError> {
    let tmp = fs::temp_beside(db)?;
    let built = (|| -> Result<(), StoreError> {
        let mut conn = Connection::open(tmp.path())?;
        configure(&conn)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        let tx = conn.transaction()?;
        run_migrations(&tx)?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('format', ?1)",
            [FORMAT_MARKER.as_bytes()],
        )?;
        write_key_meta(&tx, key)?;
        tx.commit()?;
        conn.close().map_err(|(_, e)| e)?;
        Ok(())
    })();
    let side_files = tmp.path().to_path_buf();
    let placed = match built {
        Ok(()) => tmp.commit(db, false).map_err(CreateError::from),
        Err(e) => Err(e.into()),
    };
    remove_db_side_files(&side_files);
    placed
}

/// Gives the vault a new id and key check for `key`, deleting every secret and every sealed
/// state entry (sealed under the old key: unreadable from now on), in one transaction; a vault
/// of an older schema is migrated in the same transaction.
pub(crate) fn rekey(conn: &mut Connection, key: &VaultKey) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    run_migrations(&tx)?;
    tx.execute("DELETE FROM secrets", [])?;
    tx.execute("DELETE FROM sealed_state", [])?;
    write_key_meta(&tx, key)?;
    tx.commit()?;
    Ok(())
}

/// Writes a new vault id and the key check of `key` for it, and the digest of an empty vault.
fn write_key_meta(conn: &Connection, key: &VaultKey) -> Result<(), StoreError> {
    let vault_id: [u8; 16] = random::bytes();
    let keys = VaultKeys::derive(key, &vault_id);
    let check = keys.key_check_value(KeyCheck::V2);
    conn.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('vault_id', ?1), ('key_check', ?2)",
        params![&vault_id[..], &check[..]],
    )?;
    digest::save(conn, &keys, &vault_id, &VaultDigest::empty())
}

/// Removes what SQLite may leave beside a temporary database it was closed on.
fn remove_db_side_files(db: &Path) {
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}

/// Creating the database failed.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    /// File system failure (including `AlreadyExists`).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// SQLite failure.
    #[error(transparent)]
    Store(#[from] StoreError),
}
