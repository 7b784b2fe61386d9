//! Stored records: how one secret is sealed in the vault database (`docs/storage.md`).
//!
//! The plaintext is the secret's JSON ([`crate::wire::SecretJson`]) prefixed with a version byte.
//! It is sealed with the vault's record key; the associated data binds the record to its vault,
//! its row id and its name MAC, so a record copied to another row, another name or another vault
//! fails to open.

use crate::Secret;
use crate::crypto::VaultKeys;
use crate::crypto::aead::NONCE_LEN;
use crate::wire::{SecretJson, SecretOut};
use zeroize::Zeroizing;

/// Version byte of the sealed plaintext this build writes. Version 1 records (without
/// `disabled` and `environments`) are read forever.
pub const RECORD_VERSION: u8 = 2;
const AAD_LABEL: &[u8] = b"coffer/record/v1";

/// A record as stored: name MAC, nonce and ciphertext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedRecord {
    /// HMAC of the name, the lookup key.
    pub name_mac: [u8; 32],
    /// AEAD nonce.
    pub nonce: Vec<u8>,
    /// AEAD ciphertext with tag.
    pub ciphertext: Vec<u8>,
}

/// A stored record could not be opened: it was altered, moved or belongs to another key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a stored record failed its integrity check")]
pub struct RecordError;

fn aad(vault_id: &[u8], record_id: &[u8], name_mac: &[u8; 32]) -> Vec<u8> {
    [AAD_LABEL, vault_id, record_id, name_mac].concat()
}

/// Length of a record's row id.
pub const RECORD_ID_LEN: usize = 16;

/// The sealed plaintext: the version byte, then the secret's JSON (serialised once).
fn plaintext(secret: &Secret) -> Zeroizing<Vec<u8>> {
    crate::buf::json_after(
        &[RECORD_VERSION],
        &SecretOut(secret),
        192 + secret.size_hint(),
    )
}

/// Seals `secret` as row `record_id` of vault `vault_id`.
pub fn seal(keys: &VaultKeys, vault_id: &[u8], record_id: &[u8], secret: &Secret) -> SealedRecord {
    let nonce = crate::crypto::random::bytes::<NONCE_LEN>();
    seal_with(keys, vault_id, record_id, secret, &nonce)
}

fn seal_with(
    keys: &VaultKeys,
    vault_id: &[u8],
    record_id: &[u8],
    secret: &Secret,
    nonce: &[u8; NONCE_LEN],
) -> SealedRecord {
    let name_mac = keys.name_mac(secret.name.as_str());
    let ciphertext = keys.record_key().seal_with_nonce(
        nonce,
        &aad(vault_id, record_id, &name_mac),
        &plaintext(secret),
    );
    SealedRecord {
        name_mac,
        nonce: nonce.to_vec(),
        ciphertext,
    }
}

/// New rows for secrets: a fresh random row id and nonce for each, all drawn from the OS in one
/// call (an import of 100,000 secrets makes one system call, not 200,000), kept in row-id
/// order (the order the database stores rows in). Sealed in chunks, from any thread, with
/// [`NewChunk::seal`] (see [`NewRows::into_chunks`]); the nonces never leave this type.
pub struct NewRows<'a> {
    rows: Vec<([u8; RECORD_ID_LEN], [u8; NONCE_LEN], &'a Secret)>,
}

impl<'a> NewRows<'a> {
    /// Draws ids and nonces for `secrets`.
    pub fn draw(secrets: &[&'a Secret]) -> Self {
        const EACH: usize = RECORD_ID_LEN + NONCE_LEN;
        let mut random = Zeroizing::new(vec![0u8; secrets.len() * EACH]);
        crate::crypto::random::fill(&mut random);
        let mut rows: Vec<([u8; RECORD_ID_LEN], [u8; NONCE_LEN], &'a Secret)> = secrets
            .iter()
            .zip(random.chunks_exact(EACH))
            .map(|(secret, r)| {
                let (id, nonce) = r.split_at(RECORD_ID_LEN);
                (
                    id.try_into().expect("split at RECORD_ID_LEN"),
                    nonce.try_into().expect("EACH - RECORD_ID_LEN"),
                    *secret,
                )
            })
            .collect();
        rows.sort_unstable_by_key(|r| r.0);
        Self { rows }
    }

    /// How many rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The rows in chunks of at most `size`, in row-id order, each to be sealed once (sealing
    /// consumes a chunk, so no nonce can be used twice).
    pub fn into_chunks(self, size: usize) -> Vec<NewChunk<'a>> {
        let mut rows = self.rows.into_iter().peekable();
        let mut chunks = Vec::new();
        while rows.peek().is_some() {
            chunks.push(NewChunk {
                rows: rows.by_ref().take(size.max(1)).collect(),
            });
        }
        chunks
    }
}

/// Some of the [`NewRows`], sealed together (on any thread).
pub struct NewChunk<'a> {
    rows: Vec<([u8; RECORD_ID_LEN], [u8; NONCE_LEN], &'a Secret)>,
}

impl NewChunk<'_> {
    /// Seals the rows for vault `vault_id`, in row-id order.
    pub fn seal(
        self,
        keys: &VaultKeys,
        vault_id: &[u8],
    ) -> Vec<([u8; RECORD_ID_LEN], SealedRecord)> {
        self.rows
            .into_iter()
            .map(|(id, nonce, secret)| (id, seal_with(keys, vault_id, &id, secret, &nonce)))
            .collect()
    }
}

/// Opens a stored record and checks it is what its row says it is.
pub fn open(
    keys: &VaultKeys,
    vault_id: &[u8],
    record_id: &[u8],
    sealed: &SealedRecord,
) -> Result<Secret, RecordError> {
    let plain = keys
        .record_key()
        .open(
            &sealed.nonce,
            &aad(vault_id, record_id, &sealed.name_mac),
            &sealed.ciphertext,
        )
        .map_err(|_| RecordError)?;
    read_plaintext(keys, &plain, &sealed.name_mac)
}

/// [`open`], decrypting the ciphertext where it is (a record read from the database is owned
/// already: no copy of it is made).
pub fn open_owned(
    keys: &VaultKeys,
    vault_id: &[u8],
    record_id: &[u8],
    sealed: SealedRecord,
) -> Result<Secret, RecordError> {
    let mut plain = Zeroizing::new(sealed.ciphertext);
    keys.record_key()
        .open_in_place(
            &sealed.nonce,
            &aad(vault_id, record_id, &sealed.name_mac),
            &mut plain,
        )
        .map_err(|_| RecordError)?;
    read_plaintext(keys, &plain, &sealed.name_mac)
}

/// The secret in an authenticated plaintext, checked against its row's name MAC.
fn read_plaintext(
    keys: &VaultKeys,
    plain: &[u8],
    name_mac: &[u8; 32],
) -> Result<Secret, RecordError> {
    let (&version, body) = plain.split_first().ok_or(RecordError)?;
    if !(1..=RECORD_VERSION).contains(&version) {
        return Err(RecordError);
    }
    let json =
        serde_json::from_slice::<crate::obj::Obj<SecretJson>>(body).map_err(|_| RecordError)?;
    let secret = json
        .0
        .into_secret(version.into())
        .map_err(|_| RecordError)?;
    if keys.name_mac(secret.name.as_str()) != *name_mac {
        return Err(RecordError);
    }
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::VaultKey;
    use crate::{AllowedDomains, SecretContent, SecretName, SecretValue, Timestamp};

    fn sample() -> Secret {
        Secret {
            name: SecretName::parse("stripe").unwrap(),
            content: SecretContent::Value(SecretValue::new("sk_live_abc".into()).unwrap()),
            allowed_domains: AllowedDomains::parse_list("api.stripe.com").unwrap(),
            disabled: false,
            environments: Default::default(),
            created_at: Timestamp::from_unix(1_700_000_000).unwrap(),
            updated_at: Timestamp::from_unix(1_700_000_100).unwrap(),
        }
    }

    #[test]
    fn roundtrip_and_binding() {
        let keys = VaultKeys::derive(&VaultKey::from_bytes(&[3; 32]), b"vault-1");
        let s = sample();
        let sealed = seal(&keys, b"vault-1", b"row-1", &s);
        let back = open(&keys, b"vault-1", b"row-1", &sealed).unwrap();
        assert!(back.same_as(&s));
        assert_eq!(back.created_at, s.created_at);
        assert_eq!(back.updated_at, s.updated_at);
        // Moved to another row, vault or name: refused.
        assert_eq!(open(&keys, b"vault-1", b"row-2", &sealed), Err(RecordError));
        assert_eq!(open(&keys, b"vault-2", b"row-1", &sealed), Err(RecordError));
        let mut renamed = sealed.clone();
        renamed.name_mac = keys.name_mac("other");
        assert_eq!(
            open(&keys, b"vault-1", b"row-1", &renamed),
            Err(RecordError)
        );
        // Every flipped ciphertext byte is detected, by both ways of opening.
        for i in 0..sealed.ciphertext.len() {
            let mut t = sealed.clone();
            t.ciphertext[i] ^= 0x40;
            assert_eq!(open(&keys, b"vault-1", b"row-1", &t), Err(RecordError));
            assert_eq!(open_owned(&keys, b"vault-1", b"row-1", t), Err(RecordError));
        }
        let owned = open_owned(&keys, b"vault-1", b"row-1", sealed.clone()).unwrap();
        assert!(owned.same_as(&s));
        assert_eq!(
            open_owned(&keys, b"vault-1", b"row-2", sealed.clone()),
            Err(RecordError)
        );
        assert_eq!(
            open_owned(&keys, b"vault-1", b"row-1", renamed),
            Err(RecordError)
        );
        // A batch sealed through `NewRows` opens like any record, each under its own id.
        let many = [sample(), sample()];
        let rows = NewRows::draw(&[&many[0], &many[1]]);
        assert_eq!(rows.len(), 2);
        let chunks = rows.into_chunks(1);
        assert_eq!(chunks.len(), 2);
        let sealed: Vec<_> = chunks
            .into_iter()
            .flat_map(|c| c.seal(&keys, b"vault-1"))
            .collect();
        assert_eq!(sealed.len(), 2);
        assert!(sealed[0].0 < sealed[1].0, "row-id order");
        assert_ne!(sealed[0].1.nonce, sealed[1].1.nonce);
        for (id, rec) in &sealed {
            assert!(open(&keys, b"vault-1", id, rec).unwrap().same_as(&s));
        }
    }

    /// Seals `json` with an explicit version byte, as another Coffer version would.
    fn seal_raw(keys: &VaultKeys, version: u8, name: &str, json: &str) -> SealedRecord {
        let name_mac = keys.name_mac(name);
        let plain = [&[version][..], json.as_bytes()].concat();
        let (nonce, ciphertext) = keys.record_key().seal(&aad(b"v", b"r", &name_mac), &plain);
        SealedRecord {
            name_mac,
            nonce: nonce.to_vec(),
            ciphertext,
        }
    }

    #[test]
    fn record_versions() {
        let keys = VaultKeys::derive(&VaultKey::from_bytes(&[3; 32]), b"v");
        let base = r#"{"name":"a","value":"x","createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z""#;
        let v1 = format!("{base}}}");
        let v2 = format!(r#"{base},"disabled":true,"environments":{{"prod":{{"value":"p"}}}}}}"#);
        let open_raw =
            |version, json: &str| open(&keys, b"v", b"r", &seal_raw(&keys, version, "a", json));
        assert!(open_raw(1, &v1).is_ok());
        assert!(open_raw(2, &v1).is_ok());
        let s = open_raw(2, &v2).unwrap();
        assert!(s.disabled);
        assert_eq!(s.environments.len(), 1);
        // Version 1 records cannot hold version 2 fields; unknown versions do not open.
        assert_eq!(open_raw(1, &v2).unwrap_err(), RecordError);
        assert_eq!(open_raw(3, &v1).unwrap_err(), RecordError);
        assert_eq!(open_raw(0, &v1).unwrap_err(), RecordError);
    }

    #[test]
    fn sealed_bytes_hold_no_plaintext() {
        let keys = VaultKeys::derive(&VaultKey::from_bytes(&[3; 32]), b"v");
        let sealed = seal(&keys, b"v", b"r", &sample());
        let hay = [
            sealed.ciphertext.as_slice(),
            &sealed.nonce,
            &sealed.name_mac,
        ]
        .concat();
        for needle in [&b"stripe"[..], b"sk_live_abc", b"api.stripe.com"] {
            assert!(!hay.windows(needle.len()).any(|w| w == needle));
        }
    }
}
