//! `list`: every secret's metadata, never its value.

use super::store_error;
use crate::store::{StoreError, Vault};
use coffer_core::{AllowedDomains, EnvName, ExternalLink, SecretContent, SecretName, Timestamp};

/// What `list` shows of one secret.
#[derive(Debug, Clone, PartialEq)]
pub struct SecretSummary {
    /// Name.
    pub name: SecretName,
    /// Allowed domains (empty: any).
    pub allowed_domains: AllowedDomains,
    /// The external vault link, if linked.
    pub link: Option<ExternalLink>,
    /// Disabled secrets do not resolve in references.
    pub disabled: bool,
    /// The environments it has a value for.
    pub environments: Vec<EnvName>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last update.
    pub updated_at: Timestamp,
}

/// `list` failed.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    /// Database failure or a damaged record.
    #[error(transparent)]
    Store(StoreError),
}
store_error!(ListError {});

/// Every secret, sorted by name.
pub fn list(vault: &mut Vault) -> Result<Vec<SecretSummary>, ListError> {
    let all = vault.read(|records| records.all())?;
    Ok(all
        .into_iter()
        .map(|s| SecretSummary {
            link: match s.content {
                SecretContent::Link(l) => Some(l),
                SecretContent::Value(_) => None,
            },
            name: s.name,
            allowed_domains: s.allowed_domains,
            disabled: s.disabled,
            environments: s.environments.into_keys().collect(),
            created_at: s.created_at,
            updated_at: s.updated_at,
        })
        .collect())
}
