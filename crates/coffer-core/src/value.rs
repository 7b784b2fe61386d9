//! Secret values: UTF-8 text held in memory that is zeroed on drop and never printed by `Debug`.

use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use zeroize::Zeroizing;

/// The largest value accepted, in bytes.
pub const MAX_VALUE_LEN: usize = 1 << 20;

/// A secret value. `Debug` prints `SecretValue([REDACTED])`; the text is reachable only through
/// [`SecretValue::expose`].
#[derive(Clone)]
pub struct SecretValue(SecretString);

/// Why a value was refused. Never contains the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// Empty values are refused: they are almost always a mistake in a pipe.
    #[error("the secret value is empty")]
    Empty,
    /// Over [`MAX_VALUE_LEN`] (its exact length is not known: input is read only up to the
    /// limit).
    #[error("the secret value is larger than the limit of 1 MiB ({MAX_VALUE_LEN} bytes)")]
    TooLong,
    /// Values are text; binary data must be encoded (base64) first.
    #[error("the secret value is not valid UTF-8 text")]
    NotUtf8,
}

impl SecretValue {
    /// Validates a value given as text.
    pub fn new(s: String) -> Result<Self, ValueError> {
        let s = Zeroizing::new(s);
        if s.is_empty() {
            return Err(ValueError::Empty);
        }
        if s.len() > MAX_VALUE_LEN {
            return Err(ValueError::TooLong);
        }
        Ok(Self(SecretString::from(s.as_str())))
    }

    /// Validates a value given as bytes (from a pipe or a file). One trailing line ending
    /// (`\n` or `\r\n`) is removed, since `echo` and editors add one.
    pub fn from_input(bytes: Zeroizing<Vec<u8>>) -> Result<Self, ValueError> {
        let mut end = bytes.len();
        if bytes[..end].ends_with(b"\n") {
            end -= 1;
            if bytes[..end].ends_with(b"\r") {
                end -= 1;
            }
        }
        let text = std::str::from_utf8(&bytes[..end]).map_err(|_| ValueError::NotUtf8)?;
        Self::new(text.to_owned())
    }

    /// The value's text. Call sites are the only places a value leaves this type.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Compares two values in constant time.
    pub fn ct_eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        let (a, b) = (self.expose().as_bytes(), other.expose().as_bytes());
        a.len() == b.len() && bool::from(a.ct_eq(b))
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretValue([REDACTED])")
    }
}

impl serde::Serialize for SecretValue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.expose())
    }
}

impl<'de> serde::Deserialize<'de> for SecretValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Zeroizing::new(String::deserialize(d)?);
        Self::new(s.to_string()).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts() {
        let v = SecretValue::new("hunter2-very-secret".into()).unwrap();
        let shown = format!("{v:?}");
        assert!(!shown.contains("hunter2"));
        assert!(shown.contains("REDACTED"));
    }

    #[test]
    fn input_strips_one_line_ending() {
        let v = |b: &[u8]| SecretValue::from_input(Zeroizing::new(b.to_vec()));
        assert_eq!(v(b"abc\n").unwrap().expose(), "abc");
        assert_eq!(v(b"abc\r\n").unwrap().expose(), "abc");
        assert_eq!(v(b"abc\n\n").unwrap().expose(), "abc\n");
        assert_eq!(v(b"\n").unwrap_err(), ValueError::Empty);
        assert_eq!(v(b"").unwrap_err(), ValueError::Empty);
        assert_eq!(v(&[0xff, 0xfe]).unwrap_err(), ValueError::NotUtf8);
    }

    #[test]
    fn size_limit() {
        assert!(SecretValue::new("x".repeat(MAX_VALUE_LEN)).is_ok());
        assert_eq!(
            SecretValue::new("x".repeat(MAX_VALUE_LEN + 1)).unwrap_err(),
            ValueError::TooLong
        );
    }

    #[test]
    fn constant_time_equality() {
        let a = SecretValue::new("same".into()).unwrap();
        assert!(a.ct_eq(&SecretValue::new("same".into()).unwrap()));
        assert!(!a.ct_eq(&SecretValue::new("same!".into()).unwrap()));
        assert!(!a.ct_eq(&SecretValue::new("Same".into()).unwrap()));
    }
}
