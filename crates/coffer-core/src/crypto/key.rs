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

    /// From raw bytes (tests and vectors).
    pub fn from_bytes(b: [u8; 32]) -> Self {
        Self(SecretBox::new(Box::new(b)))
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
        let mut k = SecretBox::new(Box::new([0u8; 32]));
        for (i, out) in k.expose_secret_mut().iter_mut().enumerate() {
            let pair = hex.get(2 * i..2 * i + 2).ok_or(KeyParseError::Malformed)?;
            if !pair.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(KeyParseError::Malformed);
            }
            *out = u8::from_str_radix(pair, 16).map_err(|_| KeyParseError::Malformed)?;
        }
        Ok(Self(k))
    }

    /// The text form, for showing to the user or saving to a file.
    pub fn encode(&self) -> SecretString {
        let mut s = String::with_capacity(PREFIX.len() + 64);
        s.push_str(PREFIX);
        for b in self.0.expose_secret() {
            s.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
            s.push(char::from_digit(u32::from(b & 15), 16).unwrap_or('0'));
        }
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
            format!("{:?}", VaultKey::from_bytes([1; 32])),
            "VaultKey([REDACTED])"
        );
    }
}
