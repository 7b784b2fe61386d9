//! Planning an import: what each incoming secret is, before anything is written.

use crate::store::{RecordId, StoreError, Vault};
use coffer_core::{Secret, SecretContent, SecretName};
use std::collections::HashMap;

/// A secret read from a source.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// The secret as exported.
    pub secret: Secret,
    /// Where it came from.
    pub source: String,
    /// Its name in the other tool, when it had to change to follow Coffer's rules.
    pub renamed_from: Option<String>,
    /// Where in the file it is, for another tool's file (`line 3`, `item 2 ("GitHub"), password`).
    pub origin: Option<String>,
    /// What people should know about it (never a value).
    pub notes: Vec<String>,
}

impl Incoming {
    /// A secret from a Coffer export, as it was exported.
    pub fn new(secret: Secret, source: String) -> Self {
        Incoming {
            secret,
            source,
            renamed_from: None,
            origin: None,
            notes: Vec::new(),
        }
    }
}

/// An item of another tool's file that does not become a secret, and why (never its value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The file.
    pub source: String,
    /// Where in the file.
    pub origin: String,
    /// Why.
    pub reason: String,
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
    /// One is enabled, the other disabled.
    Enabled,
    /// The per-environment values differ (names, values or their domains).
    Environments,
}

impl Change {
    /// A word for messages and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Value => "value",
            Change::Link => "link",
            Change::Kind => "valueOrLink",
            Change::AllowedDomains => "allowedDomains",
            Change::Enabled => "enabled",
            Change::Environments => "environments",
        }
    }
}

impl Against {
    /// A word for messages and JSON.
    pub fn as_str(&self) -> &'static str {
        match self {
            Against::Vault => "vault",
            Against::Import { .. } => "import",
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

impl Status {
    /// A word for messages and JSON.
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Identical { .. } => "identical",
            Status::Duplicate { .. } => "duplicate",
        }
    }
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
    /// Every incoming secret and its status (read-only: applying trusts these statuses).
    items: Vec<PlanItem>,
    /// The items of other tools' files that do not become secrets.
    pub skipped: Vec<Skipped>,
    /// Whether the vault is cleared first.
    pub clear_first: bool,
    /// Secrets in the vault now (removed if `clear_first`).
    pub existing: u64,
    /// The vault's secrets the plan read: those with an incoming name, or all of them when
    /// the vault is cleared first (what the import destroys goes to the history).
    pub(crate) seen: Vec<Secret>,
    /// The row ids of the vault's secrets with an incoming name (none when clearing first).
    pub(crate) seen_ids: HashMap<SecretName, RecordId>,
    /// The vault's change counter when the plan read it: applying refuses if it moved since (a
    /// front end may show the plan for minutes before the user confirms).
    pub(crate) seen_changes: u64,
}

impl Plan {
    /// The plan as JSON, the same for every front end (`coffer import --dry-run --json`, the
    /// web page): `clearFirst`, `existing`, `counts` and one item per incoming secret with its
    /// `name`, `source`, `status`, `linked` (and `provider`), and for an identical or duplicate
    /// one `against` (`vault` or `import`, with `againstSource`) and a duplicate's `changes`;
    /// from another tool's file, `origin`, `renamedFrom` and `notes` where there are any. Then
    /// `skipped`: the items that do not become secrets (`source`, `origin`, `reason`). Never a
    /// value.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        let count = |w: &str| self.items.iter().filter(|i| i.status.as_str() == w).count();
        json!({
            "clearFirst": self.clear_first,
            "existing": self.existing,
            "counts": {"new": count("new"), "identical": count("identical"), "duplicate": count("duplicate"), "skipped": self.skipped.len()},
            "items": self.items.iter().map(|i| {
                let link = i.incoming.secret.content.link();
                let mut o = json!({
                    "name": i.incoming.secret.name.as_str(),
                    "source": i.incoming.source,
                    "status": i.status.as_str(),
                    "linked": link.is_some(),
                    "provider": link.map(|l| l.provider()),
                });
                match &i.status {
                    Status::Identical { against } | Status::Duplicate { against, .. } => {
                        o["against"] = json!(against.as_str());
                        if let Against::Import { source } = against {
                            o["againstSource"] = json!(source);
                        }
                    }
                    Status::New => {}
                }
                if let Status::Duplicate { changes, .. } = &i.status {
                    o["changes"] = json!(changes.iter().map(|c| c.as_str()).collect::<Vec<_>>());
                }
                if let Some(origin) = &i.incoming.origin {
                    o["origin"] = json!(origin);
                }
                if let Some(from) = &i.incoming.renamed_from {
                    o["renamedFrom"] = json!(from);
                }
                if !i.incoming.notes.is_empty() {
                    o["notes"] = json!(i.incoming.notes);
                }
                o
            }).collect::<Vec<_>>(),
            "skipped": self.skipped.iter().map(|s| json!({
                "source": s.source,
                "origin": s.origin,
                "reason": s.reason,
            })).collect::<Vec<_>>(),
        })
    }

    /// Every incoming secret and its status, in import order.
    pub fn items(&self) -> &[PlanItem] {
        &self.items
    }

    /// The duplicates, in order.
    pub fn duplicates(&self) -> impl Iterator<Item = &PlanItem> {
        self.items
            .iter()
            .filter(|i| matches!(i.status, Status::Duplicate { .. }))
    }
}

pub(crate) fn changes(a: &Secret, b: &Secret) -> Vec<Change> {
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
    if a.disabled != b.disabled {
        c.push(Change::Enabled);
    }
    if !coffer_core::env::same_environments(&a.environments, &b.environments) {
        c.push(Change::Environments);
    }
    c
}

/// A secret as a version of its name, equal to another when nothing differs between them
/// ([`changes`] is empty), hashed over the same parts: an import with many versions of one name
/// is classified in linear time. The hash lives only in memory, keyed at random per process.
struct Version<'a>(&'a Secret);

impl PartialEq for Version<'_> {
    fn eq(&self, other: &Self) -> bool {
        changes(self.0, other.0).is_empty()
    }
}

impl Eq for Version<'_> {}

impl std::hash::Hash for Version<'_> {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        match &self.0.content {
            SecretContent::Value(v) => {
                0u8.hash(h);
                v.expose().hash(h);
            }
            SecretContent::Link(l) => {
                1u8.hash(h);
                l.hash(h);
            }
        }
        self.0.allowed_domains.hash(h);
        self.0.disabled.hash(h);
        self.0.environments.len().hash(h);
        for (name, v) in &self.0.environments {
            name.hash(h);
            v.value.expose().hash(h);
            v.allowed_domains.hash(h);
        }
    }
}

/// Where a version was first seen (borrowed; an [`Against`] is made only for a status).
#[derive(Clone, Copy)]
enum Origin<'a> {
    Vault,
    Import(&'a str),
}

impl Origin<'_> {
    fn against(self) -> Against {
        match self {
            Origin::Vault => Against::Vault,
            Origin::Import(source) => Against::Import {
                source: source.to_string(),
            },
        }
    }
}

/// The versions of one name seen so far: the first, and every later distinct one with where
/// it was seen (an empty map allocates nothing: most names have one version).
struct Versions<'a> {
    first: (Version<'a>, Origin<'a>),
    more: HashMap<Version<'a>, Origin<'a>>,
}

/// Classifies `incoming` against `existing` secrets (the vault's, or none when clearing first).
/// Each name keeps every version seen so far (the vault's first, then the import's in order): an
/// incoming secret equal to any of them is identical; otherwise it is a duplicate of the first.
/// Nothing is copied: the versions are borrowed while the statuses are worked out.
pub(crate) fn classify(existing: &[Secret], incoming: Vec<Incoming>) -> Vec<PlanItem> {
    let statuses: Vec<Status> = {
        let mut names: HashMap<&SecretName, Versions<'_>> =
            HashMap::with_capacity(existing.len() + incoming.len());
        for s in existing {
            names.entry(&s.name).or_insert_with(|| Versions {
                first: (Version(s), Origin::Vault),
                more: HashMap::new(),
            });
        }
        incoming
            .iter()
            .map(|inc| {
                let version = Version(&inc.secret);
                let Some(v) = names.get_mut(&inc.secret.name) else {
                    names.insert(
                        &inc.secret.name,
                        Versions {
                            first: (version, Origin::Import(&inc.source)),
                            more: HashMap::new(),
                        },
                    );
                    return Status::New;
                };
                if v.first.0 == version {
                    return Status::Identical {
                        against: v.first.1.against(),
                    };
                }
                if let Some(origin) = v.more.get(&version) {
                    return Status::Identical {
                        against: origin.against(),
                    };
                }
                let status = Status::Duplicate {
                    against: v.first.1.against(),
                    changes: changes(v.first.0.0, &inc.secret),
                };
                v.more.insert(version, Origin::Import(&inc.source));
                status
            })
            .collect()
    };
    incoming
        .into_iter()
        .zip(statuses)
        .map(|(incoming, status)| PlanItem { incoming, status })
        .collect()
}

/// Plans importing `incoming` into `vault`; `skipped` is carried along for the front end to
/// show. Changes nothing.
///
/// Only the vault's secrets that share a name with an incoming one are read and decrypted
/// (one index lookup per incoming name): an import disjoint from the vault decrypts nothing,
/// and none decrypts a stored record twice. Clearing first reads the whole vault once, for
/// the history entry that lets `coffer undo` bring it back.
pub fn plan(
    vault: &mut Vault,
    incoming: Vec<Incoming>,
    skipped: Vec<Skipped>,
    clear_first: bool,
) -> Result<Plan, StoreError> {
    let (count, seen, seen_ids, seen_changes) = vault.read(|records| {
        // The digest counts the rows (checked against them below): no query needed.
        let count = records.digest().secrets;
        let mut seen = Vec::new();
        let mut ids = HashMap::new();
        if clear_first {
            seen = records.all()?;
        } else if count == 0 {
            // Nothing to classify against, but the set of rows is still checked.
            records.verify_rows()?;
        } else {
            let mut names: Vec<&SecretName> = incoming.iter().map(|i| &i.secret.name).collect();
            names.sort_unstable();
            names.dedup();
            for (id, s) in records.find_each(&names)? {
                ids.insert(s.name.clone(), id);
                seen.push(s);
            }
        }
        Ok::<_, StoreError>((count, seen, ids, records.digest().counter))
    })?;
    let base: &[Secret] = if clear_first { &[] } else { &seen };
    let items = classify(base, incoming);
    Ok(Plan {
        items,
        skipped,
        clear_first,
        existing: count,
        seen,
        seen_ids,
        seen_changes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use coffer_core::{AllowedDomains, SecretValue, Timestamp};

    fn s(name: &str, v: &str) -> Secret {
        let t = Timestamp::from_unix(0).unwrap();
        Secret {
            name: SecretName::parse(name).unwrap(),
            content: SecretContent::Value(SecretValue::new(v.into()).unwrap()),
            allowed_domains: AllowedDomains::any(),
            disabled: false,
            environments: Default::default(),
            created_at: t,
            updated_at: t,
        }
    }

    fn inc(name: &str, v: &str) -> Incoming {
        Incoming::new(s(name, v), "f".into())
    }

    fn words(items: &[PlanItem]) -> Vec<&'static str> {
        items
            .iter()
            .map(|i| match i.status {
                Status::New => "new",
                Status::Identical { .. } => "identical",
                Status::Duplicate { .. } => "duplicate",
            })
            .collect()
    }

    #[test]
    fn repeats_of_an_incoming_duplicate_are_identical() {
        let plan = classify(
            &[s("a", "v0")],
            vec![inc("a", "v1"), inc("a", "v1"), inc("a", "v0")],
        );
        assert_eq!(words(&plan), ["duplicate", "identical", "identical"]);
        assert_eq!(
            plan[1].status,
            Status::Identical {
                against: Against::Import { source: "f".into() }
            }
        );
        assert_eq!(
            plan[2].status,
            Status::Identical {
                against: Against::Vault
            }
        );
    }

    #[test]
    fn versions_are_told_apart_by_everything_that_can_differ() {
        let mut off = s("A", "v7");
        off.disabled = true;
        let mut elsewhere = s("A", "v7");
        elsewhere.allowed_domains = AllowedDomains::parse_list("api.example.com").unwrap();
        let plan = classify(
            &[],
            vec![
                inc("A", "v7"),
                Incoming::new(off.clone(), "f".into()),
                Incoming::new(elsewhere.clone(), "f".into()),
                Incoming::new(off, "f".into()),
                Incoming::new(elsewhere, "f".into()),
            ],
        );
        assert_eq!(
            words(&plan),
            ["new", "duplicate", "duplicate", "identical", "identical"]
        );
        let again = classify(
            &[s("A", "v7")],
            vec![inc("A", "v7"), inc("A", "v8"), inc("A", "v8")],
        );
        assert_eq!(words(&again), ["identical", "duplicate", "identical"]);
    }

    #[test]
    fn new_then_different_is_a_duplicate_of_the_import() {
        let plan = classify(
            &[],
            vec![inc("x", "1"), inc("x", "2"), inc("x", "3"), inc("x", "2")],
        );
        assert_eq!(words(&plan), ["new", "duplicate", "duplicate", "identical"]);
    }
}
