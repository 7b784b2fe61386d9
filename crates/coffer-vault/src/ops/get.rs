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

/// A linked secret asked for its value: the value lives in the external vault. One message and
/// hint for every front end.
#[derive(Debug, thiserror::Error)]
#[error("secret {name} is linked to an external vault ({link}); its value is not stored here")]
pub struct Linked {
    /// The secret.
    pub name: String,
    /// Where its value lives.
    pub link: String,
}

impl Linked {
    /// What to do about it.
    pub const HINT: &'static str =
        "read it from the external vault after re-authenticating with it";
}

impl crate::Classify for Linked {
    fn kind(&self) -> crate::ErrorKind {
        crate::ErrorKind::InvalidInput
    }
}

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
