//! The vault digest (`docs/storage.md`, "Vault digest"): one sealed value that binds the set of
//! stored rows together, so that a row deleted, put back from an older copy or swapped is noticed
//! although every row still authenticates on its own.
//!
//! Each row contributes an element, `HMAC-SHA256(digest subkey, row identity)`, where the
//! identity is the row's table, key, nonce, ciphertext length and AEAD tag (the tag binds the
//! whole ciphertext under its nonce, so the ciphertext itself need not be hashed). The digest is
//! the XOR of every element, with the number of rows of each table and a change counter that
//! goes up by one with every committed change. It is stored sealed (AEAD under the state
//! subkey), so nobody without the vault key can read it, compute an element, or forge it.
//!
//! XOR makes every change O(1): adding and removing a row toggle the same element. Because the
//! elements are keyed, an attacker cannot predict them, and because the digest is never
//! recomputed from what is stored (only at creation and migration), a mismatch, once made, stays
//! until someone with the key accepts the rows as they are.

use crate::crypto::{TAG_LEN, VaultKeys};
use subtle::ConstantTimeEq;

/// The sealed-state name the digest is stored under.
pub const STATE_NAME: &str = "vault-digest";
/// The version byte of the digest's plaintext.
pub const VERSION: u8 = 1;
/// The length of the encoded digest.
pub const ENCODED_LEN: usize = 1 + 8 + 8 + 8 + 32;

const SECRET_ROW: u8 = 1;
const STATE_ROW: u8 = 2;
const LABEL: &[u8] = b"coffer/digest/v1\0";

/// The digest of a vault's rows. `Debug` shows the counts and counter, not the accumulator.
#[derive(Clone, PartialEq, Eq)]
pub struct VaultDigest {
    /// Committed changes since the vault was created (or migrated to schema version 4).
    pub counter: u64,
    /// Rows in `secrets`.
    pub secrets: u64,
    /// Rows in `sealed_state`, the digest itself excepted.
    pub states: u64,
    acc: [u8; 32],
}

impl std::fmt::Debug for VaultDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VaultDigest")
            .field("counter", &self.counter)
            .field("secrets", &self.secrets)
            .field("states", &self.states)
            .finish_non_exhaustive()
    }
}

/// The stored digest is not a version 1 digest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the vault digest is malformed")]
pub struct DigestError;

/// Which direction a row goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The row is stored from now on.
    Add,
    /// The row is no longer stored.
    Remove,
}

impl Default for VaultDigest {
    fn default() -> Self {
        Self::empty()
    }
}

impl VaultDigest {
    /// The digest of a vault with no rows and no changes.
    pub fn empty() -> Self {
        Self {
            counter: 0,
            secrets: 0,
            states: 0,
            acc: [0; 32],
        }
    }

    /// Adds or removes the `secrets` row `(id, name_mac, sealed)`.
    pub fn secret_row(
        &mut self,
        keys: &VaultKeys,
        change: Change,
        id: &[u8],
        name_mac: &[u8],
        sealed: Sealed<'_>,
    ) {
        self.toggle(keys, SECRET_ROW, &[id, name_mac], sealed);
        self.secrets = count(self.secrets, change);
    }

    /// Adds the rows of `batch` (a digest of rows only, started from [`Self::empty`]), as if
    /// each had been added here: lets rows be hashed on another thread.
    pub fn absorb(&mut self, batch: &VaultDigest) {
        for (a, e) in self.acc.iter_mut().zip(batch.acc) {
            *a ^= e;
        }
        self.secrets = self.secrets.wrapping_add(batch.secrets);
        self.states = self.states.wrapping_add(batch.states);
    }

    /// Adds or removes the `sealed_state` row `(name, sealed)`.
    pub fn state_row(&mut self, keys: &VaultKeys, change: Change, name: &str, sealed: Sealed<'_>) {
        self.toggle(keys, STATE_ROW, &[name.as_bytes()], sealed);
        self.states = count(self.states, change);
    }

    fn toggle(&mut self, keys: &VaultKeys, kind: u8, key: &[&[u8]], sealed: Sealed<'_>) {
        let element = keys.row_mac(&row_identity(kind, key, sealed));
        for (a, e) in self.acc.iter_mut().zip(element) {
            *a ^= e;
        }
    }

    /// Whether `self` and `other` describe the same rows (the counter is not compared).
    /// Constant time in the accumulator.
    pub fn same_rows(&self, other: &Self) -> bool {
        self.secrets == other.secrets
            && self.states == other.states
            && bool::from(self.acc.ct_eq(&other.acc))
    }

    /// The digest's plaintext: version, counter, row counts (big-endian), accumulator.
    pub fn encode(&self) -> [u8; ENCODED_LEN] {
        let mut out = [0u8; ENCODED_LEN];
        out[0] = VERSION;
        out[1..9].copy_from_slice(&self.counter.to_be_bytes());
        out[9..17].copy_from_slice(&self.secrets.to_be_bytes());
        out[17..25].copy_from_slice(&self.states.to_be_bytes());
        out[25..].copy_from_slice(&self.acc);
        out
    }

    /// Reads a digest written by [`Self::encode`].
    pub fn decode(bytes: &[u8]) -> Result<Self, DigestError> {
        let bytes: &[u8; ENCODED_LEN] = bytes.try_into().map_err(|_| DigestError)?;
        if bytes[0] != VERSION {
            return Err(DigestError);
        }
        let u64_at = |i: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&bytes[i..i + 8]);
            u64::from_be_bytes(b)
        };
        let mut acc = [0u8; 32];
        acc.copy_from_slice(&bytes[25..]);
        Ok(Self {
            counter: u64_at(1),
            secrets: u64_at(9),
            states: u64_at(17),
            acc,
        })
    }
}

/// What a row's sealed value contributes to its element: its nonce, its ciphertext's length and
/// the ciphertext's last [`TAG_LEN`] bytes (all of it if shorter), its AEAD tag.
#[derive(Debug, Clone, Copy)]
pub struct Sealed<'a> {
    nonce: &'a [u8],
    tail: &'a [u8],
    len: u64,
}

impl<'a> Sealed<'a> {
    /// The row with `nonce` and the whole `ciphertext`.
    pub fn of(nonce: &'a [u8], ciphertext: &'a [u8]) -> Self {
        Self {
            nonce,
            tail: &ciphertext[ciphertext.len().saturating_sub(TAG_LEN)..],
            len: ciphertext.len() as u64,
        }
    }

    /// The row with `nonce`, a ciphertext of `len` bytes ending in `tail` (as SQLite's
    /// `substr(ciphertext, -16)` gives it, without reading the rest).
    pub fn from_parts(nonce: &'a [u8], tail: &'a [u8], len: u64) -> Self {
        Self { nonce, tail, len }
    }
}

fn count(n: u64, change: Change) -> u64 {
    // Counts wrap rather than panic: a count that went wrong is a mismatch like any other.
    match change {
        Change::Add => n.wrapping_add(1),
        Change::Remove => n.wrapping_sub(1),
    }
}

/// `LABEL || kind || (u32 length || bytes) for each key part and the nonce || u64 length ||
/// tail`.
fn row_identity(kind: u8, key: &[&[u8]], sealed: Sealed<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(LABEL.len() + 1 + 4 * 3 + 64 + 8 + TAG_LEN);
    out.extend_from_slice(LABEL);
    out.push(kind);
    for part in key.iter().chain([&sealed.nonce]) {
        out.extend_from_slice(&(part.len() as u32).to_be_bytes());
        out.extend_from_slice(part);
    }
    out.extend_from_slice(&sealed.len.to_be_bytes());
    out.extend_from_slice(sealed.tail);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absorbing_a_batch_is_adding_its_rows() {
        let k = keys();
        let rows: [(&[u8], &[u8]); 3] = [(b"1", b"a"), (b"2", b"b"), (b"3", b"c")];
        let mut one_by_one = with(&rows[..1]);
        for (id, ct) in &rows[1..] {
            one_by_one.secret_row(&k, Change::Add, id, b"mac", Sealed::of(b"nonce", ct));
        }
        let mut absorbed = with(&rows[..1]);
        absorbed.absorb(&with(&rows[1..]));
        assert!(absorbed == one_by_one);
        assert_eq!(absorbed.secrets, 3);
    }
    use crate::crypto::VaultKey;

    fn keys() -> VaultKeys {
        VaultKeys::derive(&VaultKey::from_bytes(&[7; 32]), b"vault-id-16bytes")
    }

    fn with(rows: &[(&[u8], &[u8])]) -> VaultDigest {
        let k = keys();
        let mut d = VaultDigest::empty();
        for (id, ct) in rows {
            d.secret_row(&k, Change::Add, id, b"mac", Sealed::of(b"nonce", ct));
        }
        d
    }

    #[test]
    fn order_does_not_matter_and_removing_undoes_adding() {
        let a = with(&[(b"a", b"ct-a"), (b"b", b"ct-b")]);
        let b = with(&[(b"b", b"ct-b"), (b"a", b"ct-a")]);
        assert!(a.same_rows(&b));
        let mut c = a.clone();
        c.secret_row(
            &keys(),
            Change::Remove,
            b"b",
            b"mac",
            Sealed::of(b"nonce", b"ct-b"),
        );
        assert!(c.same_rows(&with(&[(b"a", b"ct-a")])));
    }

    #[test]
    fn a_missing_changed_or_moved_row_changes_the_digest() {
        let full = with(&[(b"a", b"ct-a"), (b"b", b"ct-b")]);
        assert!(!full.same_rows(&with(&[(b"a", b"ct-a")])), "deleted");
        assert!(
            !full.same_rows(&with(&[(b"a", b"ct-a"), (b"b", b"ct-B")])),
            "older copy"
        );
        assert!(
            !full.same_rows(&with(&[(b"a", b"ct-b"), (b"b", b"ct-a")])),
            "swapped"
        );
        // Same count, different rows, equal XOR of the unkeyed parts: still different.
        assert!(!full.same_rows(&with(&[(b"c", b"ct-a"), (b"d", b"ct-b")])));
        let other_key = VaultKeys::derive(&VaultKey::from_bytes(&[8; 32]), b"vault-id-16bytes");
        let mut d = VaultDigest::empty();
        d.secret_row(
            &other_key,
            Change::Add,
            b"a",
            b"mac",
            Sealed::of(b"nonce", b"ct-a"),
        );
        assert!(!d.same_rows(&with(&[(b"a", b"ct-a")])), "keyed");
    }

    #[test]
    fn encoding_round_trips_and_refuses_other_lengths_and_versions() {
        let mut d = with(&[(b"a", b"ct-a")]);
        d.counter = 41;
        let e = d.encode();
        assert_eq!(VaultDigest::decode(&e), Ok(d));
        assert_eq!(VaultDigest::decode(&e[1..]), Err(DigestError));
        let mut v2 = e;
        v2[0] = 2;
        assert_eq!(VaultDigest::decode(&v2), Err(DigestError));
    }

    #[test]
    fn debug_hides_the_accumulator() {
        let s = format!("{:?}", with(&[(b"a", b"ct-a")]));
        assert!(s.contains("secrets: 1") && !s.contains("acc"), "{s}");
    }
}
