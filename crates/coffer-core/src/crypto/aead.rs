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
        (nonce, self.seal_with_nonce(&nonce, aad, plaintext))
    }

    /// Encrypts under a nonce the caller drew from the OS CSPRNG (for many messages at once:
    /// one draw instead of one per message). Crate-private: a caller-chosen nonce is how nonces
    /// get reused, so only code that draws them fresh may call this.
    pub(crate) fn seal_with_nonce(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Vec<u8> {
        XChaCha20Poly1305::new((&self.0).into())
            .encrypt(
                &XNonce::from(*nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .expect("XChaCha20-Poly1305 encryption cannot fail for in-memory buffers")
    }

    /// Encrypts `buf` in place and appends the tag, under a fresh random nonce (returned). The
    /// plaintext is never copied: a buffer without room for the tag moves into one that has it,
    /// and the old one is zeroed.
    pub fn seal_in_place(&self, aad: &[u8], buf: &mut Zeroizing<Vec<u8>>) -> [u8; NONCE_LEN] {
        use chacha20poly1305::aead::AeadInOut;
        if buf.capacity() - buf.len() < TAG_LEN {
            let mut room = Zeroizing::new(Vec::with_capacity(buf.len() + TAG_LEN));
            room.extend_from_slice(buf);
            *buf = room;
        }
        let nonce = super::random::bytes::<NONCE_LEN>();
        let tag = XChaCha20Poly1305::new((&self.0).into())
            .encrypt_inout_detached(&XNonce::from(nonce), aad, buf.as_mut_slice().into())
            .expect("XChaCha20-Poly1305 encryption cannot fail for in-memory buffers");
        buf.extend_from_slice(&tag);
        nonce
    }

    /// Decrypts `buf` (ciphertext, then tag) in place: on success it holds the plaintext. The
    /// tag is checked before anything is decrypted, so on failure `buf` is unchanged. Any
    /// mismatch is one error.
    pub fn open_in_place(
        &self,
        nonce: &[u8],
        aad: &[u8],
        buf: &mut Zeroizing<Vec<u8>>,
    ) -> Result<(), AeadError> {
        use chacha20poly1305::aead::AeadInOut;
        let body = buf.len().checked_sub(TAG_LEN).ok_or(AeadError)?;
        let nonce = XNonce::try_from(nonce).map_err(|_| AeadError)?;
        let (msg, tag) = buf.split_at_mut(body);
        let tag = chacha20poly1305::Tag::try_from(&*tag).map_err(|_| AeadError)?;
        XChaCha20Poly1305::new((&self.0).into())
            .decrypt_inout_detached(&nonce, aad, msg.into(), &tag)
            .map_err(|_| AeadError)?;
        buf.truncate(body);
        Ok(())
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

    #[test]
    fn in_place_is_the_same_construction() {
        let k = AeadKey::from_bytes([7; 32]);
        for len in [0, 1, 63, 64, 65, 1000] {
            let msg: Vec<u8> = (0..len).map(|i| i as u8).collect();
            // Exactly sized (no room for the tag) and roomy buffers both work.
            for room in [0, TAG_LEN] {
                let mut buf = Zeroizing::new(Vec::with_capacity(len + room));
                buf.extend_from_slice(&msg);
                let n = k.seal_in_place(b"ctx", &mut buf);
                assert_eq!(&*k.open(&n, b"ctx", &buf).unwrap(), &msg[..]);
                let (n2, ct) = k.seal(b"ctx", &msg);
                let mut other = Zeroizing::new(ct);
                k.open_in_place(&n2, b"ctx", &mut other).unwrap();
                assert_eq!(&other[..], &msg[..]);
                let mut bad = buf.clone();
                bad[len] ^= 1;
                let before = bad.clone();
                assert_eq!(k.open_in_place(&n, b"ctx", &mut bad), Err(AeadError));
                assert_eq!(bad, before, "a failed open leaves the buffer as it was");
                assert_eq!(
                    k.open_in_place(&n, b"other", &mut buf.clone()),
                    Err(AeadError)
                );
                assert_eq!(
                    k.open_in_place(&n, b"ctx", &mut Zeroizing::new(vec![0; 15])),
                    Err(AeadError)
                );
            }
        }
    }
}
