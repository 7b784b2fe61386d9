//! Cryptography: the vault key, subkeys derived from it, and the AEAD used everywhere.
//!
//! One cipher, XChaCha20-Poly1305 (random 192-bit nonces, so no nonce bookkeeping), and one KDF
//! for passwords, Argon2id. See `docs/storage.md` and `docs/export-format.md`.

pub mod aead;
pub mod key;
pub mod random;
pub mod subkeys;

pub use aead::{AeadError, AeadKey, NONCE_LEN, TAG_LEN};
pub use key::{KeyParseError, VaultKey};
pub use subkeys::{KeyCheck, VaultKeys};
