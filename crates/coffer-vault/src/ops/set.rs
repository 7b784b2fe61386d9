//! `set`: add a secret or update one, or one environment's value of it.

use super::store_error;
use crate::store::{StoreError, Vault};
use coffer_core::{AllowedDomains, EnvName, EnvValue, Secret, SecretContent, SecretName};

/// What to do with the allowed domains.
#[derive(Debug, Clone)]
pub enum DomainChange {
    /// Keep the existing domains (none for a new secret; for a new environment value, the
    /// secret's).
    Keep,
    /// Replace them.
    Set(AllowedDomains),
    /// Remove every restriction.
    Clear,
    /// An environment's value: drop its own domains and use the secret's.
    Inherit,
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
    /// Set this environment's value instead of the default.
    pub environment: Option<EnvName>,
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
    /// An environment value for a secret that does not exist yet.
    #[error("no secret named {name:?}: an environment's value is added to an existing secret")]
    NotFound {
        /// The name.
        name: String,
    },
    /// Environments hold values, not links.
    #[error("an environment holds a value, not a link to an external vault")]
    LinkInEnvironment,
    /// Only an environment's value can inherit the secret's domains.
    #[error("only an environment's value can use the secret's allowed domains (--env)")]
    InheritWithoutEnvironment,
    /// Database failure.
    #[error(transparent)]
    Store(StoreError),
}
store_error!(SetError {
    NotFound => NotFound,
    LinkInEnvironment => InvalidInput,
    InheritWithoutEnvironment => InvalidInput,
});

/// Adds or updates a secret, keeping its creation time, state and environments on update.
pub fn set(vault: &mut Vault, req: SetRequest) -> Result<SetOutcome, SetError> {
    let now = crate::clock::now();
    vault.write(|records| {
        let existing = records.find(&req.name)?;
        let change = |old: Option<&AllowedDomains>| match &req.domains {
            DomainChange::Keep => old.cloned(),
            DomainChange::Set(d) => Some(d.clone()),
            DomainChange::Clear => Some(AllowedDomains::any()),
            DomainChange::Inherit => None,
        };
        if matches!(req.domains, DomainChange::Inherit) && req.environment.is_none() {
            return Err(SetError::InheritWithoutEnvironment);
        }
        match (existing, &req.environment) {
            (Some((id, mut secret)), Some(env)) => {
                let SecretContent::Value(value) = &req.content else {
                    return Err(SetError::LinkInEnvironment);
                };
                let old = secret.environments.get(env);
                let allowed_domains = change(old.and_then(|e| e.allowed_domains.as_ref()));
                secret.environments.insert(
                    env.clone(),
                    EnvValue {
                        value: value.clone(),
                        allowed_domains,
                    },
                );
                secret.updated_at = now;
                records.replace(&id, &secret)?;
                Ok(SetOutcome::Updated)
            }
            (None, Some(_)) => Err(SetError::NotFound {
                name: req.name.to_string(),
            }),
            (Some((id, mut secret)), None) => {
                secret.content = req.content.clone();
                secret.allowed_domains = change(Some(&secret.allowed_domains)).unwrap_or_default();
                secret.updated_at = now;
                records.replace(&id, &secret)?;
                Ok(SetOutcome::Updated)
            }
            (None, None) => {
                records.insert(&Secret::new(
                    req.name.clone(),
                    req.content.clone(),
                    change(None).unwrap_or_default(),
                    now,
                ))?;
                Ok(SetOutcome::Created)
            }
        }
    })
}
