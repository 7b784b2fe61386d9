//! The cache of fetched values: sealed state `link-cache:PROVIDER:MAC`, where MAC is a keyed hash
//! of the link (the file does not show which links were fetched), holding the value, the
//! connection it was fetched through (its `connectedAt`) and when it stops being used. An entry is
//! served only for that connection and until that time; a stale one is deleted when met, and a
//! provider's stale entries when a new one is written. `coffer cache clear` empties it;
//! connecting or disconnecting a provider empties that provider's part.

use crate::store::{StoreError, Vault};
use coffer_core::link::Provider;
use coffer_core::{ExternalLink, SecretValue, Timestamp};
use serde::{Deserialize, Serialize};

const PREFIX: &str = "link-cache:";

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Entry {
    value: SecretValue,
    connected_at: Timestamp,
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

fn read(bytes: &[u8]) -> Result<Entry, StoreError> {
    serde_json::from_slice(bytes).map_err(|_| StoreError::Integrity)
}

fn fresh(e: &Entry, connected_at: Timestamp, now: Timestamp) -> bool {
    e.connected_at == connected_at && now < e.expires_at
}

/// The cached value of `link` fetched through the connection made at `connected_at`, if still
/// fresh at `now`. A stale entry is deleted.
pub fn get(
    vault: &mut Vault,
    link: &ExternalLink,
    connected_at: Timestamp,
    now: Timestamp,
) -> Result<Option<SecretValue>, StoreError> {
    let name = entry_name(vault, link);
    let Some(bytes) = vault.sealed_state(&name)? else {
        return Ok(None);
    };
    let entry = read(&bytes)?;
    if fresh(&entry, connected_at, now) {
        return Ok(Some(entry.value));
    }
    // Deleted only if still stale (another process may have just written a fresh one).
    vault.update_sealed_state(&name, |current| match current {
        Some(b) if read(&b).is_ok_and(|e| fresh(&e, connected_at, now)) => Some(b),
        _ => None,
    })?;
    Ok(None)
}

/// Keeps `value` for `link`, fetched through the connection made at `connected_at`, until
/// `expires_at`; deletes the provider's entries that are stale at `now`.
pub fn put(
    vault: &mut Vault,
    link: &ExternalLink,
    value: &SecretValue,
    connected_at: Timestamp,
    expires_at: Timestamp,
    now: Timestamp,
) -> Result<(), StoreError> {
    let name = entry_name(vault, link);
    let json = serde_json::to_vec(&Entry {
        value: value.clone(),
        connected_at,
        expires_at,
    })
    .map_err(|_| StoreError::Integrity)?;
    let json = zeroize::Zeroizing::new(json);
    vault.update_sealed_state(&name, |_| Some(json))?;
    let provider = link.provider_kind();
    vault.retain_sealed_states(&prefix(Some(provider)), |bytes| {
        read(bytes).is_ok_and(|e| fresh(&e, connected_at, now))
    })
}

/// Deletes the cached values of `provider` (every provider: `None`); returns how many.
pub fn clear(vault: &mut Vault, provider: Option<Provider>) -> Result<usize, StoreError> {
    vault.delete_sealed_states(&prefix(provider))
}

/// How many values of `provider` are cached (fresh or not).
pub fn count(vault: &mut Vault, provider: Provider) -> Result<usize, StoreError> {
    vault.count_sealed_states(&prefix(Some(provider)))
}
