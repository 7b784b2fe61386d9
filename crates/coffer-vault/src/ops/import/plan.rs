//! Planning an import: what each incoming secret is, before anything is written.

use crate::store::{StoreError, Vault};
use coffer_core::{Secret, SecretContent, SecretName};
use std::collections::HashMap;

/// A secret read from a source.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// The secret as exported.
    pub secret: Secret,
    /// Where it came from.
    pub source: String,
}

/// What an existing secret with the same name is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Against {
    /// A secret already in the vault.
    Vault,
    /// An earlier secret of this same import.
    Import {
        /// Its source.
        source: String,
    },
}

/// What differs between a duplicate and what it clashes with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// Both have values, and they differ.
    Value,
    /// Both are links, and they differ.
    Link,
    /// One is a value, the other a link.
    Kind,
    /// The allowed domains differ.
    AllowedDomains,
}

impl Change {
    /// A word for messages and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Value => "value",
            Change::Link => "link",
            Change::Kind => "valueOrLink",
            Change::AllowedDomains => "allowedDomains",
        }
    }
}

/// The status of one incoming secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// No secret with this name: it will be added.
    New,
    /// Same name, value/link and domains as what is there: nothing to do.
    Identical {
        /// What it matches.
        against: Against,
    },
    /// Same name, different content: needs a decision.
    Duplicate {
        /// What it clashes with.
        against: Against,
        /// What differs.
        changes: Vec<Change>,
    },
}

/// One planned item.
#[derive(Debug, Clone)]
pub struct PlanItem {
    /// The incoming secret.
    pub incoming: Incoming,
    /// What it is.
    pub status: Status,
}

/// The whole plan, in import order.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Every incoming secret and its status.
    pub items: Vec<PlanItem>,
    /// Whether the vault is cleared first.
    pub clear_first: bool,
    /// Secrets in the vault now (removed if `clear_first`).
    pub existing: u64,
}

impl Plan {
    /// The duplicates, in order.
    pub fn duplicates(&self) -> impl Iterator<Item = &PlanItem> {
        self.items
            .iter()
            .filter(|i| matches!(i.status, Status::Duplicate { .. }))
    }
}

fn changes(a: &Secret, b: &Secret) -> Vec<Change> {
    let mut c = Vec::new();
    match (&a.content, &b.content) {
        (SecretContent::Value(x), SecretContent::Value(y)) if !x.ct_eq(y) => c.push(Change::Value),
        (SecretContent::Link(x), SecretContent::Link(y)) if x != y => c.push(Change::Link),
        (SecretContent::Value(_), SecretContent::Link(_))
        | (SecretContent::Link(_), SecretContent::Value(_)) => c.push(Change::Kind),
        _ => {}
    }
    if a.allowed_domains != b.allowed_domains {
        c.push(Change::AllowedDomains);
    }
    c
}

/// Classifies `incoming` against `existing` secrets (the vault's, or none when clearing first).
pub(crate) fn classify(existing: &[Secret], incoming: Vec<Incoming>) -> Vec<PlanItem> {
    let mut seen: HashMap<SecretName, (Secret, Against)> = existing
        .iter()
        .map(|s| (s.name.clone(), (s.clone(), Against::Vault)))
        .collect();
    incoming
        .into_iter()
        .map(|inc| {
            let status = match seen.get(&inc.secret.name) {
                None => {
                    seen.insert(
                        inc.secret.name.clone(),
                        (
                            inc.secret.clone(),
                            Against::Import {
                                source: inc.source.clone(),
                            },
                        ),
                    );
                    Status::New
                }
                Some((there, against)) => {
                    let changes = changes(there, &inc.secret);
                    if changes.is_empty() {
                        Status::Identical {
                            against: against.clone(),
                        }
                    } else {
                        Status::Duplicate {
                            against: against.clone(),
                            changes,
                        }
                    }
                }
            };
            PlanItem {
                incoming: inc,
                status,
            }
        })
        .collect()
}

/// Plans importing `incoming` into `vault`. Changes nothing.
pub fn plan(
    vault: &mut Vault,
    incoming: Vec<Incoming>,
    clear_first: bool,
) -> Result<Plan, StoreError> {
    let existing = vault.read(|records| records.all())?;
    let count = existing.len() as u64;
    let base: &[Secret] = if clear_first { &[] } else { &existing };
    Ok(Plan {
        items: classify(base, incoming),
        clear_first,
        existing: count,
    })
}
