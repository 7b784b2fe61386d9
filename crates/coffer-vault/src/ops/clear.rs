//! `clear`: remove every secret; the vault and its key stay.

use super::store_error;
use crate::store::{StoreError, Vault};

/// `clear` failed; nothing was removed.
#[derive(Debug, thiserror::Error)]
pub enum ClearError {
    /// Database failure.
    #[error(transparent)]
    Store(StoreError),
}
store_error!(ClearError {});

/// Deletes every secret in one transaction; returns how many there were.
pub fn clear(vault: &mut Vault) -> Result<u64, ClearError> {
    Ok(vault.write(|records| records.delete_all())?)
}
