//! `disconnect`: forgets a provider's connection and its cached values.

use super::{cache, state_name};
use crate::store::{StoreError, Vault};
use coffer_core::link::Provider;

/// What disconnecting removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Disconnected {
    /// Whether there was a connection.
    pub was_connected: bool,
    /// Cached values deleted.
    pub cached_values: usize,
}

/// Deletes the connection to `provider` and every value cached from it.
pub fn disconnect(vault: &mut Vault, provider: Provider) -> Result<Disconnected, StoreError> {
    let mut was_connected = false;
    vault.update_sealed_state(&state_name(provider), |current| {
        was_connected = current.is_some();
        None
    })?;
    let cached_values = cache::clear(vault, Some(provider))?;
    Ok(Disconnected {
        was_connected,
        cached_values,
    })
}
