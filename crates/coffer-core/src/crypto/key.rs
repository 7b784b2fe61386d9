//! The vault key: 256 random bits, kept outside the vault's data.
//!
//! Text form: `coffer-key-1-` followed by 64 lowercase hex digits. Parsing ignores surrounding
//! whitespace and accepts upper-case hex.

use secrecy::{ExposeSecret, ExposeSecretMut, SecretBox, SecretString};
use std::fmt;

const PREFIX: &str = "coffer-key-1-";

/// The vault key. Zeroed on drop; `Debug` redacts.
pub struct VaultKey(SecretBox<[u8; 32]>);

/// The text given was not a vault key. Never contains the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyParseError {
    /// Missing `coffer-key-1-` prefix.
    #[error("not a Coffer vault key (it should start with \"coffer-key-1-\")")]
    Prefix,
    /// Wrong length or a non-hex digit.
    #[error("malformed vault key (expected 64 hex digits after the prefix)")]
    Malformed,
}

impl VaultKey {
    /// A new random key.
    pub fn generate() -> Self {
        let mut k = SecretBox::new(Box::new([0u8; 32]));
        super::random::fill(k.expose_secret_mut());
        Self(k)
    }

    /// From raw bytes (tests and vectors), copied straight into the boxed key.
    pub fn from_bytes(b: &[u8; 32]) -> Self {
        let mut k = SecretBox::new(Box::new([0u8; 32]));
        k.expose_secret_mut().copy_from_slice(b);
        Self(k)
    }

    /// Parses the text form.
    pub fn parse(text: &str) -> Result<Self, KeyParseError> {
        let hex = text
            .trim()
            .strip_prefix(PREFIX)
            .ok_or(KeyParseError::Prefix)?;
        if hex.len() != 64 {
            return Err(KeyParseError::Malformed);
        }
        // Decoded in place into the boxed key, in constant time: no stack copy of key bytes.
        let mut k = SecretBox::new(Box::new([0u8; 32]));
        crate::hex::decode_into(hex.as_bytes(), k.expose_secret_mut())
            .map_err(|_| KeyParseError::Malformed)?;
        Ok(Self(k))
    }

    /// The text form, for showing to the user or saving to a file.
    pub fn encode(&self) -> SecretString {
        let mut hex = zeroize::Zeroizing::new([0u8; 64]);
        let digits = base16ct::lower::encode(self.0.expose_secret(), &mut hex[..])
            .expect("64 bytes hold the hex of 32");
        let mut s = String::with_capacity(PREFIX.len() + 64);
        s.push_str(PREFIX);
        s.push_str(std::str::from_utf8(digits).expect("hex digits are ASCII"));
        SecretString::from(s)
    }

    pub(crate) fn bytes(&self) -> &[u8; 32] {
        self.0.expose_secret()
    }
}

impl fmt::Debug for VaultKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VaultKey([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_parse_roundtrip() {
        let k = VaultKey::generate();
        let text = k.encode();
        let s = text.expose_secret();
        assert!(s.starts_with(PREFIX) && s.len() == PREFIX.len() + 64);
        let back = VaultKey::parse(&format!(
            "  {}\n",
            s.to_uppercase().replace("COFFER-KEY-1-", PREFIX)
        ))
        .unwrap();
        assert_eq!(back.bytes(), k.bytes());
    }

    #[test]
    fn parse_errors_and_redaction() {
        assert_eq!(VaultKey::parse("abc").unwrap_err(), KeyParseError::Prefix);
        assert_eq!(
            VaultKey::parse("coffer-key-1-abcd").unwrap_err(),
            KeyParseError::Malformed
        );
        let bad = format!("{PREFIX}{}", "g".repeat(64));
        assert_eq!(VaultKey::parse(&bad).unwrap_err(), KeyParseError::Malformed);
        let signed = format!("{PREFIX}+f{}", "a".repeat(62));
        assert_eq!(
            VaultKey::parse(&signed).unwrap_err(),
            KeyParseError::Malformed
        );
        let multibyte = format!("{PREFIX}{}é", "a".repeat(62));
        assert_eq!(
            VaultKey::parse(&multibyte).unwrap_err(),
            KeyParseError::Malformed
        );
        assert_eq!(
            format!("{:?}", VaultKey::from_bytes(&[1; 32])),
            "VaultKey([REDACTED])"
        );
    }
}
