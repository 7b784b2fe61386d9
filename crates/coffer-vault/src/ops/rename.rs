//! `rename`: give a secret a new name, keeping everything else.

use super::store_error;
use crate::store::{StoreError, Vault};
use coffer_core::SecretName;

/// `rename` failed; nothing changed.
#[derive(Debug, thiserror::Error)]
pub enum RenameError {
    /// No secret with the old name.
    #[error("no secret named {name:?}")]
    NotFound {
        /// The old name.
        name: String,
    },
    /// The new name is taken.
    #[error("a secret named {name:?} already exists")]
    Taken {
        /// The new name.
        name: String,
    },
    /// The old and new names are the same.
    #[error("{name:?} is already the secret's name; nothing to rename")]
    SameName {
        /// The name.
        name: String,
    },
    /// Database failure or a damaged record.
    #[error(transparent)]
    Store(StoreError),
}
store_error!(RenameError { NotFound => NotFound, Taken => Conflict, SameName => InvalidInput });

/// Renames `from` to `to`.
pub fn rename(vault: &mut Vault, from: &SecretName, to: &SecretName) -> Result<(), RenameError> {
    if from == to {
        return Err(RenameError::SameName {
            name: from.to_string(),
        });
    }
    vault.write(|records| {
        let (id, mut secret) = records.find(from)?.ok_or_else(|| RenameError::NotFound {
            name: from.to_string(),
        })?;
        if records.find(to)?.is_some() {
            return Err(RenameError::Taken {
                name: to.to_string(),
            });
        }
        let before = secret.clone();
        secret.name = to.clone();
        secret.updated_at = crate::clock::now();
        records.replace(&id, &secret)?;
        super::history::record(
            records,
            "rename",
            &format!("{from} -> {to}"),
            &coffer_core::history::Snapshot {
                before: vec![before],
                after: vec![secret],
            },
        )?;
        Ok(())
    })
}
