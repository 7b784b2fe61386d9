//! Environments: one secret name, a value per environment (`dev`, `staging`, `prod`).
//!
//! A secret keeps its default value (or link) and may add a value per named environment, each
//! with its own allowed domains or, without them, the secret's. Resolving for an active
//! environment picks that environment's value and falls back to the default (`docs/references.md`).

use crate::{AllowedDomains, SecretName, SecretValue};
use std::collections::BTreeMap;
use std::fmt;

/// The longest environment name accepted.
pub const MAX_ENV_NAME_LEN: usize = 64;

/// A validated environment name: the secret-name rules (`A-Z a-z 0-9 _ - .`, starting with a
/// letter or digit, case-sensitive), at most 64 characters.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct EnvName(String);

/// Why an environment name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid environment name {name:?}: {reason}")]
pub struct EnvNameError {
    /// The name as given (names are not secret).
    pub name: String,
    /// What is wrong with it.
    pub reason: String,
}

impl EnvName {
    /// Validates `s` as an environment name.
    pub fn parse(s: &str) -> Result<Self, EnvNameError> {
        let err = |reason: String| EnvNameError {
            name: s.to_owned(),
            reason,
        };
        if s.chars().count() > MAX_ENV_NAME_LEN {
            return Err(err(format!(
                "it is longer than {MAX_ENV_NAME_LEN} characters"
            )));
        }
        SecretName::parse(s).map_err(|e| {
            err(e
                .to_string()
                .replace("secret name", "an environment name")
                .replace("a an", "an"))
        })?;
        Ok(Self(s.to_owned()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EnvName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for EnvName {
    type Err = EnvNameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl serde::Serialize for EnvName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for EnvName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// One environment's value.
#[derive(Clone, Debug)]
pub struct EnvValue {
    /// The value used in this environment.
    pub value: SecretValue,
    /// Where this environment's value may be sent; `None` uses the secret's allowed domains.
    pub allowed_domains: Option<AllowedDomains>,
}

impl EnvValue {
    /// Same value (constant time) and same domains.
    pub fn same_as(&self, other: &Self) -> bool {
        self.allowed_domains == other.allowed_domains && self.value.ct_eq(&other.value)
    }
}

/// A secret's per-environment values, sorted by environment name.
pub type Environments = BTreeMap<EnvName, EnvValue>;

/// Whether two sets of environments hold the same names, values and domains.
pub fn same_environments(a: &Environments, b: &Environments) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b.iter())
            .all(|((na, va), (nb, vb))| na == nb && va.same_as(vb))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for ok in ["prod", "dev-eu", "Stage.2", "0"] {
            assert_eq!(EnvName::parse(ok).unwrap().as_str(), ok);
        }
        for bad in ["", "-x", "a b", "a}}", &"e".repeat(65)] {
            assert!(EnvName::parse(bad).is_err(), "{bad:?}");
        }
        let e = EnvName::parse("a b").unwrap_err().to_string();
        assert!(e.contains("environment name"), "{e}");
        assert!(!e.contains("secret name"), "{e}");
    }
}
