//! The team server's sealing key: what keeps the server's signing key out of its database in clear
//! (`docs/team-server.md`, "Signing key"). The database holds the signing key's seed sealed with
//! XChaCha20-Poly1305 under a key derived from the sealing key, which every replica gets from a
//! file or an environment variable; a dump of the database alone cannot sign a policy or an
//! audit entry.
//!
//! Text form of the sealing key: `coffer-server-key-1-` and 64 lowercase hex digits. Sealed seed:
//! `sealed-1:` and base64 of `nonce (24) || ciphertext || tag (16)`, with associated data
//! `"coffer-server/signing-key/v1"`.

use crate::crypto::{AeadKey, NONCE_LEN, random};
use crate::policy::ServerSigningKey;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hkdf::Hkdf;
use secrecy::SecretString;
use sha2::Sha256;
use zeroize::Zeroizing;

const TEXT_PREFIX: &str = "coffer-server-key-1-";
const SEALED_PREFIX: &str = "sealed-1:";
const AAD: &[u8] = b"coffer-server/signing-key/v1";
const INFO: &[u8] = b"coffer-server/v1/signing-key-seal";

/// The sealing key. `Debug` redacts.
pub struct SealingKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealingKey([REDACTED])")
    }
}

/// A sealing key or a sealed seed could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// Not `coffer-server-key-1-` and 64 hex digits.
    #[error("not a coffer-server sealing key (coffer-server-key-1- and 64 hex digits)")]
    Malformed,
    /// The sealed seed does not open under this key: another key sealed it, or it was altered.
    #[error("the signing key in the database is sealed under another key, or was altered")]
    WrongKey,
}

impl SealingKey {
    /// A new random key.
    pub fn generate() -> Self {
        Self(Zeroizing::new(random::bytes::<32>()))
    }

    /// Reads the text form (surrounding whitespace ignored).
    pub fn parse(text: &str) -> Result<Self, SealError> {
        let hex = text
            .trim()
            .strip_prefix(TEXT_PREFIX)
            .ok_or(SealError::Malformed)?;
        let mut out = Zeroizing::new([0u8; 32]);
        crate::hex::decode_into(hex.as_bytes(), out.as_mut()).map_err(|_| SealError::Malformed)?;
        Ok(Self(out))
    }

    /// The text form.
    pub fn encode(&self) -> SecretString {
        SecretString::from(format!(
            "{TEXT_PREFIX}{}",
            crate::hex::encode(self.0.as_ref())
        ))
    }

    fn aead(&self) -> AeadKey {
        let mut k = Zeroizing::new([0u8; 32]);
        Hkdf::<Sha256>::new(None, self.0.as_ref())
            .expand(INFO, k.as_mut())
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        AeadKey::from_bytes(*k)
    }

    /// The signing key's seed, sealed, as stored in the database.
    pub fn seal(&self, key: &ServerSigningKey) -> String {
        let (nonce, ct) = self.aead().seal(AAD, key.seed().as_ref());
        let mut blob = Vec::with_capacity(NONCE_LEN + ct.len());
        blob.extend_from_slice(&nonce);
        blob.extend_from_slice(&ct);
        format!("{SEALED_PREFIX}{}", B64.encode(blob))
    }

    /// Opens a sealed seed.
    pub fn open(&self, stored: &str) -> Result<ServerSigningKey, SealError> {
        let blob = stored
            .strip_prefix(SEALED_PREFIX)
            .and_then(|b| B64.decode(b).ok())
            .ok_or(SealError::WrongKey)?;
        if blob.len() < NONCE_LEN {
            return Err(SealError::WrongKey);
        }
        let (nonce, ct) = blob.split_at(NONCE_LEN);
        let seed = self
            .aead()
            .open(nonce, AAD, ct)
            .map_err(|_| SealError::WrongKey)?;
        let seed: [u8; 32] = seed
            .as_slice()
            .try_into()
            .map_err(|_| SealError::WrongKey)?;
        Ok(ServerSigningKey::from_seed(&seed))
    }
}

/// Whether a stored seed is sealed (otherwise it is the base64 seed of a server from before
/// sealing).
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(SEALED_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn seals_and_opens_and_refuses_other_keys_and_changes() {
        let k = SealingKey::generate();
        let signing = ServerSigningKey::generate();
        let stored = k.seal(&signing);
        assert!(is_sealed(&stored));
        assert!(!stored.contains(&B64.encode(*signing.seed())));
        let opened = k.open(&stored).unwrap();
        assert_eq!(
            opened.public().fingerprint(),
            signing.public().fingerprint()
        );
        let again = SealingKey::parse(k.encode().expose_secret()).unwrap();
        assert!(again.open(&stored).is_ok());
        assert_eq!(
            SealingKey::generate().open(&stored).unwrap_err(),
            SealError::WrongKey
        );
        let mut bytes = stored.into_bytes();
        let last = bytes.len() - 3;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        assert!(k.open(&String::from_utf8(bytes).unwrap()).is_err());
        assert!(SealingKey::parse("coffer-server-key-1-00").is_err());
        assert!(format!("{k:?}").contains("REDACTED"));
    }
}
