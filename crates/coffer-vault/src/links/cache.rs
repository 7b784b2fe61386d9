//! The cache of fetched values: sealed state `link-cache:PROVIDER:MAC`, where MAC is a keyed hash
//! of the link (the file does not show which links were fetched), holding the value and when it
//! stops being used. `coffer cache clear` empties it; connecting or disconnecting a provider
//! empties that provider's part.

use crate::store::{StoreError, Vault};
use coffer_core::link::Provider;
use coffer_core::{ExternalLink, SecretValue, Timestamp};
use serde::{Deserialize, Serialize};

const PREFIX: &str = "link-cache:";

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Entry {
    value: SecretValue,
    expires_at: Timestamp,
}

fn prefix(provider: Option<Provider>) -> String {
    match provider {
        Some(p) => format!("{PREFIX}{}:", p.id()),
        None => PREFIX.to_string(),
    }
}

fn entry_name(vault: &Vault, link: &ExternalLink) -> String {
    // The link's JSON is canonical: serde writes its fields in one fixed order.
    let json = serde_json::to_string(link).unwrap_or_default();
    format!(
        "{}{}",
        prefix(Some(link.provider_kind())),
        vault.keyed_name("link-cache", &json)
    )
}

/// The cached value of `link`, if one is still fresh at `now`.
pub fn get(
    vault: &mut Vault,
    link: &ExternalLink,
    now: Timestamp,
) -> Result<Option<SecretValue>, StoreError> {
    let name = entry_name(vault, link);
    let Some(bytes) = vault.sealed_state(&name)? else {
        return Ok(None);
    };
    let entry: Entry = serde_json::from_slice(&bytes).map_err(|_| StoreError::Integrity)?;
    Ok((now < entry.expires_at).then_some(entry.value))
}

/// Keeps `value` for `link` until `expires_at`.
pub fn put(
    vault: &mut Vault,
    link: &ExternalLink,
    value: &SecretValue,
    expires_at: Timestamp,
) -> Result<(), StoreError> {
    let name = entry_name(vault, link);
    let json = serde_json::to_vec(&Entry {
        value: value.clone(),
        expires_at,
    })
    .map_err(|_| StoreError::Integrity)?;
    let json = zeroize::Zeroizing::new(json);
    vault.update_sealed_state(&name, |_| Some(json))
}

/// Deletes the cached values of `provider` (every provider: `None`); returns how many.
pub fn clear(vault: &mut Vault, provider: Option<Provider>) -> Result<usize, StoreError> {
    vault.delete_sealed_states(&prefix(provider))
}

/// How many values of `provider` are cached (fresh or not).
pub fn count(vault: &mut Vault, provider: Provider) -> Result<usize, StoreError> {
    vault.count_sealed_states(&prefix(Some(provider)))
}
