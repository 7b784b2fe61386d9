//! Reading and writing sealed records and sealed state inside a transaction, keeping the vault
//! digest (`coffer_core::digest`) in step with every row written.

use super::{StoreError, digest, open_state, state_aad};
use coffer_core::crypto::VaultKeys;
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

/// SQL statements this process has run (counted in debug builds only, see `schema::configure`).
static STATEMENTS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many SQL statements this process has run on vault databases; always 0 in release builds.
pub fn statements_run() -> u64 {
    STATEMENTS.load(std::sync::atomic::Ordering::Relaxed)
}

#[cfg(debug_assertions)]
pub(super) fn count_statement() {
    STATEMENTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
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
        open_row(self.keys, self.vault_id, id, name_mac, nonce, ct)
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

    /// The secrets called one of `names` (each with its row id), in no particular order, after
    /// checking that the stored rows are exactly the ones the digest describes (as
    /// [`Self::all`] does, without decrypting the others: the records of other names are never
    /// opened). A few names are looked up in the name index one by one; many (an eighth of the
    /// vault or more) are found by reading the table once in storage order and matching each
    /// row's name MAC, which is faster than as many random index lookups.
    pub fn find_each(&self, names: &[&SecretName]) -> Result<Vec<(RecordId, Secret)>, StoreError> {
        let mut out = Vec::new();
        if names.len() as u64 * 8 < self.digest.borrow().secrets {
            self.verify_rows()?;
            for name in names {
                if let Some(found) = self.find(name)? {
                    out.push(found);
                }
            }
            return Ok(out);
        }
        let mut seen = VaultDigest::empty();
        let wanted: std::collections::HashSet<[u8; 32]> = names
            .iter()
            .map(|n| self.keys.name_mac(n.as_str()))
            .collect();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT name_mac, id, nonce, ciphertext FROM secrets")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let blob = |i| r.get_ref(i)?.as_blob().map_err(|_| StoreError::Integrity);
            let (mac, id, nonce, ct) = (blob(0)?, blob(1)?, blob(2)?, blob(3)?);
            seen.secret_row(self.keys, Change::Add, id, mac, Sealed::of(nonce, ct));
            if !<[u8; 32]>::try_from(mac).is_ok_and(|m| wanted.contains(&m)) {
                continue;
            }
            let s = self.open(id, mac.to_vec(), nonce.to_vec(), ct.to_vec())?;
            out.push((RecordId(id.to_vec()), s));
        }
        drop(rows);
        digest::add_state_rows(self.conn, self.keys, &mut seen)?;
        self.check(&seen)?;
        Ok(out)
    }

    /// Every secret, sorted by name, after checking that the stored rows are exactly the ones
    /// the digest describes (none deleted, put back from an older copy or swapped). A large
    /// vault is opened on two threads: this one reads the rows in chunks and opens every other
    /// chunk, a second thread opens the rest.
    pub fn all(&self) -> Result<Vec<Secret>, StoreError> {
        const CHUNK: usize = 512;
        let (keys, vault_id) = (self.keys, self.vault_id);
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, name_mac, nonce, ciphertext FROM secrets")?;
        let mut rows = stmt.query([])?;
        let mut read_chunk = || -> Result<Vec<Row>, StoreError> {
            let mut chunk = Vec::with_capacity(CHUNK);
            while chunk.len() < CHUNK {
                let Some(r) = rows.next()? else { break };
                chunk.push((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?));
            }
            Ok(chunk)
        };
        let mut opened = Opened::default();
        let first = read_chunk()?;
        if first.len() < CHUNK {
            opened.open(keys, vault_id, first)?;
        } else {
            std::thread::scope(|scope| {
                let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Row>>(2);
                let worker = scope.spawn(move || {
                    let mut theirs = Opened::default();
                    for chunk in rx {
                        theirs.open(keys, vault_id, chunk)?;
                    }
                    Ok::<_, StoreError>(theirs)
                });
                let (mut chunk, mut to_worker) = (first, true);
                while !chunk.is_empty() {
                    if to_worker {
                        // Closed: the worker stopped on an error, reported below.
                        if tx.send(chunk).is_err() {
                            break;
                        }
                    } else {
                        opened.open(keys, vault_id, chunk)?;
                    }
                    to_worker = !to_worker;
                    chunk = read_chunk()?;
                }
                drop(tx);
                let theirs = worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
                opened.secrets.extend(theirs.secrets);
                opened.seen.absorb(&theirs.seen);
                Ok::<_, StoreError>(())
            })?;
        }
        let Opened {
            secrets: mut out,
            mut seen,
        } = opened;
        digest::add_state_rows(self.conn, self.keys, &mut seen)?;
        self.check(&seen)?;
        out.sort_unstable_by(|a, b| a.name.cmp(&b.name));
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
        let mut ids = self.insert_new(&[secret])?;
        Ok(ids.pop().expect("one id per secret inserted"))
    }

    /// Adds new secrets (their names must be free and distinct), in row-id order, the order
    /// the table is kept in (random order makes SQLite split pages all over the file): ids and
    /// nonces are drawn at once ([`record::NewRows`]), then one `INSERT` each. A large batch
    /// is sealed on a second thread, a chunk ahead of this one's inserts. Returns the ids in
    /// row-id order.
    pub fn insert_new(&self, secrets: &[&Secret]) -> Result<Vec<RecordId>, StoreError> {
        /// Rows sealed at a time; below two chunks everything happens on this thread.
        const CHUNK: usize = 1024;
        if secrets.is_empty() {
            // Nothing written: the vault's change counter does not move.
            return Ok(Vec::new());
        }
        let mut chunks = record::NewRows::draw(secrets).into_chunks(CHUNK);
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO secrets (id, name_mac, nonce, ciphertext) VALUES (?1, ?2, ?3, ?4)",
        )?;
        let mut ids = Vec::with_capacity(secrets.len());
        let mut insert = |sealed: Vec<([u8; record::RECORD_ID_LEN], SealedRecord)>,
                          batch: &VaultDigest|
         -> Result<(), StoreError> {
            for (id, s) in sealed {
                stmt.execute(params![&id[..], &s.name_mac[..], &s.nonce, &s.ciphertext])?;
                ids.push(RecordId(id.to_vec()));
            }
            self.digest.borrow_mut().absorb(batch);
            self.changed.set(true);
            Ok(())
        };
        let (keys, vault_id) = (self.keys, self.vault_id);
        let seal = |chunk: record::NewChunk<'_>| {
            let sealed = chunk.seal(keys, vault_id);
            let mut batch = VaultDigest::empty();
            for (id, s) in &sealed {
                let parts = Sealed::of(&s.nonce, &s.ciphertext);
                batch.secret_row(keys, Change::Add, id, &s.name_mac, parts);
            }
            (sealed, batch)
        };
        if chunks.len() < 2 {
            for chunk in chunks.drain(..) {
                let (sealed, batch) = seal(chunk);
                insert(sealed, &batch)?;
            }
            return Ok(ids);
        }
        std::thread::scope(|scope| {
            // Two chunks in flight at most: memory stays small whatever the batch size.
            let (tx, rx) = std::sync::mpsc::sync_channel(2);
            let seal = &seal;
            scope.spawn(move || {
                for chunk in chunks {
                    // A closed channel means the inserts failed: stop sealing.
                    if tx.send(seal(chunk)).is_err() {
                        break;
                    }
                }
            });
            for (sealed, batch) in rx {
                insert(sealed, &batch)?;
            }
            Ok::<_, StoreError>(())
        })?;
        Ok(ids)
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

/// A `secrets` row as read: id, name MAC, nonce, ciphertext.
type Row = (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>);

/// Records opened so far by one thread, and the digest of their rows.
#[derive(Default)]
struct Opened {
    secrets: Vec<Secret>,
    seen: VaultDigest,
}

impl Opened {
    fn open(
        &mut self,
        keys: &VaultKeys,
        vault_id: &[u8],
        rows: Vec<Row>,
    ) -> Result<(), StoreError> {
        self.secrets.reserve(rows.len());
        for (id, mac, nonce, ct) in rows {
            let parts = Sealed::of(&nonce, &ct);
            self.seen.secret_row(keys, Change::Add, &id, &mac, parts);
            self.secrets
                .push(open_row(keys, vault_id, &id, mac, nonce, ct)?);
        }
        Ok(())
    }
}

/// Opens one stored record (its own authentication: id, name MAC and vault bound).
fn open_row(
    keys: &VaultKeys,
    vault_id: &[u8],
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
    record::open_owned(keys, vault_id, id, sealed).map_err(|_| StoreError::Integrity)
}

/// The digest's own entry is written only by the store.
fn reserved(name: &str) -> Result<(), StoreError> {
    if name == coffer_core::digest::STATE_NAME {
        Err(StoreError::Integrity)
    } else {
        Ok(())
    }
}
