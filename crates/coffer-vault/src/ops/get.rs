//! `get`: read one secret.

use super::store_error;
use crate::store::{StoreError, Vault};
use coffer_core::{Secret, SecretName};

/// `get` failed.
#[derive(Debug, thiserror::Error)]
pub enum GetError {
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
store_error!(GetError { NotFound => NotFound });

/// The secret called `name`.
pub fn get(vault: &mut Vault, name: &SecretName) -> Result<Secret, GetError> {
    vault.read(|records| {
        records
            .find(name)?
            .map(|(_, s)| s)
            .ok_or_else(|| GetError::NotFound {
                name: name.to_string(),
            })
    })
}
