//! `rm`: delete one secret.

use super::store_error;
use crate::store::{StoreError, Vault};
use coffer_core::SecretName;

/// `rm` failed; nothing was deleted.
#[derive(Debug, thiserror::Error)]
pub enum RemoveError {
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
store_error!(RemoveError { NotFound => NotFound });

/// Deletes the secret called `name`.
pub fn remove(vault: &mut Vault, name: &SecretName) -> Result<(), RemoveError> {
    vault.write(|records| {
        let (id, _) = records.find(name)?.ok_or_else(|| RemoveError::NotFound {
            name: name.to_string(),
        })?;
        records.delete(&id)?;
        Ok(())
    })
}
