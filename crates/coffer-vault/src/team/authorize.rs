//! The export gate: before any export, the team's policy is fetched fresh and verified; if the
//! server cannot be reached, the last signed policy is used while unexpired; otherwise export is
//! refused (fail closed). A vault not joined to a team exports freely.

use super::client::Client;
use super::{TeamError, TeamLink, load, save};
use crate::store::{StoreError, Vault};
use crate::{Classify, ErrorKind};
use coffer_core::Timestamp;
use coffer_core::policy::{ExportKind, PolicyStatement};
use secrecy::SecretString;

/// Where the deciding policy came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicySource {
    /// Fetched from the server just now.
    Fresh,
    /// The cached signed policy (server unreachable, or logged out).
    Cached {
        /// When the server signed it.
        issued_at: Timestamp,
        /// When it stops being valid.
        expires_at: Timestamp,
    },
}

/// Permission to export in one format. Only [`authorize_export`] makes one, and
/// [`crate::ops::export::export`] requires it.
#[derive(Debug)]
pub struct ExportGrant {
    pub(crate) kind: ExportKind,
    team: Option<TeamGrant>,
}

#[derive(Debug)]
struct TeamGrant {
    name: String,
    server_url: String,
    token: Option<SecretString>,
    revision: i64,
    source: PolicySource,
}

impl ExportGrant {
    /// The granted format.
    pub fn kind(&self) -> ExportKind {
        self.kind
    }

    /// The team whose policy allowed it, and where that policy came from.
    pub fn team(&self) -> Option<(&str, &PolicySource)> {
        self.team.as_ref().map(|t| (t.name.as_str(), &t.source))
    }
}

/// Export refused.
#[derive(Debug, thiserror::Error)]
pub enum ExportDenied {
    /// The team turned export off.
    #[error("vault export is turned off by the policy of team {team:?}")]
    Off {
        /// Team name.
        team: String,
    },
    /// This format is not allowed.
    #[error("{kind} export is not allowed by the policy of team {team:?}; allowed: {}", allowed.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", "))]
    Format {
        /// Team name.
        team: String,
        /// The refused format.
        kind: &'static str,
        /// The allowed formats.
        allowed: Vec<ExportKind>,
    },
    /// No policy that can be trusted right now.
    #[error("cannot confirm the export policy of team {team:?}: {reason}")]
    NoPolicy {
        /// Team name.
        team: String,
        /// Why.
        reason: String,
    },
    /// The server rejected the vault's token.
    #[error(
        "the team server rejected this vault's API token, so the export policy of team {team:?} cannot be confirmed"
    )]
    Unauthorized {
        /// Team name.
        team: String,
    },
    /// Vault storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Classify for ExportDenied {
    fn kind(&self) -> ErrorKind {
        match self {
            ExportDenied::Off { .. }
            | ExportDenied::Format { .. }
            | ExportDenied::NoPolicy { .. } => ErrorKind::Denied,
            ExportDenied::Unauthorized { .. } => ErrorKind::Unauthorized,
            ExportDenied::Store(e) => e.kind(),
        }
    }
}

fn decide(
    link: &TeamLink,
    st: &PolicyStatement,
    kind: ExportKind,
    source: PolicySource,
) -> Result<ExportGrant, ExportDenied> {
    if !st.export.enabled {
        return Err(ExportDenied::Off {
            team: link.team_name.clone(),
        });
    }
    if !st.export.allows(kind) {
        return Err(ExportDenied::Format {
            team: link.team_name.clone(),
            kind: kind.as_str(),
            allowed: st.export.formats.iter().copied().collect(),
        });
    }
    Ok(ExportGrant {
        kind,
        team: Some(TeamGrant {
            name: link.team_name.clone(),
            server_url: link.server_url.clone(),
            token: link.token.clone(),
            revision: st.revision,
            source,
        }),
    })
}

fn cached(link: &TeamLink, now: Timestamp) -> Result<PolicyStatement, String> {
    let key = link.server_key().map_err(|e| e.to_string())?;
    let signed = link
        .policy
        .as_ref()
        .ok_or("no policy has been received yet")?;
    key.verify(signed, &link.team_id, now)
        .map_err(|e| format!("the cached policy is not usable: {e}"))
}

/// Decides whether `vault` may export in `kind` now.
pub fn authorize_export(vault: &mut Vault, kind: ExportKind) -> Result<ExportGrant, ExportDenied> {
    let Some(mut link) = load(vault)? else {
        return Ok(ExportGrant { kind, team: None });
    };
    let now = Timestamp::now();
    let Some(token) = link.token.clone() else {
        // Logged out: the last policy applies until it expires, then the link is dropped.
        return match cached(&link, now) {
            Ok(st) => {
                let source = PolicySource::Cached {
                    issued_at: st.issued_at,
                    expires_at: st.expires_at,
                };
                decide(&link, &st, kind, source)
            }
            Err(_) => {
                save(vault, None)?;
                Ok(ExportGrant { kind, team: None })
            }
        };
    };
    let no_policy = |reason: String| ExportDenied::NoPolicy {
        team: link.team_name.clone(),
        reason,
    };
    let fetched = Client::new(&link.server_url).and_then(|c| c.policy(&token));
    match fetched {
        Ok(signed) => {
            let key = link.server_key().map_err(|e| no_policy(e.to_string()))?;
            let st = key.verify(&signed, &link.team_id, now).map_err(|e| {
                no_policy(format!(
                    "the server sent a policy that does not verify: {e}"
                ))
            })?;
            link.policy = Some(signed);
            save(vault, Some(&link))?;
            decide(&link, &st, kind, PolicySource::Fresh)
        }
        Err(TeamError::Unauthorized) => Err(ExportDenied::Unauthorized {
            team: link.team_name.clone(),
        }),
        Err(
            e @ (TeamError::Unreachable { .. }
            | TeamError::Server { .. }
            | TeamError::BadResponse { .. }),
        ) => match cached(&link, now) {
            Ok(st) => {
                let source = PolicySource::Cached {
                    issued_at: st.issued_at,
                    expires_at: st.expires_at,
                };
                decide(&link, &st, kind, source)
            }
            Err(why) => Err(no_policy(format!("{e}; {why}"))),
        },
        Err(e) => Err(no_policy(e.to_string())),
    }
}

/// Reports a finished export to the team's audit log (teams only; a no-op otherwise).
pub fn report_export(grant: &ExportGrant, count: usize) -> Result<(), TeamError> {
    let Some(team) = &grant.team else {
        return Ok(());
    };
    let Some(token) = &team.token else {
        return Ok(());
    };
    Client::new(&team.server_url)?.report_export(token, grant.kind, count, Some(team.revision))
}
