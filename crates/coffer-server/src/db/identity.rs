//! The server's Ed25519 signing key. It lives in the database, so that several servers sharing one
//! PostgreSQL database sign with the same key, sealed under a sealing key each replica gets from
//! a file or the environment (`coffer_core::server_seal`): a dump of the database alone cannot
//! sign a policy or an audit entry.

use super::DbError;
use base64::{Engine, engine::general_purpose::STANDARD as B64};
use coffer_core::policy::ServerSigningKey;
use coffer_core::server_seal::{SealError, SealingKey, is_sealed};
use sqlx::Row;
use std::path::Path;
use zeroize::Zeroizing;

/// The signing key, created (sealed) on first use. A key stored in clear is refused: the
/// migration to schema version 2 sealed the one an older server left, so a clear one was put
/// there directly (to sign with a key its writer knows).
pub(super) async fn load_or_create(
    pool: &sqlx::AnyPool,
    seal: &SealingKey,
) -> Result<ServerSigningKey, DbError> {
    // Insert-if-absent, then read: concurrent first starts agree on one key.
    sqlx::query(
        "INSERT INTO server_identity (id, signing_seed, created_at) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING",
    )
    .bind(seal.seal(&ServerSigningKey::generate()))
    .bind(super::now())
    .execute(pool)
    .await?;
    let row = sqlx::query("SELECT signing_seed FROM server_identity WHERE id = 1")
        .fetch_one(pool)
        .await?;
    let stored = Zeroizing::new(row.try_get::<String, _>("signing_seed")?);
    if !is_sealed(&stored) {
        return Err(DbError::Corrupt(
            "signing key (stored in clear: it was replaced outside the server)",
        ));
    }
    Ok(seal.open(&stored)?)
}

/// In the transaction of the migration to schema version 2: seals the signing key an older
/// server stored in clear (or makes a sealed one); returns it.
pub(super) async fn seal_in_place(
    tx: &mut sqlx::AnyConnection,
    seal: &SealingKey,
) -> Result<ServerSigningKey, DbError> {
    let row = sqlx::query("SELECT signing_seed FROM server_identity WHERE id = 1")
        .fetch_optional(&mut *tx)
        .await?;
    let Some(row) = row else {
        let key = ServerSigningKey::generate();
        sqlx::query(
            "INSERT INTO server_identity (id, signing_seed, created_at) VALUES (1, $1, $2)",
        )
        .bind(seal.seal(&key))
        .bind(super::now())
        .execute(&mut *tx)
        .await?;
        return Ok(key);
    };
    let stored = Zeroizing::new(row.try_get::<String, _>("signing_seed")?);
    if is_sealed(&stored) {
        return Ok(seal.open(&stored)?);
    }
    let bytes = Zeroizing::new(
        B64.decode(stored.as_bytes())
            .map_err(|_| DbError::Corrupt("signing key"))?,
    );
    let seed: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| DbError::Corrupt("signing key"))?;
    let key = ServerSigningKey::from_seed(&seed);
    sqlx::query("UPDATE server_identity SET signing_seed = $1 WHERE id = 1")
        .bind(seal.seal(&key))
        .execute(&mut *tx)
        .await?;
    Ok(key)
}

/// Reads the sealing key in `path`; with `create`, makes one there first (`0600`, never
/// replacing a file) if there is none.
pub fn key_file(path: &Path, create: bool) -> Result<SealingKey, DbError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let err = |source| DbError::KeyFile {
        path: path.to_path_buf(),
        source,
    };
    if create && !path.exists() {
        let key = SealingKey::generate();
        let text = Zeroizing::new(format!(
            "{}\n",
            secrecy::ExposeSecret::expose_secret(&key.encode())
        ));
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(err)?;
        f.write_all(text.as_bytes()).map_err(err)?;
        f.sync_all().map_err(err)?;
        return Ok(key);
    }
    let text = Zeroizing::new(std::fs::read_to_string(path).map_err(err)?);
    SealingKey::parse(&text).map_err(|e: SealError| e.into())
}
