//! Loading, saving and recomputing the vault digest (`coffer_core::digest`, `docs/storage.md`).

use super::{StoreError, open_state, state_aad};
use coffer_core::crypto::VaultKeys;
use coffer_core::digest::{Change, STATE_NAME, Sealed, VaultDigest};
use rusqlite::{Connection, OptionalExtension, params};

/// The stored digest, opened. A missing or unreadable digest is an inconsistency: someone
/// deleted or replaced the row that binds the others.
pub(super) fn load(
    conn: &Connection,
    keys: &VaultKeys,
    vault_id: &[u8],
) -> Result<VaultDigest, StoreError> {
    let row: Option<(Vec<u8>, Vec<u8>)> = conn
        .prepare_cached("SELECT nonce, ciphertext FROM sealed_state WHERE name = ?1")?
        .query_row([STATE_NAME], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (nonce, ct) = row.ok_or(StoreError::Inconsistent)?;
    let plain = open_state(keys, &state_aad(vault_id, STATE_NAME), &nonce, &ct)
        .map_err(|_| StoreError::Inconsistent)?;
    VaultDigest::decode(&plain).map_err(|_| StoreError::Inconsistent)
}

/// Seals and stores `digest`.
pub(super) fn save(
    conn: &Connection,
    keys: &VaultKeys,
    vault_id: &[u8],
    digest: &VaultDigest,
) -> Result<(), StoreError> {
    let (nonce, ct) = keys
        .state_key()
        .seal(&state_aad(vault_id, STATE_NAME), &digest.encode());
    conn.prepare_cached(
        "INSERT OR REPLACE INTO sealed_state (name, nonce, ciphertext) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![STATE_NAME, &nonce[..], ct])?;
    Ok(())
}

/// The digest of the rows stored now (counter 0), computed without opening any of them.
pub(super) fn scan(conn: &Connection, keys: &VaultKeys) -> Result<VaultDigest, StoreError> {
    let mut d = VaultDigest::empty();
    for_each_secret_row(conn, |id, mac, sealed| {
        d.secret_row(keys, Change::Add, id, mac, sealed);
    })?;
    add_state_rows(conn, keys, &mut d)?;
    Ok(d)
}

/// Calls `f` with every `secrets` row's id, name MAC and sealed parts; returns how many rows.
pub(super) fn for_each_secret_row(
    conn: &Connection,
    mut f: impl FnMut(&[u8], &[u8], Sealed<'_>),
) -> Result<u64, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name_mac, nonce, substr(ciphertext, -16), length(ciphertext) FROM secrets",
    )?;
    let mut rows = stmt.query([])?;
    let mut n = 0;
    while let Some(r) = rows.next()? {
        let (id, mac, nonce, tail, len): (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>, i64) =
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
        f(
            &id,
            &mac,
            Sealed::from_parts(&nonce, &tail, len.unsigned_abs()),
        );
        n += 1;
    }
    Ok(n)
}

/// Adds every `sealed_state` row but the digest's own to `d`.
pub(super) fn add_state_rows(
    conn: &Connection,
    keys: &VaultKeys,
    d: &mut VaultDigest,
) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT name, nonce, substr(ciphertext, -16), length(ciphertext)
         FROM sealed_state WHERE name != ?1",
    )?;
    let mut rows = stmt.query([STATE_NAME])?;
    while let Some(r) = rows.next()? {
        let (name, nonce, tail, len): (String, Vec<u8>, Vec<u8>, i64) =
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
        d.state_row(
            keys,
            Change::Add,
            &name,
            Sealed::from_parts(&nonce, &tail, len.unsigned_abs()),
        );
    }
    Ok(())
}
