//! `undo`: put back what a recorded change removed or overwrote, and take away what it added,
//! as a plan first (like an import), then in one transaction that is itself recorded (so an
//! undo can be undone).

use super::history::{self, entries_in};
use super::import::plan::changes;
use super::import::{Change, Resolution};
use super::store_error;
use crate::store::{Records, StoreError, Vault};
use coffer_core::history::{Entry, Snapshot, snapshot_name};
use coffer_core::{Secret, SecretName};
use std::collections::{BTreeMap, HashSet};

/// What undoing does with one name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Gone now: put back as it was.
    Restore,
    /// Already as it was: nothing to do.
    Identical,
    /// Still as the change left it: put back as it was.
    Revert,
    /// Changed since the change: needs a decision (skip, replace, keep both).
    Conflict {
        /// What differs between the secret now and as it was.
        changes: Vec<Change>,
    },
    /// Added by the change and unchanged since: removed.
    Remove,
    /// Added by the change and changed since: left alone.
    KeepChanged,
}

impl Action {
    /// A word for messages and JSON.
    pub fn as_str(&self) -> &'static str {
        match self {
            Action::Restore => "restore",
            Action::Identical => "identical",
            Action::Revert => "revert",
            Action::Conflict { .. } => "conflict",
            Action::Remove => "remove",
            Action::KeepChanged => "keepChanged",
        }
    }
}

/// One name the undo touches.
#[derive(Debug, Clone)]
pub struct UndoItem {
    /// The secret as it was (restore, identical, revert, conflict) or as the change left it
    /// (remove, keep changed).
    pub secret: Secret,
    /// What happens to it.
    pub action: Action,
}

/// What undoing an entry would do, computed against the vault as it is now.
#[derive(Debug, Clone)]
pub struct UndoPlan {
    /// The entry undone.
    pub entry: Entry,
    /// Every affected name, in the snapshot's order (before, then names only added).
    pub items: Vec<UndoItem>,
    /// The vault's change counter the plan saw: applying refuses if it moved.
    seen: u64,
}

impl UndoPlan {
    /// The conflicts, in order: one resolution each.
    pub fn conflicts(&self) -> impl Iterator<Item = &UndoItem> {
        self.items
            .iter()
            .filter(|i| matches!(i.action, Action::Conflict { .. }))
    }

    /// Whether applying would change nothing.
    pub fn is_noop(&self) -> bool {
        self.items
            .iter()
            .all(|i| matches!(i.action, Action::Identical | Action::KeepChanged))
    }

    /// The vault's change counter when the plan was made (a front end that applies the plan
    /// later sends it back: [`plan_again`]).
    pub fn vault_changes(&self) -> u64 {
        self.seen
    }

    /// The plan as JSON (names and actions, never values): `id`, `command`, `detail`, `at`,
    /// `vaultChanges`, and `items` with `name`, `action` and a conflict's `changes`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.entry.id,
            "vaultChanges": self.seen,
            "command": self.entry.command,
            "detail": self.entry.detail,
            "at": self.entry.at.to_string(),
            "items": self.items.iter().map(|i| {
                let mut o = serde_json::json!({
                    "name": i.secret.name.as_str(),
                    "action": i.action.as_str(),
                });
                if let Action::Conflict { changes } = &i.action {
                    o["changes"] = changes.iter().map(|c| c.as_str()).collect();
                }
                o
            }).collect::<Vec<_>>(),
        })
    }
}

/// What the undo did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UndoReport {
    /// The entry recording this undo (undo it to redo), if anything changed.
    pub recorded: Option<u64>,
    /// Secrets put back (restored or reverted, conflicts replaced).
    pub restored: Vec<SecretName>,
    /// Secrets the change had added, removed.
    pub removed: Vec<SecretName>,
    /// Conflicts kept as they are now.
    pub skipped: Vec<SecretName>,
    /// Conflicts whose old version was stored under a new name: (name, new name).
    pub kept_both: Vec<(SecretName, SecretName)>,
    /// Secrets the change added that were kept because a conflict was skipped: the change's
    /// secrets may hold the only live copy of a value (a rename, then a new secret under the
    /// old name), so nothing it added is taken away while part of it stays.
    pub kept_added: Vec<SecretName>,
}

impl UndoReport {
    /// The report as JSON, the same for every front end: `recorded` (the undo's own change
    /// id, or null), `restored`, `removed`, `skipped`, `keptBoth` (`name`, `storedAs`).
    pub fn to_json(&self) -> serde_json::Value {
        fn names(v: &[SecretName]) -> Vec<&str> {
            v.iter().map(|n| n.as_str()).collect()
        }
        serde_json::json!({
            "recorded": self.recorded,
            "restored": names(&self.restored),
            "removed": names(&self.removed),
            "skipped": names(&self.skipped),
            "keptBoth": self.kept_both.iter().map(|(a, b)| serde_json::json!({"name": a.as_str(), "storedAs": b.as_str()})).collect::<Vec<_>>(),
            "keptAdded": names(&self.kept_added),
        })
    }
}

/// Undo failed; the vault is unchanged.
#[derive(Debug, thiserror::Error)]
pub enum UndoError {
    /// No entry with that id (or no history at all).
    #[error("{}", match id { Some(id) => format!("no change {id} in the vault's history"), None => "the vault's history is empty".into() })]
    NotFound {
        /// The id asked for.
        id: Option<u64>,
    },
    /// The vault changed between planning and applying.
    #[error("the vault changed while the undo was being planned; nothing was changed")]
    Changed,
    /// Wrong number of resolutions for the plan's conflicts.
    #[error("{expected} conflicts need a decision, {got} were given")]
    Resolutions {
        /// Conflicts in the plan.
        expected: usize,
        /// Decisions given.
        got: usize,
    },
    /// No free `NAME-N` for keeping both.
    #[error("cannot keep both copies of {name:?}: no free name NAME-N within the length limit")]
    NoFreeName {
        /// The name.
        name: String,
    },
    /// Database failure, or a damaged or inconsistent vault.
    #[error(transparent)]
    Store(StoreError),
}
store_error!(UndoError {
    NotFound => NotFound,
    Changed => Conflict,
    Resolutions => InvalidInput,
    NoFreeName => Conflict,
});

fn same(a: &Secret, b: &Secret) -> bool {
    changes(a, b).is_empty()
}

/// Plans undoing entry `id` (the newest if `None`) against the vault as it is now. Reads (and so
/// verifies) the whole vault; changes nothing.
pub fn plan(vault: &mut Vault, id: Option<u64>) -> Result<UndoPlan, UndoError> {
    vault.read(|r| {
        let current: BTreeMap<SecretName, Secret> =
            r.all()?.into_iter().map(|s| (s.name.clone(), s)).collect();
        let entry = entries_in(r)?
            .into_iter()
            .find(|e| id.is_none_or(|id| e.id == id))
            .ok_or(UndoError::NotFound { id })?;
        let snapshot = open_snapshot(r, entry.id)?;
        let after: BTreeMap<&SecretName, &Secret> =
            snapshot.after.iter().map(|s| (&s.name, s)).collect();
        let mut items = Vec::new();
        let mut before_names = HashSet::new();
        for b in &snapshot.before {
            before_names.insert(&b.name);
            let action = match current.get(&b.name) {
                None => Action::Restore,
                Some(c) if same(c, b) => Action::Identical,
                Some(c) if after.get(&b.name).is_some_and(|a| same(c, a)) => Action::Revert,
                Some(c) => Action::Conflict {
                    changes: changes(c, b),
                },
            };
            items.push(UndoItem {
                secret: b.clone(),
                action,
            });
        }
        for a in &snapshot.after {
            if before_names.contains(&a.name) {
                continue;
            }
            let action = match current.get(&a.name) {
                None => continue,
                Some(c) if same(c, a) => Action::Remove,
                Some(_) => Action::KeepChanged,
            };
            items.push(UndoItem {
                secret: a.clone(),
                action,
            });
        }
        Ok(UndoPlan {
            entry,
            items,
            seen: r.digest().counter,
        })
    })
}

/// Plans undoing entry `id` again for a front end that showed the plan made when the vault's
/// change counter was `vault_changes`: refused ([`UndoError::Changed`]) if the vault changed since,
/// so what is applied is what was shown.
pub fn plan_again(vault: &mut Vault, id: u64, vault_changes: u64) -> Result<UndoPlan, UndoError> {
    let plan = plan(vault, Some(id))?;
    if plan.seen != vault_changes {
        return Err(UndoError::Changed);
    }
    Ok(plan)
}

fn open_snapshot(r: &Records<'_>, id: u64) -> Result<Snapshot, StoreError> {
    let bytes = r.state(&snapshot_name(id))?.ok_or(StoreError::Integrity)?;
    Snapshot::decode(&bytes).map_err(|_| StoreError::Integrity)
}

/// Applies `plan` with one resolution per conflict (in plan order), in one transaction that
/// also records the undo in the history. Refuses if the vault changed since the plan.
pub fn apply(
    vault: &mut Vault,
    plan: &UndoPlan,
    resolutions: &[Resolution],
) -> Result<UndoReport, UndoError> {
    let expected = plan.conflicts().count();
    if resolutions.len() != expected {
        return Err(UndoError::Resolutions {
            expected,
            got: resolutions.len(),
        });
    }
    vault.write(|r| {
        if r.digest().counter != plan.seen {
            return Err(UndoError::Changed);
        }
        let mut report = UndoReport::default();
        let mut snapshot = Snapshot::default();
        // A conflict kept as it is now means part of the change stays: then what the change
        // added stays too (it may be the only copy of a value the change moved).
        let skipping = resolutions.contains(&Resolution::Skip);
        let mut decisions = resolutions.iter();
        let mut taken: Option<HashSet<SecretName>> = None;
        for item in &plan.items {
            let s = &item.secret;
            match &item.action {
                Action::Identical | Action::KeepChanged => {}
                Action::Restore => {
                    r.insert(s)?;
                    snapshot.after.push(s.clone());
                    report.restored.push(s.name.clone());
                }
                Action::Revert => {
                    put_back(r, s, &mut snapshot)?;
                    report.restored.push(s.name.clone());
                }
                Action::Remove if skipping => report.kept_added.push(s.name.clone()),
                Action::Remove => {
                    let (id, now) = r.find(&s.name)?.ok_or(UndoError::Changed)?;
                    r.delete(&id)?;
                    snapshot.before.push(now);
                    report.removed.push(s.name.clone());
                }
                Action::Conflict { .. } => match decisions.next() {
                    Some(Resolution::Skip) | None => report.skipped.push(s.name.clone()),
                    Some(Resolution::Replace) => {
                        put_back(r, s, &mut snapshot)?;
                        report.restored.push(s.name.clone());
                    }
                    Some(Resolution::KeepBoth) => {
                        let taken = match &mut taken {
                            Some(t) => t,
                            None => taken.insert(r.all()?.into_iter().map(|s| s.name).collect()),
                        };
                        let new =
                            copy_name(&s.name, taken).ok_or_else(|| UndoError::NoFreeName {
                                name: s.name.to_string(),
                            })?;
                        let mut copy = s.clone();
                        copy.name = new.clone();
                        r.insert(&copy)?;
                        snapshot.after.push(copy);
                        report.kept_both.push((s.name.clone(), new));
                    }
                },
            }
        }
        if !snapshot.before.is_empty() || !snapshot.after.is_empty() {
            let detail = format!(
                "undo of change {} ({}: {})",
                plan.entry.id, plan.entry.command, plan.entry.detail
            );
            report.recorded = history::record(r, "undo", &detail, &snapshot)?;
        }
        Ok(report)
    })
}

/// Replaces the secret now called `s.name` with `s`, keeping what it was in the snapshot.
fn put_back(r: &Records<'_>, s: &Secret, snapshot: &mut Snapshot) -> Result<(), UndoError> {
    let (id, now) = r.find(&s.name)?.ok_or(UndoError::Changed)?;
    r.replace(&id, s)?;
    snapshot.before.push(now);
    snapshot.after.push(s.clone());
    Ok(())
}

/// The first `NAME-N` (N >= 2) not in `taken`, now taken; `None` if every such name is longer
/// than names may be.
fn copy_name(name: &SecretName, taken: &mut HashSet<SecretName>) -> Option<SecretName> {
    let new = (2..=u32::MAX)
        .map_while(|n| name.with_suffix(n))
        .find(|n| !taken.contains(n))?;
    taken.insert(new.clone());
    Some(new)
}
