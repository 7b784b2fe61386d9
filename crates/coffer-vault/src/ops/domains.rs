//! `domains`: change where a secret may be used, without touching its value.

use super::set::DomainChange;
use super::store_error;
use crate::store::{StoreError, Vault};
use coffer_core::{AllowedDomains, SecretName};

/// `domains` failed; nothing changed.
#[derive(Debug, thiserror::Error)]
pub enum DomainsError {
    /// No such secret.
    #[error("no secret named {name:?}")]
    NotFound {
        /// The name asked for.
        name: String,
    },
    /// Database failure or a damaged record.
    #[error(transparent)]
    Store(StoreError),
}
store_error!(DomainsError { NotFound => NotFound });

/// Applies `change` to the allowed domains of `name` (its value or link stays as it is) and
/// returns the domains now in force. [`DomainChange::Keep`] changes nothing.
pub fn set_domains(
    vault: &mut Vault,
    name: &SecretName,
    change: &DomainChange,
) -> Result<AllowedDomains, DomainsError> {
    let now = crate::clock::now();
    vault.write(|records| {
        let (id, mut secret) = records.find(name)?.ok_or_else(|| DomainsError::NotFound {
            name: name.to_string(),
        })?;
        let new = match change {
            DomainChange::Keep => return Ok(secret.allowed_domains),
            DomainChange::Set(d) => d.clone(),
            DomainChange::Clear => AllowedDomains::any(),
        };
        if new != secret.allowed_domains {
            secret.allowed_domains = new;
            secret.updated_at = now;
            records.replace(&id, &secret)?;
        }
        Ok(secret.allowed_domains)
    })
}
