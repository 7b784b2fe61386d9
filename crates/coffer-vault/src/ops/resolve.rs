//! `resolve`: the values behind `{{vault:NAME}}` references, for one destination or none.
//!
//! One resolver for `request`, `run` and `inject` (`docs/references.md`). A name resolves when the
//! secret exists, is enabled, holds a value or a link that resolves from its external vault
//! (`crate::links`), and its allowed domains allow every destination (checked before anything is
//! fetched). A secret with allowed domains needs a
//! destination: without one it is refused. Every failure is collected, so one error names them
//! all; nothing resolves unless everything does.

use super::store_error;
use crate::links;
use crate::store::{StoreError, Vault};
use coffer_core::secret::Selection;
use coffer_core::{
    AllowedDomains, Destination, EnvName, ExternalLink, Secret, SecretName, SecretValue,
};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// What to resolve.
#[derive(Debug, Clone)]
pub struct ResolveRequest<'a> {
    /// The names referenced.
    pub names: BTreeSet<&'a SecretName>,
    /// The active environment.
    pub environment: Option<&'a EnvName>,
    /// Where the values will go. Empty: not stated, so only unrestricted secrets resolve.
    pub destinations: &'a [Destination],
}

/// One resolved value.
#[derive(Debug, Clone)]
pub struct ResolvedValue {
    /// The value.
    pub value: SecretValue,
    /// The environment whose value it is (`None`: the default).
    pub environment: Option<EnvName>,
    /// Where it may go (kept to check redirects).
    pub allowed_domains: AllowedDomains,
}

/// What one name resolves to, or why it does not.
pub type Outcome = Result<ResolvedValue, Failed>;

/// Every referenced name's value.
pub type Resolved = BTreeMap<SecretName, ResolvedValue>;

/// Why one reference did not resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unresolvable {
    /// No secret has that name.
    Unknown,
    /// The secret is disabled.
    Disabled,
    /// The secret is linked to an external vault, which did not give its value.
    Link {
        /// What went wrong (the provider named).
        problem: String,
        /// The command that fixes it.
        hint: String,
    },
    /// The destination is not among the allowed domains.
    NotAllowed {
        /// The destination refused.
        destination: Destination,
        /// What is allowed.
        allowed: AllowedDomains,
    },
    /// The secret has allowed domains and no destination was stated.
    NoDestination {
        /// What is allowed.
        allowed: AllowedDomains,
    },
}

/// One reference that did not resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failed {
    /// The name referenced.
    pub name: SecretName,
    /// The environment in effect, if the secret had a value for it.
    pub environment: Option<EnvName>,
    /// Why.
    pub reason: Unresolvable,
}

impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.name)?;
        if let Some(e) = &self.environment {
            write!(f, " (environment {e})")?;
        }
        match &self.reason {
            Unresolvable::Unknown => f.write_str(": no such secret"),
            Unresolvable::Disabled => f.write_str(": disabled"),
            Unresolvable::Link { problem, .. } => write!(f, ": {problem}"),
            Unresolvable::NotAllowed {
                destination,
                allowed,
            } => write!(f, ": not allowed for {destination} (allowed: {allowed})"),
            Unresolvable::NoDestination { allowed } => {
                write!(f, ": restricted to {allowed}, and no destination was named")
            }
        }
    }
}

/// Resolving failed; nothing was resolved.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// Some references cannot resolve (all of them listed).
    #[error("{} cannot resolve: {}", plural(.0.len()), list(.0))]
    Unresolved(Vec<Failed>),
    /// Database failure or a damaged record.
    #[error(transparent)]
    Store(StoreError),
}
store_error!(ResolveError { Unresolved => Unresolved });

fn plural(n: usize) -> String {
    if n == 1 {
        "1 reference".into()
    } else {
        format!("{n} references")
    }
}

fn list(failed: &[Failed]) -> String {
    failed
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Resolves every name in `req`, or fails naming each one that cannot resolve.
pub fn resolve(vault: &mut Vault, req: &ResolveRequest<'_>) -> Result<Resolved, ResolveError> {
    let mut resolved = Resolved::new();
    let mut failed = Vec::new();
    // Nothing will run if one reference fails: then links are not fetched at all.
    for (name, outcome) in outcomes(vault, req, false)? {
        match outcome {
            Ok(v) => {
                resolved.insert(name, v);
            }
            Err(f) => failed.push(f),
        }
    }
    if failed.is_empty() {
        Ok(resolved)
    } else {
        Err(ResolveError::Unresolved(failed))
    }
}

/// Each name in `req` with what it resolves to or why it does not (`coffer refs`). Links are
/// fetched (or taken from the cache) after the records are read, outside the read transaction.
pub fn check(
    vault: &mut Vault,
    req: &ResolveRequest<'_>,
) -> Result<Vec<(SecretName, Outcome)>, StoreError> {
    outcomes(vault, req, true)
}

/// The outcomes; with `fetch_despite_failures` false, links are left out (neither fetched nor
/// reported) when another name already failed.
fn outcomes(
    vault: &mut Vault,
    req: &ResolveRequest<'_>,
    fetch_despite_failures: bool,
) -> Result<Vec<(SecretName, Outcome)>, StoreError> {
    let checked = vault.read(|records| {
        let mut out = Vec::with_capacity(req.names.len());
        for name in &req.names {
            let outcome = match records.find(name)? {
                None => Err(Failed {
                    name: (*name).clone(),
                    environment: None,
                    reason: Unresolvable::Unknown,
                }),
                Some((_, secret)) => one(&secret, req),
            };
            out.push(((*name).clone(), outcome));
        }
        Ok::<_, StoreError>(out)
    })?;
    let now = crate::clock::now();
    let failed_already = checked.iter().any(|(_, o)| o.is_err());
    let mut out = Vec::with_capacity(checked.len());
    for (name, outcome) in checked {
        let outcome = match outcome {
            Ok(Pending::Value(v)) => Ok(v),
            Err(f) => Err(f),
            Ok(Pending::Link { .. }) if failed_already && !fetch_despite_failures => continue,
            Ok(Pending::Link {
                link,
                environment,
                allowed_domains,
            }) => match links::fetch::fetch(vault, &link, now) {
                Ok((value, _)) => Ok(ResolvedValue {
                    value,
                    environment,
                    allowed_domains,
                }),
                Err(links::LinkError::Store(e)) => return Err(e),
                Err(e) => Err(Failed {
                    name: name.clone(),
                    environment,
                    reason: Unresolvable::Link {
                        problem: e.to_string(),
                        hint: e.hint(),
                    },
                }),
            },
        };
        out.push((name, outcome));
    }
    Ok(out)
}

/// A name that passed every check: its value, or a link still to fetch.
enum Pending {
    Value(ResolvedValue),
    Link {
        link: ExternalLink,
        environment: Option<EnvName>,
        allowed_domains: AllowedDomains,
    },
}

fn one(secret: &Secret, req: &ResolveRequest<'_>) -> Result<Pending, Failed> {
    let sel = secret.select(req.environment);
    let fail = |reason| Failed {
        name: secret.name.clone(),
        environment: sel.environment.cloned(),
        reason,
    };
    if secret.disabled {
        return Err(fail(Unresolvable::Disabled));
    }
    let allowed = sel.allowed_domains;
    if !allowed.is_any() {
        if req.destinations.is_empty() {
            return Err(fail(Unresolvable::NoDestination {
                allowed: allowed.clone(),
            }));
        }
        if let Some(d) = req
            .destinations
            .iter()
            .find(|d| !allowed.allows_destination(d))
        {
            return Err(fail(Unresolvable::NotAllowed {
                destination: d.clone(),
                allowed: allowed.clone(),
            }));
        }
    }
    let environment = sel.environment.cloned();
    let allowed_domains = allowed.clone();
    Ok(match sel.content {
        Selection::Value(v) => Pending::Value(ResolvedValue {
            value: v.clone(),
            environment,
            allowed_domains,
        }),
        Selection::Link(l) => Pending::Link {
            link: l.clone(),
            environment,
            allowed_domains,
        },
    })
}
