//! `enable` / `disable`: keep a secret but stop (or restart) it resolving.

use super::store_error;
use crate::store::{StoreError, Vault};
use coffer_core::SecretName;

/// What the call changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnableOutcome {
    /// The state changed.
    Changed,
    /// It already was in that state (nothing written).
    Unchanged,
}

/// `enable`/`disable` failed; nothing changed.
#[derive(Debug, thiserror::Error)]
pub enum EnableError {
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
store_error!(EnableError { NotFound => NotFound });

/// Enables (`enabled = true`) or disables the secret called `name`.
pub fn set_enabled(
    vault: &mut Vault,
    name: &SecretName,
    enabled: bool,
) -> Result<EnableOutcome, EnableError> {
    let now = crate::clock::now();
    vault.write(|records| {
        let (id, mut secret) = records.find(name)?.ok_or_else(|| EnableError::NotFound {
            name: name.to_string(),
        })?;
        if secret.disabled != enabled {
            return Ok(EnableOutcome::Unchanged);
        }
        secret.disabled = !enabled;
        secret.updated_at = now;
        records.replace(&id, &secret)?;
        Ok(EnableOutcome::Changed)
    })
}
