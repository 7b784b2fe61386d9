//! `verify`: check everything the vault holds, not only what a command reads.

use super::store_error;
use crate::store::{StoreError, Vault};

/// What `verify` checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Secrets opened and authenticated.
    pub secrets: u64,
    /// Sealed state entries (team link, connections, cached values, history) opened.
    pub states: u64,
    /// Changes committed since the vault was created or migrated (the digest's counter).
    pub changes: u64,
    /// Whether the digest was re-sealed over the rows as they are (`--accept`).
    pub accepted: bool,
}

/// `verify` failed: the vault is damaged or altered, or could not be read.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// Database failure, a record that does not authenticate, or rows that do not match the
    /// digest.
    #[error(transparent)]
    Store(StoreError),
}
store_error!(VerifyError {});

/// Opens every record and every sealed state entry and checks that the rows stored are exactly
/// those the vault digest describes.
pub fn verify(vault: &mut Vault) -> Result<VerifyReport, VerifyError> {
    Ok(vault.read(|r| {
        let secrets = r.all()?.len() as u64;
        let states = r.open_all_states()?;
        Ok::<_, StoreError>(VerifyReport {
            secrets,
            states,
            changes: r.digest().counter,
            accepted: false,
        })
    })?)
}

/// Re-seals the digest over the rows stored now, after checking that each of them still
/// authenticates: how the key holder accepts a vault that [`verify`] reported inconsistent
/// (a row deleted or restored from an older copy) once they have looked at what it holds.
pub fn accept(vault: &mut Vault) -> Result<VerifyReport, VerifyError> {
    let d = vault.accept_rows()?;
    Ok(VerifyReport {
        secrets: d.secrets,
        states: d.states,
        changes: d.counter,
        accepted: true,
    })
}
