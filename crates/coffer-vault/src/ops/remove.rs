//! `rm`: delete one secret, or one environment's value of it.

use super::store_error;
use crate::store::{StoreError, Vault};
use coffer_core::{EnvName, SecretName};

/// `rm` failed; nothing was deleted.
#[derive(Debug, thiserror::Error)]
pub enum RemoveError {
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
    /// Database failure or a damaged record.
    #[error(transparent)]
    Store(StoreError),
}
store_error!(RemoveError { NotFound => NotFound, NoSuchEnvironment => NotFound });

/// Deletes the secret called `name`, or only its value for `environment`.
pub fn remove(
    vault: &mut Vault,
    name: &SecretName,
    environment: Option<&EnvName>,
) -> Result<(), RemoveError> {
    let now = crate::clock::now();
    vault.write(|records| {
        let (id, mut secret) = records.find(name)?.ok_or_else(|| RemoveError::NotFound {
            name: name.to_string(),
        })?;
        let before = secret.clone();
        let (detail, after) = match environment {
            None => {
                records.delete(&id)?;
                (name.to_string(), Vec::new())
            }
            Some(env) => {
                if secret.environments.remove(env).is_none() {
                    return Err(RemoveError::NoSuchEnvironment {
                        name: name.to_string(),
                        env: env.to_string(),
                    });
                }
                secret.updated_at = now;
                records.replace(&id, &secret)?;
                (format!("{name} (environment {env})"), vec![secret])
            }
        };
        super::history::record(
            records,
            "rm",
            &detail,
            &coffer_core::history::Snapshot {
                before: vec![before],
                after,
            },
        )?;
        Ok(())
    })
}
