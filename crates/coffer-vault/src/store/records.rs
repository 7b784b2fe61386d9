//! Reading and writing sealed records and sealed state inside a transaction, keeping the vault
//! digest (`coffer_core::digest`) in step with every row written.

use super::{StoreError, digest, open_state, state_aad};
use coffer_core::crypto::{VaultKeys, random};
use coffer_core::digest::{Change, Sealed, VaultDigest};
use coffer_core::record::{self, SealedRecord};
use coffer_core::{Secret, SecretName};
use rusqlite::{Connection, OptionalExtension, params};
use std::cell::{Cell, RefCell};
use zeroize::Zeroizing;

/// Records decrypted by this process so far: what work-counting tests measure (an import must
/// not decrypt the vault more than once).
static OPENED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many records this process has decrypted.
pub fn records_opened() -> u64 {
    OPENED.load(std::sync::atomic::Ordering::Relaxed)
}

/// A `secrets` row as the digest sees it: name MAC, nonce, ciphertext tail and length.
type SecretRowParts = (Vec<u8>, Vec<u8>, Vec<u8>, i64);

/// A record's row id (16 random bytes, stable across renames).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordId(Vec<u8>);

/// The records of an open vault, inside the current transaction.
pub struct Records<'a> {
    conn: &'a Connection,
    keys: &'a VaultKeys,
    vault_id: &'a [u8],
    /// The digest as it stands in this transaction (loaded at its start, changed with each
    /// row written).
    digest: RefCell<VaultDigest>,
    changed: Cell<bool>,
}

impl<'a> Records<'a> {
    /// Starts on `conn` (inside a transaction): loads and opens the stored digest, so that every
    /// command notices a deleted or altered digest.
    pub(super) fn new(
        conn: &'a Connection,
        keys: &'a VaultKeys,
        vault_id: &'a [u8],
    ) -> Result<Self, StoreError> {
        let digest = digest::load(conn, keys, vault_id)?;
        Ok(Self {
            conn,
            keys,
            vault_id,
            digest: RefCell::new(digest),
            changed: Cell::new(false),
        })
    }

    /// Writes the digest back if a row changed, counting one more change. Called once, just
    /// before the transaction commits.
    pub(super) fn finish(self) -> Result<(), StoreError> {
        if self.changed.get() {
            let mut d = self.digest.into_inner();
            d.counter = d.counter.wrapping_add(1);
            digest::save(self.conn, self.keys, self.vault_id, &d)?;
        }
        Ok(())
    }

    /// The digest as it stands in this transaction.
    pub fn digest(&self) -> VaultDigest {
        self.digest.borrow().clone()
    }

    fn note_secret(&self, change: Change, id: &[u8], name_mac: &[u8], sealed: Sealed<'_>) {
        self.digest
            .borrow_mut()
            .secret_row(self.keys, change, id, name_mac, sealed);
        self.changed.set(true);
    }

    fn note_state(&self, change: Change, name: &str, sealed: Sealed<'_>) {
        self.digest
            .borrow_mut()
            .state_row(self.keys, change, name, sealed);
        self.changed.set(true);
    }

    fn open(
        &self,
        id: &[u8],
        name_mac: Vec<u8>,
        nonce: Vec<u8>,
        ct: Vec<u8>,
    ) -> Result<Secret, StoreError> {
        OPENED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name_mac: [u8; 32] = name_mac.try_into().map_err(|_| StoreError::Integrity)?;
        let sealed = SealedRecord {
            name_mac,
            nonce,
            ciphertext: ct,
        };
        record::open(self.keys, self.vault_id, id, &sealed).map_err(|_| StoreError::Integrity)
    }

    /// The secret called `name`, with its row id. Checks the record's own authentication, not
    /// the set of records (see [`Self::all`] and [`Self::verify_rows`]).
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

    /// Every secret, sorted by name, after checking that the stored rows are exactly the ones
    /// the digest describes (none deleted, put back from an older copy or swapped).
    pub fn all(&self) -> Result<Vec<Secret>, StoreError> {
        let mut seen = VaultDigest::empty();
        let mut out = Vec::new();
        {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT id, name_mac, nonce, ciphertext FROM secrets")?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let (id, mac, nonce, ct): (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>) =
                    (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
                seen.secret_row(self.keys, Change::Add, &id, &mac, Sealed::of(&nonce, &ct));
                out.push(self.open(&id, mac, nonce, ct)?);
            }
        }
        digest::add_state_rows(self.conn, self.keys, &mut seen)?;
        self.check(&seen)?;
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Checks that the stored rows are exactly those the digest describes, without opening
    /// them (every row is hashed: cheap, and independent of the values' size).
    pub fn verify_rows(&self) -> Result<(), StoreError> {
        self.check(&digest::scan(self.conn, self.keys)?)
    }

    fn check(&self, seen: &VaultDigest) -> Result<(), StoreError> {
        if self.digest.borrow().same_rows(seen) {
            Ok(())
        } else {
            Err(StoreError::Inconsistent)
        }
    }

    /// Opens every sealed state entry (the set is checked with [`Self::verify_rows`]); returns
    /// how many there are.
    pub fn open_all_states(&self) -> Result<u64, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT name, nonce, ciphertext FROM sealed_state WHERE name != ?1")?;
        let mut rows = stmt.query([coffer_core::digest::STATE_NAME])?;
        let mut n = 0;
        while let Some(r) = rows.next()? {
            let (name, nonce, ct): (String, Vec<u8>, Vec<u8>) = (r.get(0)?, r.get(1)?, r.get(2)?);
            open_state(self.keys, &state_aad(self.vault_id, &name), &nonce, &ct)?;
            n += 1;
        }
        Ok(n)
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
        self.note_secret(
            Change::Add,
            &id,
            &s.name_mac,
            Sealed::of(&s.nonce, &s.ciphertext),
        );
        Ok(RecordId(id))
    }

    /// Takes the row `id` out of the digest (it is about to change or go); false if there is
    /// no such row.
    fn forget_secret(&self, id: &[u8]) -> Result<bool, StoreError> {
        let row: Option<SecretRowParts> = self
            .conn
            .prepare_cached(
                "SELECT name_mac, nonce, substr(ciphertext, -16), length(ciphertext)
                 FROM secrets WHERE id = ?1",
            )?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .optional()?;
        let Some((mac, nonce, tail, len)) = row else {
            return Ok(false);
        };
        self.note_secret(
            Change::Remove,
            id,
            &mac,
            Sealed::from_parts(&nonce, &tail, len.unsigned_abs()),
        );
        Ok(true)
    }

    /// Replaces the record `id` with `secret` (which may have a new name).
    pub fn replace(&self, id: &RecordId, secret: &Secret) -> Result<(), StoreError> {
        if !self.forget_secret(&id.0)? {
            return Err(StoreError::Integrity);
        }
        let s = record::seal(self.keys, self.vault_id, &id.0, secret);
        self.conn
            .prepare_cached(
                "UPDATE secrets SET name_mac = ?2, nonce = ?3, ciphertext = ?4 WHERE id = ?1",
            )?
            .execute(params![&id.0, &s.name_mac[..], &s.nonce, &s.ciphertext])?;
        self.note_secret(
            Change::Add,
            &id.0,
            &s.name_mac,
            Sealed::of(&s.nonce, &s.ciphertext),
        );
        Ok(())
    }

    /// Deletes the record `id`.
    pub fn delete(&self, id: &RecordId) -> Result<(), StoreError> {
        if self.forget_secret(&id.0)? {
            self.conn
                .prepare_cached("DELETE FROM secrets WHERE id = ?1")?
                .execute([&id.0])?;
        }
        Ok(())
    }

    /// Deletes every record; returns how many there were.
    pub fn delete_all(&self) -> Result<u64, StoreError> {
        // Each row leaves the digest one by one (never recomputed from what is stored, so a
        // mismatch made before stays visible).
        let mut d = self.digest.borrow_mut();
        let n = digest::for_each_secret_row(self.conn, |id, mac, sealed| {
            d.secret_row(self.keys, Change::Remove, id, mac, sealed);
        })?;
        drop(d);
        self.changed.set(true);
        self.conn.execute("DELETE FROM secrets", [])?;
        Ok(n)
    }

    /// The sealed state entry `name`, opened.
    pub fn state(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        let row: Option<(Vec<u8>, Vec<u8>)> = self
            .conn
            .prepare_cached("SELECT nonce, ciphertext FROM sealed_state WHERE name = ?1")?
            .query_row([name], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        row.map(|(nonce, ct)| open_state(self.keys, &state_aad(self.vault_id, name), &nonce, &ct))
            .transpose()
    }

    /// Stores `value` as the sealed state entry `name`, replacing any.
    pub fn put_state(&self, name: &str, value: &[u8]) -> Result<(), StoreError> {
        reserved(name)?;
        self.forget_state(name)?;
        let (nonce, ct) = self
            .keys
            .state_key()
            .seal(&state_aad(self.vault_id, name), value);
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO sealed_state (name, nonce, ciphertext) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![name, &nonce[..], &ct])?;
        self.note_state(Change::Add, name, Sealed::of(&nonce, &ct));
        Ok(())
    }

    /// Deletes the sealed state entry `name`, if any.
    pub fn delete_state(&self, name: &str) -> Result<(), StoreError> {
        reserved(name)?;
        if self.forget_state(name)? {
            self.conn
                .prepare_cached("DELETE FROM sealed_state WHERE name = ?1")?
                .execute([name])?;
        }
        Ok(())
    }

    fn forget_state(&self, name: &str) -> Result<bool, StoreError> {
        let row: Option<(Vec<u8>, Vec<u8>, i64)> = self
            .conn
            .prepare_cached(
                "SELECT nonce, substr(ciphertext, -16), length(ciphertext)
                 FROM sealed_state WHERE name = ?1",
            )?
            .query_row([name], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let Some((nonce, tail, len)) = row else {
            return Ok(false);
        };
        self.note_state(
            Change::Remove,
            name,
            Sealed::from_parts(&nonce, &tail, len.unsigned_abs()),
        );
        Ok(true)
    }

    /// The names of the sealed state entries starting with `prefix`, sorted.
    pub fn state_names(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT name FROM sealed_state WHERE substr(name, 1, length(?1)) = ?1 ORDER BY name",
        )?;
        let names = stmt
            .query_map([prefix], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(names
            .into_iter()
            .filter(|n| n != coffer_core::digest::STATE_NAME)
            .collect())
    }
}

/// The digest's own entry is written only by the store.
fn reserved(name: &str) -> Result<(), StoreError> {
    if name == coffer_core::digest::STATE_NAME {
        Err(StoreError::Integrity)
    } else {
        Ok(())
    }
}
