//! Applying an import plan: all of it in one transaction, or nothing.

use super::plan::{Plan, Status};
use crate::ops::store_error;
use crate::store::{Records, StoreError, Vault};
use coffer_core::{Secret, SecretName};
use std::collections::{BTreeMap, HashSet};

/// What to do with one duplicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// Keep what is there; drop the incoming secret.
    Skip,
    /// The incoming secret replaces what is there.
    Replace,
    /// Keep both: the incoming secret is stored as `NAME-2` (or the next free number).
    KeepBoth,
}

/// What the import did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportReport {
    /// Secrets removed first (`--clear`).
    pub cleared: u64,
    /// New secrets.
    pub added: Vec<SecretName>,
    /// Secrets replaced by the incoming version.
    pub replaced: Vec<SecretName>,
    /// Incoming duplicates dropped.
    pub skipped: Vec<SecretName>,
    /// Incoming duplicates kept under a new name: (name, new name).
    pub kept_both: Vec<(SecretName, SecretName)>,
    /// Incoming secrets identical to what was there.
    pub identical: Vec<SecretName>,
    /// Linked secrets written: they need re-authentication with their external vault.
    pub relink: Vec<(SecretName, String)>,
}

impl ApplyError {
    /// What to do about it (more precise than the kind's hint).
    pub fn hint(&self) -> &'static str {
        match self {
            ApplyError::Changed => {
                "review the import again: the plan is made anew from the vault as it is now"
            }
            ApplyError::Resolutions { .. } => {
                "decide once for every duplicate (skip, replace or keep both)"
            }
            ApplyError::NoFreeName { .. } => {
                "rename the existing secret, or choose skip or replace for this one"
            }
            ApplyError::Store(e) => crate::Classify::kind(e).hint(),
        }
    }
}

impl ImportReport {
    /// The report as JSON, the same for every front end: `cleared`, `added`, `replaced`,
    /// `skipped`, `keptBoth` (`name`, `storedAs`), `identical`, `needsReauthentication` (`name`,
    /// `provider`, `connect`: the command that makes it resolve).
    pub fn to_json(&self) -> serde_json::Value {
        fn names(v: &[SecretName]) -> Vec<&str> {
            v.iter().map(|n| n.as_str()).collect()
        }
        serde_json::json!({
            "cleared": self.cleared,
            "added": names(&self.added),
            "replaced": names(&self.replaced),
            "skipped": names(&self.skipped),
            "keptBoth": self.kept_both.iter().map(|(a, b)| serde_json::json!({"name": a.as_str(), "storedAs": b.as_str()})).collect::<Vec<_>>(),
            "identical": names(&self.identical),
            "needsReauthentication": self.relink.iter().map(|(n, p)| serde_json::json!({
                "name": n.as_str(),
                "provider": p,
                "connect": coffer_core::link::Provider::from_id(p).map(crate::links::connect_command),
            })).collect::<Vec<_>>(),
        })
    }
}

/// The import was not applied; the vault is unchanged.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// Another process changed the vault between planning and applying.
    #[error("the vault changed while the import was being planned; nothing was imported")]
    Changed,
    /// Wrong number of resolutions for the plan's duplicates.
    #[error("{expected} duplicates need a decision, {got} were given")]
    Resolutions {
        /// Duplicates in the plan.
        expected: usize,
        /// Decisions given.
        got: usize,
    },
    /// No free `NAME-N` within the name length limit.
    #[error("cannot keep both copies of {name:?}: no free name NAME-N within the length limit")]
    NoFreeName {
        /// The name.
        name: String,
    },
    /// Database failure or a damaged record.
    #[error(transparent)]
    Store(StoreError),
}
store_error!(ApplyError { Changed => Conflict, Resolutions => InvalidInput, NoFreeName => Conflict });

/// A secret the import writes: one of the plan's (borrowed), or a kept-both copy under a new
/// name. Two words, so a million writes cost tens of megabytes, not a copy of every secret.
enum Write<'a> {
    Planned(&'a Secret),
    Copy(Box<Secret>),
}

impl Write<'_> {
    fn secret(&self) -> &Secret {
        match self {
            Write::Planned(s) => s,
            Write::Copy(s) => s,
        }
    }
}

/// Where to keep an incoming duplicate `s` beside the existing one: the first `NAME-N`
/// (N >= 2) that neither the vault, the import nor this import's writes use, found by looking
/// candidates up one by one (the vault is not read whole). `Ok(None)` when a copy `NAME-N`
/// already holds this content (kept both on an earlier import: another copy would only repeat
/// it). Copies are looked for up to [`COPY_GAP`] free names past the first, so a copy is still
/// found after an earlier one was deleted.
fn copy_name(
    records: &Records<'_>,
    s: &Secret,
    look_in_vault: bool,
    import_names: &HashSet<&SecretName>,
    writes: &BTreeMap<SecretName, Write<'_>>,
) -> Result<Option<SecretName>, ApplyError> {
    let same = |x: &Secret| {
        x.allowed_domains == s.allowed_domains
            && x.disabled == s.disabled
            && x.content.same_as(&s.content)
            && coffer_core::env::same_environments(&x.environments, &s.environments)
    };
    let mut first_free: Option<SecretName> = None;
    let mut free_since = 0;
    for candidate in (2..=u32::MAX).map_while(|n| s.name.with_suffix(n)) {
        // What this import writes there wins over what the vault holds there now.
        let there = match writes.get(&candidate) {
            Some(w) => Some(same(w.secret())),
            None if look_in_vault => records.find(&candidate)?.map(|(_, x)| same(&x)),
            None => None,
        };
        match there {
            Some(true) => return Ok(None),
            Some(false) => free_since = 0,
            None if import_names.contains(&candidate) => free_since = 0,
            None => {
                free_since += 1;
                if first_free.is_none() {
                    first_free = Some(candidate);
                } else if free_since > COPY_GAP {
                    break;
                }
            }
        }
    }
    first_free.map(Some).ok_or_else(|| ApplyError::NoFreeName {
        name: s.name.to_string(),
    })
}

/// Free `NAME-N` names looked at past the first free one, for an earlier copy (see
/// [`copy_name`]).
const COPY_GAP: usize = 8;

/// Applies `plan` with one resolution per duplicate (in plan order), in one transaction. If the
/// vault changed since the plan, nothing happens.
///
/// The work is proportional to what is written: the vault is not read again (its change
/// counter tells whether the plan still holds), new secrets are sealed and inserted in row-id
/// order without a lookup, and a replaced secret reuses the row id the plan found.
pub fn apply(
    vault: &mut Vault,
    plan: &Plan,
    resolutions: &[Resolution],
) -> Result<ImportReport, ApplyError> {
    let expected = plan.duplicates().count();
    if resolutions.len() != expected {
        return Err(ApplyError::Resolutions {
            expected,
            got: resolutions.len(),
        });
    }
    vault.write(|records| {
        // Any change since the plan (a secret added, changed or removed, also one the import
        // would clear or replace) voids it: the user decided on what the plan showed. Every
        // committed change moves the vault's change counter, so comparing it is enough: the
        // vault is not read and decrypted a second time. The plan's statuses cannot have been
        // altered since (they are private to this crate).
        if records.digest().counter != plan.seen_changes {
            return Err(ApplyError::Changed);
        }
        let mut report = ImportReport::default();
        if plan.clear_first {
            report.cleared = records.delete_all()?;
        }
        let import_names: HashSet<&SecretName> = plan
            .items()
            .iter()
            .map(|i| &i.incoming.secret.name)
            .collect();
        // Borrowed from the plan; only a kept-both copy is a new secret.
        let mut writes: BTreeMap<SecretName, Write<'_>> = BTreeMap::new();
        let mut decisions = resolutions.iter();
        for item in plan.items() {
            let s = &item.incoming.secret;
            match &item.status {
                Status::New => {
                    writes.insert(s.name.clone(), Write::Planned(s));
                    report.added.push(s.name.clone());
                }
                Status::Identical { .. } => report.identical.push(s.name.clone()),
                Status::Duplicate { .. } => match decisions.next() {
                    Some(Resolution::Skip) | None => report.skipped.push(s.name.clone()),
                    Some(Resolution::Replace) => {
                        writes.insert(s.name.clone(), Write::Planned(s));
                        report.replaced.push(s.name.clone());
                    }
                    Some(Resolution::KeepBoth) => {
                        match copy_name(records, s, !plan.clear_first, &import_names, &writes)? {
                            // Kept both on an earlier import already: `NAME-N` holds this.
                            None => report.identical.push(s.name.clone()),
                            Some(new) => {
                                let mut copy = s.clone();
                                copy.name = new.clone();
                                writes.insert(new.clone(), Write::Copy(Box::new(copy)));
                                report.kept_both.push((s.name.clone(), new));
                            }
                        }
                    }
                },
            }
        }
        // What the import destroys (everything, with --clear; the secrets it replaces otherwise)
        // goes to the history with what it wrote, so `coffer undo` can take it back.
        if plan.clear_first && !plan.seen.is_empty() || !report.replaced.is_empty() {
            let before = if plan.clear_first {
                plan.seen.clone()
            } else {
                let replaced: HashSet<&SecretName> = report.replaced.iter().collect();
                plan.seen
                    .iter()
                    .filter(|s| replaced.contains(&s.name))
                    .cloned()
                    .collect()
            };
            let detail = format!(
                "{}{} replaced, {} added",
                if plan.clear_first {
                    format!("--clear: {} removed, ", plan.seen.len())
                } else {
                    String::new()
                },
                report.replaced.len(),
                writes.len() - report.replaced.len(),
            );
            crate::ops::history::record(
                records,
                "import",
                &detail,
                &coffer_core::history::Snapshot {
                    before,
                    after: writes.values().map(|s| s.secret().clone()).collect(),
                },
            )?;
        }
        let mut new = Vec::with_capacity(writes.len());
        for (name, write) in &writes {
            let secret = write.secret();
            // The plan looked every incoming name up; a copy's name was looked up above.
            match plan.seen_ids.get(name) {
                Some(id) => records.replace(id, secret)?,
                None => new.push(secret),
            }
            if let Some(link) = secret.content.link() {
                report
                    .relink
                    .push((name.clone(), link.provider().to_string()));
            }
        }
        records.insert_new(&new)?;
        Ok(report)
    })
}
