//! XChaCha20-Poly1305 sealing with a fresh random nonce per message.

use chacha20poly1305::{
    XChaCha20Poly1305, XNonce,
    aead::{Aead, KeyInit, Payload},
};
use std::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// Nonce length in bytes.
pub const NONCE_LEN: usize = 24;
/// Authentication tag length in bytes.
pub const TAG_LEN: usize = 16;

/// A 256-bit AEAD key. Zeroed on drop; `Debug` redacts.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct AeadKey([u8; 32]);

impl AeadKey {
    /// Wraps key bytes (the caller's copy should be zeroized).
    pub fn from_bytes(b: [u8; 32]) -> Self {
        Self(b)
    }

    /// Encrypts `plaintext`, binding `aad`. Returns the nonce and the ciphertext with its tag.
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> ([u8; NONCE_LEN], Vec<u8>) {
        let nonce = super::random::bytes::<NONCE_LEN>();
        let ct = XChaCha20Poly1305::new((&self.0).into())
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .expect("XChaCha20-Poly1305 encryption cannot fail for in-memory buffers");
        (nonce, ct)
    }

    /// Decrypts and authenticates. Any mismatch (key, nonce, aad, ciphertext) is one error.
    pub fn open(
        &self,
        nonce: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, AeadError> {
        if nonce.len() != NONCE_LEN || ciphertext.len() < TAG_LEN {
            return Err(AeadError);
        }
        let nonce = XNonce::try_from(nonce).map_err(|_| AeadError)?;
        XChaCha20Poly1305::new((&self.0).into())
            .decrypt(
                &nonce,
                Payload {
                    msg: ciphertext,
                    aad,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| AeadError)
    }
}

impl fmt::Debug for AeadKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AeadKey([REDACTED])")
    }
}

/// Authentication failed: wrong key, or the data or its context was changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("decryption failed: wrong key or altered data")]
pub struct AeadError;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_and_tamper() {
        let k = AeadKey::from_bytes([7; 32]);
        let (n, ct) = k.seal(b"ctx", b"hello");
        assert_eq!(&*k.open(&n, b"ctx", &ct).unwrap(), b"hello");
        assert_eq!(k.open(&n, b"other", &ct), Err(AeadError));
        let mut bad = ct.clone();
        bad[0] ^= 1;
        assert_eq!(k.open(&n, b"ctx", &bad), Err(AeadError));
        assert_eq!(
            AeadKey::from_bytes([8; 32]).open(&n, b"ctx", &ct),
            Err(AeadError)
        );
        assert_eq!(k.open(&n[..23], b"ctx", &ct), Err(AeadError));
        assert_eq!(k.open(&n, b"ctx", &ct[..15]), Err(AeadError));
        let (n2, _) = k.seal(b"ctx", b"hello");
        assert_ne!(n, n2, "fresh nonce per message");
    }
}
