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

/// Deletes every secret in one transaction, keeping them in the history (`coffer undo`);
/// returns how many there were.
pub fn clear(vault: &mut Vault) -> Result<u64, ClearError> {
    Ok(vault.write(|records| {
        let before = records.all()?;
        if before.is_empty() {
            return Ok(0);
        }
        let detail = format!(
            "{} secret{}",
            before.len(),
            if before.len() == 1 { "" } else { "s" }
        );
        super::history::record(
            records,
            "clear",
            &detail,
            &coffer_core::history::Snapshot {
                before,
                after: Vec::new(),
            },
        )?;
        records.delete_all()
    })?)
}
