//! Secret names: the key a secret is referenced by (`{{vault:NAME}}`).
//!
//! Rules (also in `docs/names.md`): 1 to 128 characters from `A-Z a-z 0-9 _ - .`, starting with a
//! letter or a digit; names are case-sensitive (`Token` and `token` are two secrets).

use std::fmt;

/// The longest name accepted, in characters (all accepted characters are one byte).
pub const MAX_NAME_LEN: usize = 128;

/// A validated secret name.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct SecretName(String);

/// Why a name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// The name was empty.
    #[error("a secret name cannot be empty")]
    Empty,
    /// The name was too long.
    #[error("secret name is {len} characters long; the limit is {MAX_NAME_LEN}")]
    TooLong {
        /// Its length.
        len: usize,
    },
    /// The name did not start with a letter or digit.
    #[error("secret name must start with a letter or a digit")]
    BadStart,
    /// The name contained a character outside the allowed set.
    #[error("secret name contains {found:?}; allowed are letters, digits, '_', '-' and '.'")]
    BadChar {
        /// The first offending character.
        found: char,
    },
}

impl SecretName {
    /// Validates `s` as a secret name.
    pub fn parse(s: &str) -> Result<Self, NameError> {
        let first = s.chars().next().ok_or(NameError::Empty)?;
        let len = s.chars().count();
        if len > MAX_NAME_LEN {
            return Err(NameError::TooLong { len });
        }
        if let Some(found) = s.chars().find(|c| !is_name_char(*c)) {
            return Err(NameError::BadChar { found });
        }
        if !first.is_ascii_alphanumeric() {
            return Err(NameError::BadStart);
        }
        Ok(Self(s.to_owned()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name with `-N` appended, for keeping two secrets that share a name. `None` if that
    /// would exceed the length limit.
    pub fn with_suffix(&self, n: u32) -> Option<Self> {
        Self::parse(&format!("{}-{n}", self.0)).ok()
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
}

impl fmt::Display for SecretName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for SecretName {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl serde::Serialize for SecretName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for SecretName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_typical_names() {
        for ok in [
            "a",
            "API_KEY",
            "stripe-live.key",
            "0token",
            &"x".repeat(128),
        ] {
            assert_eq!(SecretName::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn refuses_bad_names() {
        assert_eq!(SecretName::parse(""), Err(NameError::Empty));
        assert_eq!(
            SecretName::parse(&"x".repeat(129)),
            Err(NameError::TooLong { len: 129 })
        );
        assert_eq!(SecretName::parse("-x"), Err(NameError::BadStart));
        assert_eq!(SecretName::parse(".x"), Err(NameError::BadStart));
        assert_eq!(
            SecretName::parse("a b"),
            Err(NameError::BadChar { found: ' ' })
        );
        assert_eq!(
            SecretName::parse("a}}"),
            Err(NameError::BadChar { found: '}' })
        );
        assert_eq!(
            SecretName::parse("é"),
            Err(NameError::BadChar { found: 'é' })
        );
    }

    #[test]
    fn names_are_case_sensitive() {
        assert_ne!(
            SecretName::parse("Token").unwrap(),
            SecretName::parse("token").unwrap()
        );
    }

    #[test]
    fn suffix_respects_limit() {
        let n = SecretName::parse("api").unwrap();
        assert_eq!(n.with_suffix(2).unwrap().as_str(), "api-2");
        assert!(
            SecretName::parse(&"x".repeat(127))
                .unwrap()
                .with_suffix(2)
                .is_none()
        );
    }

    proptest! {
        #[test]
        fn parse_never_panics_and_roundtrips(s in "\\PC{0,140}") {
            if let Ok(n) = SecretName::parse(&s) {
                prop_assert_eq!(n.as_str(), s.as_str());
                prop_assert!(n.as_str().len() <= MAX_NAME_LEN);
            }
        }
    }
}
