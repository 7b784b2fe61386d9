//! The server's Ed25519 signing key. It lives in the database so that several servers sharing
//! one PostgreSQL database sign with the same key; anyone who can write the database could
//! change the policy directly anyway.

use super::DbError;
use base64::{Engine, engine::general_purpose::STANDARD as B64};
use coffer_core::policy::ServerSigningKey;
use sqlx::Row;
use zeroize::Zeroizing;

/// The signing key, created on first use.
pub(super) async fn load_or_create(pool: &sqlx::AnyPool) -> Result<ServerSigningKey, DbError> {
    let fresh = ServerSigningKey::generate();
    let seed = Zeroizing::new(B64.encode(*fresh.seed()));
    // Insert-if-absent, then read: concurrent first starts agree on one key.
    sqlx::query(
            "INSERT INTO server_identity (id, signing_seed, created_at) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING",
        )
        .bind(seed.as_str())
        .bind(super::now())
        .execute(pool)
        .await?;
    let row = sqlx::query("SELECT signing_seed FROM server_identity WHERE id = 1")
        .fetch_one(pool)
        .await?;
    let stored = Zeroizing::new(row.try_get::<String, _>("signing_seed")?);
    let bytes = Zeroizing::new(
        B64.decode(stored.as_bytes())
            .map_err(|_| DbError::Corrupt("signing key"))?,
    );
    let seed: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| DbError::Corrupt("signing key"))?;
    Ok(ServerSigningKey::from_seed(&seed))
}
