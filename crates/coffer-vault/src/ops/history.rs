//! `history`: the changes the vault can undo. Destructive commands call `record` inside their
//! own write transaction, so a change and its snapshot are committed together or not at all.

use super::store_error;
use crate::store::{Records, StoreError, Vault};
use coffer_core::Timestamp;
use coffer_core::history::{self, Entry, Snapshot};
use serde::{Deserialize, Serialize};

/// Sealed-state name of the retention settings.
const RETENTION_STATE: &str = "history-retention";

/// How much history is kept. Both bounds apply: the oldest entries go first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Retention {
    /// The most entries kept (0 keeps none: destructive commands then cannot be undone).
    pub keep: u32,
    /// Entries older than this many days go.
    pub max_age_days: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            keep: 20,
            max_age_days: 30,
        }
    }
}

/// The most entries that can be asked for.
pub const MAX_KEEP: u32 = 1000;
/// The longest age that can be asked for, in days.
pub const MAX_AGE_DAYS: u32 = 3650;

/// A history operation failed; nothing changed.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// A retention bound out of range.
    #[error("history keeps 0 to {MAX_KEEP} entries for 1 to {MAX_AGE_DAYS} days")]
    Retention,
    /// Database failure, or a damaged or inconsistent vault.
    #[error(transparent)]
    Store(StoreError),
}
store_error!(HistoryError { Retention => InvalidInput });

fn open_entry(bytes: &[u8]) -> Result<Entry, StoreError> {
    Entry::decode(bytes).map_err(|_| StoreError::Integrity)
}

/// The retention settings stored in the vault (the defaults if none).
pub(crate) fn retention_in(r: &Records<'_>) -> Result<Retention, StoreError> {
    match r.state(RETENTION_STATE)? {
        None => Ok(Retention::default()),
        Some(b) => serde_json::from_slice(&b).map_err(|_| StoreError::Integrity),
    }
}

/// The entries, newest first.
pub(crate) fn entries_in(r: &Records<'_>) -> Result<Vec<Entry>, StoreError> {
    let mut out = Vec::new();
    for name in r.state_names(history::ENTRY_PREFIX)? {
        let bytes = r.state(&name)?.ok_or(StoreError::Integrity)?;
        let e = open_entry(&bytes)?;
        // The name is not sealed into the value by accident: it is the associated data, so an
        // entry cannot be moved to another id; still, the two must agree.
        if history::id_of_entry_name(&name) != Some(e.id) {
            return Err(StoreError::Integrity);
        }
        out.push(e);
    }
    out.reverse();
    Ok(out)
}

/// Records a change inside the transaction that makes it: `snapshot` holds the affected secrets
/// before and after. Then drops what the retention no longer keeps. Returns the entry's id (the
/// change's number), or `None` when the retention keeps no entries.
pub(crate) fn record(
    r: &Records<'_>,
    command: &str,
    detail: &str,
    snapshot: &Snapshot,
) -> Result<Option<u64>, StoreError> {
    let retention = retention_in(r)?;
    if retention.keep == 0 {
        return Ok(None);
    }
    // The change's number; past every entry kept, should the counter ever have been reset
    // (`coffer verify --accept` of a vault whose digest was gone), so no entry is overwritten.
    let last = r
        .state_names(history::ENTRY_PREFIX)?
        .iter()
        .filter_map(|n| history::id_of_entry_name(n))
        .max()
        .unwrap_or(0);
    let id = r.digest().counter.wrapping_add(1).max(last.wrapping_add(1));
    let now = crate::clock::now();
    let entry = Entry::new(id, now, command, detail, snapshot);
    r.put_state(&history::snapshot_name(id), &snapshot.encode())?;
    r.put_state(&history::entry_name(id), &entry.encode())?;
    prune(r, retention, now)?;
    Ok(Some(id))
}

/// Drops the entries beyond `keep` (oldest first) or older than the maximum age.
fn prune(r: &Records<'_>, retention: Retention, now: Timestamp) -> Result<u64, StoreError> {
    let oldest = now.unix() - i64::from(retention.max_age_days) * 86_400;
    let mut dropped = 0;
    for (i, e) in entries_in(r)?.into_iter().enumerate() {
        if i >= retention.keep as usize || e.at.unix() < oldest {
            r.delete_state(&history::entry_name(e.id))?;
            r.delete_state(&history::snapshot_name(e.id))?;
            dropped += 1;
        }
    }
    Ok(dropped)
}

/// The vault's history, newest first, with the retention that applies.
pub fn list(vault: &mut Vault) -> Result<(Vec<Entry>, Retention), HistoryError> {
    Ok(vault.read(|r| Ok::<_, StoreError>((entries_in(r)?, retention_in(r)?)))?)
}

/// Deletes every history entry, on purpose; returns how many there were.
pub fn purge(vault: &mut Vault) -> Result<u64, HistoryError> {
    Ok(vault.write(|r| {
        let entries = entries_in(r)?;
        for e in &entries {
            r.delete_state(&history::entry_name(e.id))?;
            r.delete_state(&history::snapshot_name(e.id))?;
        }
        Ok::<_, StoreError>(entries.len() as u64)
    })?)
}

/// Changes how much history is kept, dropping at once what the new bounds exclude; returns how
/// many entries went.
pub fn set_retention(vault: &mut Vault, retention: Retention) -> Result<u64, HistoryError> {
    if retention.keep > MAX_KEEP || !(1..=MAX_AGE_DAYS).contains(&retention.max_age_days) {
        return Err(HistoryError::Retention);
    }
    Ok(vault.write(|r| {
        let json = serde_json::to_vec(&retention).map_err(|_| StoreError::Integrity)?;
        r.put_state(RETENTION_STATE, &json)?;
        prune(r, retention, crate::clock::now())
    })?)
}
