//! The JSON shape of one secret, shared by stored records and export files.
//!
//! ```json
//! {"name":"stripe","value":"sk_live_…","allowedDomains":["api.stripe.com"],
//!  "createdAt":"2026-11-28T10:00:00Z","updatedAt":"2026-11-28T10:00:00Z"}
//! ```
//! A linked secret has `"link": {"provider": …}` instead of `"value"`; exactly one of the two is
//! present. Unknown fields are refused.

use crate::{
    AllowedDomains, ExternalLink, Secret, SecretContent, SecretName, SecretValue, Timestamp,
};
use serde::{Deserialize, Serialize};

/// One secret as JSON.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretJson {
    name: SecretName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    value: Option<SecretValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    link: Option<ExternalLink>,
    #[serde(default)]
    allowed_domains: AllowedDomains,
    created_at: Timestamp,
    updated_at: Timestamp,
}

/// A secret JSON object had both or neither of `value` and `link`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("secret {name:?} must have exactly one of \"value\" and \"link\"")]
pub struct ContentError {
    /// The secret's name.
    pub name: String,
}

impl From<&Secret> for SecretJson {
    fn from(s: &Secret) -> Self {
        let (value, link) = match &s.content {
            SecretContent::Value(v) => (Some(v.clone()), None),
            SecretContent::Link(l) => (None, Some(l.clone())),
        };
        Self {
            name: s.name.clone(),
            value,
            link,
            allowed_domains: s.allowed_domains.clone(),
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

impl TryFrom<SecretJson> for Secret {
    type Error = ContentError;
    fn try_from(j: SecretJson) -> Result<Self, ContentError> {
        let content = match (j.value, j.link) {
            (Some(v), None) => SecretContent::Value(v),
            (None, Some(l)) => SecretContent::Link(l),
            _ => {
                return Err(ContentError {
                    name: j.name.to_string(),
                });
            }
        };
        Ok(Secret {
            name: j.name,
            content,
            allowed_domains: j.allowed_domains,
            created_at: j.created_at,
            updated_at: j.updated_at,
        })
    }
}
