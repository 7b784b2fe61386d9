//! Reading and writing sealed records inside a transaction.

use super::StoreError;
use coffer_core::crypto::{VaultKeys, random};
use coffer_core::record::{self, SealedRecord};
use coffer_core::{Secret, SecretName};
use rusqlite::{Connection, OptionalExtension, params};

/// A record's row id (16 random bytes, stable across renames).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordId(Vec<u8>);

/// The records of an open vault, inside the current transaction.
pub struct Records<'a> {
    conn: &'a Connection,
    keys: &'a VaultKeys,
    vault_id: &'a [u8],
}

impl<'a> Records<'a> {
    pub(super) fn new(conn: &'a Connection, keys: &'a VaultKeys, vault_id: &'a [u8]) -> Self {
        Self {
            conn,
            keys,
            vault_id,
        }
    }

    fn open(
        &self,
        id: &[u8],
        name_mac: Vec<u8>,
        nonce: Vec<u8>,
        ct: Vec<u8>,
    ) -> Result<Secret, StoreError> {
        let name_mac: [u8; 32] = name_mac.try_into().map_err(|_| StoreError::Integrity)?;
        let sealed = SealedRecord {
            name_mac,
            nonce,
            ciphertext: ct,
        };
        record::open(self.keys, self.vault_id, id, &sealed).map_err(|_| StoreError::Integrity)
    }

    /// The secret called `name`, with its row id.
    pub fn find(&self, name: &SecretName) -> Result<Option<(RecordId, Secret)>, StoreError> {
        let mac = self.keys.name_mac(name.as_str());
        let row = self
            .conn
            .prepare_cached("SELECT id, nonce, ciphertext FROM secrets WHERE name_mac = ?1")?
            .query_row([&mac[..]], |r| {
                Ok((r.get::<_, Vec<u8>>(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        match row {
            None => Ok(None),
            Some((id, nonce, ct)) => {
                let s = self.open(&id, mac.to_vec(), nonce, ct)?;
                Ok(Some((RecordId(id), s)))
            }
        }
    }

    /// The row id of the secret called `name`, without opening it.
    pub fn id_of(&self, name: &SecretName) -> Result<Option<RecordId>, StoreError> {
        let mac = self.keys.name_mac(name.as_str());
        Ok(self
            .conn
            .prepare_cached("SELECT id FROM secrets WHERE name_mac = ?1")?
            .query_row([&mac[..]], |r| r.get(0))
            .optional()?
            .map(RecordId))
    }

    /// Every secret, sorted by name.
    pub fn all(&self) -> Result<Vec<Secret>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, name_mac, nonce, ciphertext FROM secrets")?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, Vec<u8>>(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, mac, nonce, ct) = row?;
            out.push(self.open(&id, mac, nonce, ct)?);
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Adds a new secret (its name must be free).
    pub fn insert(&self, secret: &Secret) -> Result<RecordId, StoreError> {
        let id = random::bytes::<16>().to_vec();
        let s = record::seal(self.keys, self.vault_id, &id, secret);
        self.conn
            .prepare_cached(
                "INSERT INTO secrets (id, name_mac, nonce, ciphertext) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![&id, &s.name_mac[..], &s.nonce, &s.ciphertext])?;
        Ok(RecordId(id))
    }

    /// Replaces the record `id` with `secret` (which may have a new name).
    pub fn replace(&self, id: &RecordId, secret: &Secret) -> Result<(), StoreError> {
        let s = record::seal(self.keys, self.vault_id, &id.0, secret);
        self.conn
            .prepare_cached(
                "UPDATE secrets SET name_mac = ?2, nonce = ?3, ciphertext = ?4 WHERE id = ?1",
            )?
            .execute(params![&id.0, &s.name_mac[..], &s.nonce, &s.ciphertext])?;
        Ok(())
    }

    /// Deletes the record `id`.
    pub fn delete(&self, id: &RecordId) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("DELETE FROM secrets WHERE id = ?1")?
            .execute([&id.0])?;
        Ok(())
    }

    /// Deletes every record; returns how many there were.
    pub fn delete_all(&self) -> Result<u64, StoreError> {
        Ok(self.conn.execute("DELETE FROM secrets", [])? as u64)
    }
}
