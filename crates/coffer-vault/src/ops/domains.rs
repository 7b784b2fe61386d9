//! `domains`: change where a secret (or one environment's value) may be used, without touching
//! its value.

use super::set::DomainChange;
use super::store_error;
use crate::store::{StoreError, Vault};
use coffer_core::{AllowedDomains, EnvName, SecretName};

/// `domains` failed; nothing changed.
#[derive(Debug, thiserror::Error)]
pub enum DomainsError {
    /// No such secret.
    #[error("no secret named {name:?}")]
    NotFound {
        /// The name asked for.
        name: String,
    },
    /// The secret has no value for that environment.
    #[error("secret {name:?} has no value for environment {env:?}")]
    NoSuchEnvironment {
        /// The secret.
        name: String,
        /// The environment.
        env: String,
    },
    /// Only an environment's value can inherit the secret's domains.
    #[error("only an environment's value can use the secret's allowed domains (--env)")]
    InheritWithoutEnvironment,
    /// Database failure or a damaged record.
    #[error(transparent)]
    Store(StoreError),
}
store_error!(DomainsError {
    NotFound => NotFound,
    NoSuchEnvironment => NotFound,
    InheritWithoutEnvironment => InvalidInput,
});

/// The domains in force after [`set_domains`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainsNow {
    /// Where the value may be used.
    pub domains: AllowedDomains,
    /// For an environment: whether these are the secret's (it has none of its own).
    pub inherited: bool,
}

/// Applies `change` to the allowed domains of `name`, or of its value for `environment` (the
/// value or link stays as it is), and returns the domains now in force. [`DomainChange::Keep`]
/// changes nothing.
pub fn set_domains(
    vault: &mut Vault,
    name: &SecretName,
    environment: Option<&EnvName>,
    change: &DomainChange,
) -> Result<DomainsNow, DomainsError> {
    let now = crate::clock::now();
    vault.write(|records| {
        let (id, mut secret) = records.find(name)?.ok_or_else(|| DomainsError::NotFound {
            name: name.to_string(),
        })?;
        let Some(env) = environment else {
            let new = match change {
                DomainChange::Keep => secret.allowed_domains.clone(),
                DomainChange::Set(d) => d.clone(),
                DomainChange::Clear => AllowedDomains::any(),
                DomainChange::Inherit => return Err(DomainsError::InheritWithoutEnvironment),
            };
            if new != secret.allowed_domains {
                secret.allowed_domains = new;
                secret.updated_at = now;
                records.replace(&id, &secret)?;
            }
            return Ok(DomainsNow {
                domains: secret.allowed_domains,
                inherited: false,
            });
        };
        let fallback = secret.allowed_domains.clone();
        let entry =
            secret
                .environments
                .get_mut(env)
                .ok_or_else(|| DomainsError::NoSuchEnvironment {
                    name: name.to_string(),
                    env: env.to_string(),
                })?;
        let new = match change {
            DomainChange::Keep => entry.allowed_domains.clone(),
            DomainChange::Set(d) => Some(d.clone()),
            DomainChange::Clear => Some(AllowedDomains::any()),
            DomainChange::Inherit => None,
        };
        let result = DomainsNow {
            domains: new.clone().unwrap_or(fallback),
            inherited: new.is_none(),
        };
        if new != entry.allowed_domains {
            entry.allowed_domains = new;
            secret.updated_at = now;
            records.replace(&id, &secret)?;
        }
        Ok(result)
    })
}
