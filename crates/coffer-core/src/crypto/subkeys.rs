//! Subkeys derived from the vault key with HKDF-SHA256, salted with the vault's random id, so
//! that one key never serves two purposes.

use super::{AeadKey, VaultKey};
use hkdf::Hkdf;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::fmt;
use zeroize::Zeroizing;

/// Label of the key check value of vaults before schema version 4.
const KEY_CHECK_LABEL: &[u8] = b"coffer/key-check/v1";
/// Label of the key check value from schema version 4 (the vault digest) on: a vault whose
/// version was set back below 4 by someone without the key still carries this one, so the
/// downgrade is noticed instead of migrated over.
const KEY_CHECK_LABEL_V2: &[u8] = b"coffer/key-check/v2";

/// Which key check a stored value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyCheck {
    /// Written before schema version 4.
    V1,
    /// Written from schema version 4 on.
    V2,
}

/// The keys a vault uses, all derived from its vault key and id.
pub struct VaultKeys {
    record: AeadKey,
    state: AeadKey,
    name_mac: Zeroizing<[u8; 32]>,
    check: Zeroizing<[u8; 32]>,
    digest: Zeroizing<[u8; 32]>,
}

impl VaultKeys {
    /// Derives the subkeys for the vault with id `vault_id`.
    pub fn derive(key: &VaultKey, vault_id: &[u8]) -> Self {
        let hk = Hkdf::<Sha256>::new(Some(vault_id), key.bytes());
        let expand = |info: &[u8]| {
            let mut out = Zeroizing::new([0u8; 32]);
            hk.expand(info, out.as_mut())
                .expect("32 bytes is a valid HKDF-SHA256 output length");
            out
        };
        let record = expand(b"coffer/v1/record-encryption");
        let state = expand(b"coffer/v1/state-encryption");
        Self {
            record: AeadKey::from_bytes(*record),
            state: AeadKey::from_bytes(*state),
            name_mac: expand(b"coffer/v1/name-mac"),
            check: expand(b"coffer/v1/key-check"),
            digest: expand(b"coffer/v1/vault-digest"),
        }
    }

    /// The key that seals records.
    pub fn record_key(&self) -> &AeadKey {
        &self.record
    }

    /// The key that seals vault state other than secrets (team membership).
    pub fn state_key(&self) -> &AeadKey {
        &self.state
    }

    /// HMAC-SHA256 of a secret name: how a record is found without storing its name in clear.
    pub fn name_mac(&self, name: &str) -> [u8; 32] {
        hmac_sha256(self.name_mac.as_ref(), name.as_bytes())
    }

    /// HMAC-SHA256 of one stored row's identity, for the vault digest (`crate::digest`).
    pub fn row_mac(&self, row: &[u8]) -> [u8; 32] {
        hmac_sha256(self.digest.as_ref(), row)
    }

    /// The key check value of kind `kind` stored in the vault: a MAC of a fixed label.
    pub fn key_check_value(&self, kind: KeyCheck) -> [u8; 32] {
        let label = match kind {
            KeyCheck::V1 => KEY_CHECK_LABEL,
            KeyCheck::V2 => KEY_CHECK_LABEL_V2,
        };
        hmac_sha256(self.check.as_ref(), label)
    }

    /// Which of this key's check values `stored` is, if any (constant time).
    pub fn key_check_kind(&self, stored: &[u8]) -> Option<KeyCheck> {
        use subtle::ConstantTimeEq;
        if stored.len() != 32 {
            return None;
        }
        [KeyCheck::V1, KeyCheck::V2]
            .into_iter()
            .find(|&k| bool::from(self.key_check_value(k).ct_eq(stored)))
    }
}

fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut m =
        <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC accepts keys of any length");
    m.update(msg);
    m.finalize().into_bytes().into()
}

impl fmt::Debug for VaultKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VaultKeys([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subkeys_differ_by_key_and_vault() {
        let k = VaultKey::from_bytes(&[1; 32]);
        let a = VaultKeys::derive(&k, b"vault-a");
        let b = VaultKeys::derive(&k, b"vault-b");
        let c = VaultKeys::derive(&VaultKey::from_bytes(&[2; 32]), b"vault-a");
        assert_ne!(a.name_mac("x"), b.name_mac("x"));
        assert_ne!(a.name_mac("x"), c.name_mac("x"));
        assert_ne!(a.name_mac("x"), a.name_mac("X"), "names are case-sensitive");
        for kind in [KeyCheck::V1, KeyCheck::V2] {
            assert_eq!(a.key_check_kind(&a.key_check_value(kind)), Some(kind));
            assert_eq!(a.key_check_kind(&c.key_check_value(kind)), None);
        }
        assert_ne!(
            a.key_check_value(KeyCheck::V1),
            a.key_check_value(KeyCheck::V2)
        );
        assert_eq!(a.key_check_kind(&[0; 31]), None);
    }
}
