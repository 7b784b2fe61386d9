//! A vault secret: name, content (a value or a link), allowed domains and times.

use crate::{AllowedDomains, ExternalLink, SecretName, SecretValue, Timestamp};

/// What a secret holds.
#[derive(Clone, Debug)]
pub enum SecretContent {
    /// A value stored in this vault.
    Value(SecretValue),
    /// A link to a secret in an external vault; the value is fetched from there when used.
    Link(ExternalLink),
}

impl SecretContent {
    /// Same content, compared in constant time for values.
    pub fn same_as(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Value(a), Self::Value(b)) => a.ct_eq(b),
            (Self::Link(a), Self::Link(b)) => a == b,
            _ => false,
        }
    }

    /// The link, if the secret is linked.
    pub fn link(&self) -> Option<&ExternalLink> {
        match self {
            Self::Link(l) => Some(l),
            Self::Value(_) => None,
        }
    }
}

/// A complete vault secret.
#[derive(Clone, Debug)]
pub struct Secret {
    /// Its name.
    pub name: SecretName,
    /// Its value or link.
    pub content: SecretContent,
    /// Where it may be sent; empty means anywhere.
    pub allowed_domains: AllowedDomains,
    /// When it was first stored.
    pub created_at: Timestamp,
    /// When its content or domains last changed.
    pub updated_at: Timestamp,
}

impl Secret {
    /// Whether two secrets have the same name, content and domains (times are ignored).
    pub fn same_as(&self, other: &Self) -> bool {
        self.name == other.name
            && self.allowed_domains == other.allowed_domains
            && self.content.same_as(&other.content)
    }
}

/// Equal when name, content, domains and both times are equal (values compared in constant time).
impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.same_as(other)
            && self.created_at == other.created_at
            && self.updated_at == other.updated_at
    }
}
