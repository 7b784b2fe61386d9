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
    team_id: String,
    server_url: String,
    ca_pem: Option<String>,
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

    /// Whether the vault has logged out of that team (its last policy still applies).
    pub fn logged_out(&self) -> bool {
        self.team.as_ref().is_some_and(|t| t.token.is_none())
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
            team_id: link.team_id.clone(),
            ca_pem: link.ca_pem.clone(),
            token: link.token.clone(),
            revision: st.revision,
            source,
        }),
    })
}

/// The cached policy, if it is in force at `now`: genuinely signed, unexpired, and not older
/// than the highest revision seen. The export gate and `team status` both decide with this.
pub(crate) fn cached(link: &TeamLink, now: Timestamp) -> Result<PolicyStatement, String> {
    let key = link.server_key().map_err(|e| e.to_string())?;
    let signed = link
        .policy
        .as_ref()
        .ok_or("no policy has been received yet")?;
    let st = key
        .verify(signed, &link.team_id, now)
        .map_err(|e| format!("the cached policy is not usable: {e}"))?;
    if st.revision < link.max_revision {
        return Err(format!(
            "the cached policy (revision {}) is older than one already seen",
            st.revision
        ));
    }
    Ok(st)
}

/// When a logged-out vault's signed release takes effect.
pub(crate) fn release_time(link: &TeamLink) -> Option<Timestamp> {
    let key = link.server_key().ok()?;
    key.verify_release(link.release.as_ref()?, &link.team_id, &link.member_id)
        .ok()
        .map(|r| r.effective_at)
}

/// Whether a logged-out vault's signed release is in effect at `now`.
pub(crate) fn released(link: &TeamLink, now: Timestamp) -> bool {
    let (Some(signed), Ok(key)) = (&link.release, link.server_key()) else {
        return false;
    };
    key.verify_release(signed, &link.team_id, &link.member_id)
        .is_ok_and(|r| now >= r.effective_at)
}

pub(crate) fn cached_source(st: &PolicyStatement) -> PolicySource {
    PolicySource::Cached {
        issued_at: st.issued_at,
        expires_at: st.expires_at,
    }
}

/// Decides whether `vault` may export in `kind` now.
pub fn authorize_export(vault: &mut Vault, kind: ExportKind) -> Result<ExportGrant, ExportDenied> {
    let Some(mut link) = load(vault)? else {
        return Ok(ExportGrant { kind, team: None });
    };
    let now = crate::clock::now();
    let no_policy = |link: &TeamLink, reason: String| ExportDenied::NoPolicy {
        team: link.team_name.clone(),
        reason,
    };
    let Some(token) = link.token.clone() else {
        // Logged out: the last policy applies until it expires; the vault is free only once the
        // server's signed release is in effect. Anything else (an expired or edited policy, a
        // clock set back) refuses.
        return match cached(&link, now) {
            Ok(st) => decide(&link, &st, kind, cached_source(&st)),
            Err(_) if released(&link, now) => {
                save(vault, None)?;
                Ok(ExportGrant { kind, team: None })
            }
            Err(why) => Err(no_policy(
                &link,
                format!("this vault left the team and is not released yet ({why})"),
            )),
        };
    };
    match fetch_policy(&link, &token) {
        Ok((client, signed)) => {
            let key = link
                .server_key()
                .map_err(|e| no_policy(&link, e.to_string()))?;
            let st = key.verify(&signed, &link.team_id, now).map_err(|e| {
                no_policy(
                    &link,
                    format!("the server sent a policy that does not verify: {e}"),
                )
            })?;
            link.accept_policy(&st, signed)
                .map_err(|e| no_policy(&link, e.to_string()))?;
            flush_pending(&client, &token, &mut link);
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
            Ok(st) => decide(&link, &st, kind, cached_source(&st)),
            Err(why) => Err(no_policy(&link, format!("{e}; {why}"))),
        },
        Err(e) => Err(no_policy(&link, e.to_string())),
    }
}

/// Asks the server for the signed policy; the client is kept for follow-up requests.
pub(crate) fn fetch_policy(
    link: &TeamLink,
    token: &SecretString,
) -> Result<(Client, coffer_core::policy::SignedPolicy), TeamError> {
    let client = Client::for_link(link)?;
    let signed = client.policy(token)?;
    Ok((client, signed))
}

/// Sends reports queued while the server was unreachable (best effort; kept on failure).
pub(crate) fn flush_pending(client: &Client, token: &SecretString, link: &mut TeamLink) {
    let mut sent = Vec::new();
    link.pending_reports.retain(|p| {
        let failed = client
            .report_export(
                token,
                p.format,
                p.secret_count,
                Some(p.policy_revision),
                p.vault_changes.zip(p.vault_anchor.clone()),
            )
            .is_err();
        if !failed {
            sent.push(p.id.clone());
        }
        failed
    });
    link.sent_reports.extend(sent);
}

/// What happened to the audit report of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reported {
    /// Not in a team: nothing to report.
    NotApplicable,
    /// Recorded by the server.
    Recorded,
    /// The server could not be reached: queued, sent with the next request that reaches it.
    Queued,
    /// Logged out: there is no token to report with.
    NotRecorded,
}

/// Reports a finished export to the team's audit log, or queues it if the server is unreachable.
pub fn report_export(
    vault: &mut Vault,
    grant: &ExportGrant,
    count: usize,
) -> Result<Reported, StoreError> {
    let Some(team) = &grant.team else {
        return Ok(Reported::NotApplicable);
    };
    let Some(token) = &team.token else {
        return Ok(Reported::NotRecorded);
    };
    // The vault's change counter goes with the report: the server's audit log is the anchor
    // that tells a vault restored from an older copy of its file (`docs/storage.md`).
    let changes = vault.read(|r| Ok::<_, StoreError>(r.digest().counter))?;
    let anchor = vault.keyed_name("audit-anchor", &team.team_id);
    let sent = Client::new(&team.server_url, team.ca_pem.as_deref()).and_then(|c| {
        c.report_export(
            token,
            grant.kind,
            count,
            Some(team.revision),
            Some((changes, anchor.clone())),
        )
    });
    if sent.is_ok() {
        return Ok(Reported::Recorded);
    }
    if let Some(mut link) = load(vault)? {
        link.pending_reports.push(super::PendingReport {
            id: super::report_id(),
            format: grant.kind,
            secret_count: count,
            policy_revision: team.revision,
            at: crate::clock::now(),
            vault_changes: Some(changes),
            vault_anchor: Some(anchor),
        });
        save(vault, Some(&link))?;
    }
    Ok(Reported::Queued)
}

/// What to tell the user after an export besides the count, in the same words in every front
/// end: which policy allowed it when the server was not asked, and what became of the audit
/// report.
pub fn export_notes(grant: &ExportGrant, reported: &Result<Reported, StoreError>) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some((
        team,
        PolicySource::Cached {
            issued_at,
            expires_at,
        },
    )) = grant.team()
    {
        notes.push(if grant.logged_out() {
            format!(
                "This vault left team {team:?}; its last policy (signed at {issued_at}, valid until {expires_at}) still applies and allowed this export."
            )
        } else {
            format!(
                "The team server could not be asked: this export followed team {team:?}'s policy signed at {issued_at} (valid until {expires_at})."
            )
        });
    }
    match reported {
        Ok(Reported::NotApplicable | Reported::Recorded) => {}
        Ok(Reported::Queued) => notes.push(
            "The export could not be recorded in the team's audit log yet; it will be sent when the server can be reached.".into(),
        ),
        Ok(Reported::NotRecorded) => notes.push(
            "This vault has left its team, so the export was not recorded in the team's audit log.".into(),
        ),
        Err(e) => notes.push(format!(
            "warning: the export could not be queued for the team's audit log: {e}"
        )),
    }
    notes
}
