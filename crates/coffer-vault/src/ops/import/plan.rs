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
    /// Every incoming secret and its status.
    pub items: Vec<PlanItem>,
    /// The items of other tools' files that do not become secrets.
    pub skipped: Vec<Skipped>,
    /// Whether the vault is cleared first.
    pub clear_first: bool,
    /// Secrets in the vault now (removed if `clear_first`).
    pub existing: u64,
    /// The vault's secrets as the plan saw them: applying refuses if they changed since (a
    /// front end may show the plan for minutes before the user confirms).
    pub(crate) seen: Vec<Secret>,
    /// The vault's change counter when the plan read it.
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
struct Version(Secret);

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        changes(&self.0, &other.0).is_empty()
    }
}

impl Eq for Version {}

impl std::hash::Hash for Version {
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

/// The versions of one name seen so far: the first, and every distinct one with what it was.
struct Versions {
    first: (Secret, Against),
    seen: HashMap<Version, Against>,
}

/// Classifies `incoming` against `existing` secrets (the vault's, or none when clearing first).
/// Each name keeps every version seen so far (the vault's first, then the import's in order): an
/// incoming secret equal to any of them is identical; otherwise it is a duplicate of the first.
pub(crate) fn classify(existing: &[Secret], incoming: Vec<Incoming>) -> Vec<PlanItem> {
    let mut names: HashMap<SecretName, Versions> = HashMap::new();
    for s in existing {
        names.entry(s.name.clone()).or_insert_with(|| Versions {
            first: (s.clone(), Against::Vault),
            seen: HashMap::from([(Version(s.clone()), Against::Vault)]),
        });
    }
    incoming
        .into_iter()
        .map(|inc| {
            let from_import = Against::Import {
                source: inc.source.clone(),
            };
            let status = match names.get_mut(&inc.secret.name) {
                None => {
                    names.insert(
                        inc.secret.name.clone(),
                        Versions {
                            first: (inc.secret.clone(), from_import.clone()),
                            seen: HashMap::from([(Version(inc.secret.clone()), from_import)]),
                        },
                    );
                    Status::New
                }
                Some(v) => {
                    let version = Version(inc.secret.clone());
                    match v.seen.get(&version) {
                        Some(against) => Status::Identical {
                            against: against.clone(),
                        },
                        None => {
                            let status = Status::Duplicate {
                                against: v.first.1.clone(),
                                changes: changes(&v.first.0, &inc.secret),
                            };
                            v.seen.insert(version, from_import);
                            status
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

/// Plans importing `incoming` into `vault`; `skipped` is carried along for the front end to
/// show. Changes nothing.
pub fn plan(
    vault: &mut Vault,
    incoming: Vec<Incoming>,
    skipped: Vec<Skipped>,
    clear_first: bool,
) -> Result<Plan, StoreError> {
    let (existing, seen_changes) =
        vault.read(|records| Ok::<_, StoreError>((records.all()?, records.digest().counter)))?;
    let count = existing.len() as u64;
    let base: &[Secret] = if clear_first { &[] } else { &existing };
    let items = classify(base, incoming);
    Ok(Plan {
        items,
        skipped,
        clear_first,
        existing: count,
        seen: existing,
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
