//! The vault's change history (`docs/storage.md`, "History"): before a command destroys or
//! overwrites secrets, the vault keeps what it is about to change, sealed like every record, so
//! `coffer undo` can put it back.
//!
//! An entry is two sealed-state values: a small [`Entry`] (what, when, how many secrets; never a
//! value), listed by `coffer history`, and its [`Snapshot`]: the affected secrets as they were
//! (`before`) and as the command left them (`after`), in the secret object of export format
//! version 2. Both are JSON with a `version`; unknown fields are refused.

use crate::Secret;
use crate::Timestamp;
use crate::obj::Obj;
use crate::wire::SecretJson;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// The version this build writes and reads.
pub const VERSION: u32 = 1;
/// Sealed-state name prefix of entries: `history:` and the entry id in 20 digits.
pub const ENTRY_PREFIX: &str = "history:";
/// Sealed-state name prefix of snapshots: `history-data:` and the entry id in 20 digits.
pub const SNAPSHOT_PREFIX: &str = "history-data:";
/// The longest `detail` kept (longer ones are cut at a character boundary).
pub const MAX_DETAIL: usize = 200;

/// The sealed-state name of entry `id`.
pub fn entry_name(id: u64) -> String {
    format!("{ENTRY_PREFIX}{id:020}")
}

/// The sealed-state name of entry `id`'s snapshot.
pub fn snapshot_name(id: u64) -> String {
    format!("{SNAPSHOT_PREFIX}{id:020}")
}

/// The id in an entry's sealed-state name.
pub fn id_of_entry_name(name: &str) -> Option<u64> {
    let digits = name.strip_prefix(ENTRY_PREFIX)?;
    (digits.len() == 20 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// What a history entry says about a change (no values).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Entry {
    /// Format version ([`VERSION`]).
    pub version: u32,
    /// The change's number: the vault's change counter once the change is committed, so ids
    /// only go up.
    pub id: u64,
    /// When.
    pub at: Timestamp,
    /// The command (`clear`, `import`, `rm`, `rename`, `undo`).
    pub command: String,
    /// A short description for people (names, never values).
    pub detail: String,
    /// Secrets the change removed or overwrote (the snapshot's `before`).
    pub before: u64,
    /// Secrets the change left in their place (the snapshot's `after`).
    pub after: u64,
}

impl Entry {
    /// A version [`VERSION`] entry; `detail` is cut to [`MAX_DETAIL`] bytes.
    pub fn new(id: u64, at: Timestamp, command: &str, detail: &str, snapshot: &Snapshot) -> Self {
        let mut detail = detail.to_string();
        if detail.len() > MAX_DETAIL {
            let mut cut = MAX_DETAIL - '…'.len_utf8();
            while !detail.is_char_boundary(cut) {
                cut -= 1;
            }
            detail.truncate(cut);
            detail.push('…');
        }
        Self {
            version: VERSION,
            id,
            at,
            command: command.to_string(),
            detail,
            before: snapshot.before.len() as u64,
            after: snapshot.after.len() as u64,
        }
    }

    /// The entry's JSON.
    pub fn encode(&self) -> Zeroizing<Vec<u8>> {
        crate::buf::json(self, false, 0)
    }

    /// Reads an entry's JSON.
    pub fn decode(bytes: &[u8]) -> Result<Self, HistoryError> {
        let e: Obj<Entry> = serde_json::from_slice(bytes).map_err(|_| HistoryError)?;
        if e.0.version != VERSION {
            return Err(HistoryError);
        }
        Ok(e.0)
    }
}

/// The secrets a change affected, before and after it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    /// The secrets as they were, for every name the change removed or overwrote.
    pub before: Vec<Secret>,
    /// The secrets the change wrote in their place or added (names renamed to, values
    /// imported), as it wrote them.
    pub after: Vec<Secret>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SnapshotJson {
    version: u32,
    before: Vec<Obj<SecretJson>>,
    after: Vec<Obj<SecretJson>>,
}

/// A history entry or snapshot is not one this build reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a history entry is malformed")]
pub struct HistoryError;

impl Snapshot {
    /// The snapshot's JSON (it holds values: seal it at once; the buffer is zeroized).
    pub fn encode(&self) -> Zeroizing<Vec<u8>> {
        let json = |v: &[Secret]| v.iter().map(|s| Obj(SecretJson::from(s))).collect();
        crate::buf::json(
            &SnapshotJson {
                version: VERSION,
                before: json(&self.before),
                after: json(&self.after),
            },
            false,
            0,
        )
    }

    /// Reads a snapshot's JSON.
    pub fn decode(bytes: &[u8]) -> Result<Self, HistoryError> {
        let s: Obj<SnapshotJson> = serde_json::from_slice(bytes).map_err(|_| HistoryError)?;
        if s.0.version != VERSION {
            return Err(HistoryError);
        }
        let secrets = |v: Vec<Obj<SecretJson>>| {
            v.into_iter()
                .map(|j| j.0.into_secret(2).map_err(|_| HistoryError))
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(Self {
            before: secrets(s.0.before)?,
            after: secrets(s.0.after)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::foreign::testing::secret;

    #[test]
    fn snapshots_and_entries_round_trip() {
        let snap = Snapshot {
            before: vec![secret("a", "1"), secret("b", "2")],
            after: vec![secret("c", "1")],
        };
        assert_eq!(Snapshot::decode(&snap.encode()).unwrap(), snap);
        let e = Entry::new(
            7,
            Timestamp::from_unix(0).unwrap(),
            "rename",
            "a -> c",
            &snap,
        );
        assert_eq!((e.before, e.after), (2, 1));
        assert_eq!(Entry::decode(&e.encode()).unwrap(), e);
        assert_eq!(entry_name(7), "history:00000000000000000007");
        assert_eq!(id_of_entry_name(&entry_name(7)), Some(7));
        assert_eq!(id_of_entry_name("history:7"), None);
    }

    #[test]
    fn long_details_are_cut_on_a_character() {
        let e = Entry::new(
            1,
            Timestamp::from_unix(0).unwrap(),
            "rm",
            &"é".repeat(300),
            &Snapshot::default(),
        );
        assert!(e.detail.len() <= MAX_DETAIL && e.detail.ends_with('…'));
    }

    #[test]
    fn other_versions_and_unknown_fields_are_refused() {
        let snap = Snapshot::default();
        let text = String::from_utf8(snap.encode().to_vec()).unwrap();
        assert!(
            Snapshot::decode(text.replace("\"version\":1", "\"version\":2").as_bytes()).is_err()
        );
        assert!(Snapshot::decode(text.replace('{', "{\"x\":1,").as_bytes()).is_err());
        assert!(Snapshot::decode(b"[]").is_err());
    }
}
