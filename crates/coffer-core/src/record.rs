//! Stored records: how one secret is sealed in the vault database (`docs/storage.md`).
//!
//! The plaintext is the secret's JSON ([`crate::wire::SecretJson`]) prefixed with a version byte.
//! It is sealed with the vault's record key; the associated data binds the record to its vault,
//! its row id and its name MAC, so a record copied to another row, another name or another vault
//! fails to open.

use crate::Secret;
use crate::crypto::VaultKeys;
use crate::wire::SecretJson;
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

/// Seals `secret` as row `record_id` of vault `vault_id`.
pub fn seal(keys: &VaultKeys, vault_id: &[u8], record_id: &[u8], secret: &Secret) -> SealedRecord {
    let name_mac = keys.name_mac(secret.name.as_str());
    let json = crate::buf::json(&SecretJson::from(secret), false, 0);
    let mut plain = Zeroizing::new(Vec::with_capacity(json.len() + 1));
    plain.push(RECORD_VERSION);
    plain.extend_from_slice(&json);
    let (nonce, ciphertext) = keys
        .record_key()
        .seal(&aad(vault_id, record_id, &name_mac), &plain);
    SealedRecord {
        name_mac,
        nonce: nonce.to_vec(),
        ciphertext,
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
    if keys.name_mac(secret.name.as_str()) != sealed.name_mac {
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
        // Every flipped ciphertext byte is detected.
        for i in 0..sealed.ciphertext.len() {
            let mut t = sealed.clone();
            t.ciphertext[i] ^= 0x40;
            assert_eq!(open(&keys, b"vault-1", b"row-1", &t), Err(RecordError));
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
