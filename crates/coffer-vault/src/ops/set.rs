//! `set`: add a secret or update one.

use super::store_error;
use crate::store::{StoreError, Vault};
use coffer_core::{AllowedDomains, Secret, SecretContent, SecretName};

/// What to do with the allowed domains.
#[derive(Debug, Clone)]
pub enum DomainChange {
    /// Keep the existing secret's domains (none for a new secret).
    Keep,
    /// Replace them.
    Set(AllowedDomains),
    /// Remove every restriction.
    Clear,
}

/// A `set` request.
#[derive(Debug, Clone)]
pub struct SetRequest {
    /// The secret's name.
    pub name: SecretName,
    /// Its new value or link.
    pub content: SecretContent,
    /// Domain change.
    pub domains: DomainChange,
}

/// What `set` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOutcome {
    /// A new secret.
    Created,
    /// An existing secret was updated.
    Updated,
}

/// `set` failed; the vault is unchanged.
#[derive(Debug, thiserror::Error)]
pub enum SetError {
    /// Database failure.
    #[error(transparent)]
    Store(StoreError),
}
store_error!(SetError {});

/// Adds or updates a secret, keeping its creation time on update.
pub fn set(vault: &mut Vault, req: SetRequest) -> Result<SetOutcome, SetError> {
    let now = crate::clock::now();
    vault.write(|records| {
        let existing = records.find(&req.name)?;
        let domains = |old: Option<&AllowedDomains>| match &req.domains {
            DomainChange::Keep => old.cloned().unwrap_or_default(),
            DomainChange::Set(d) => d.clone(),
            DomainChange::Clear => AllowedDomains::any(),
        };
        match existing {
            Some((id, old)) => {
                let secret = Secret {
                    name: req.name.clone(),
                    content: req.content.clone(),
                    allowed_domains: domains(Some(&old.allowed_domains)),
                    created_at: old.created_at,
                    updated_at: now,
                };
                records.replace(&id, &secret)?;
                Ok(SetOutcome::Updated)
            }
            None => {
                records.insert(&Secret {
                    name: req.name.clone(),
                    content: req.content.clone(),
                    allowed_domains: domains(None),
                    created_at: now,
                    updated_at: now,
                })?;
                Ok(SetOutcome::Created)
            }
        }
    })
}
