//! Team membership: a vault joined to a team obeys the team's signed export policy.
//!
//! The link (server, team, member, pinned server key, API token, last signed policy) is kept in
//! the vault database, sealed with a key derived from the vault key.

pub mod audit;
pub mod authorize;
pub mod client;
pub mod invite;
pub mod login;
pub mod logout;
pub mod members;
pub mod policy;
pub mod status;

use crate::store::{StoreError, Vault};
use crate::{Classify, ErrorKind};
use coffer_core::policy::{PolicyError, PolicyStatement, Role, ServerPublicKey, SignedPolicy};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

const STATE_NAME: &str = "team";

/// What the vault knows about its team.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TeamLink {
    /// Server base URL.
    pub server_url: String,
    /// Team id.
    pub team_id: String,
    /// Team name.
    pub team_name: String,
    /// This member's id.
    pub member_id: String,
    /// This member's name.
    pub member_name: String,
    /// This member's role (as of login).
    pub role: Role,
    /// The server's policy key, pinned at login (base64).
    pub server_key: String,
    /// API token; `None` after logout.
    #[serde(with = "crate::secret_serde::opt_secret")]
    pub token: Option<SecretString>,
    /// The last signed policy received.
    pub policy: Option<SignedPolicy>,
    /// Highest policy revision seen: an older one is refused (no rollback to a laxer policy).
    #[serde(default)]
    pub max_revision: i64,
    /// After logout: the server's signed release, in effect from its `effectiveAt`.
    #[serde(default)]
    pub release: Option<SignedPolicy>,
    /// Exports not yet reported to the audit log (the server was unreachable).
    #[serde(default)]
    pub pending_reports: Vec<PendingReport>,
    /// The CA certificate(s) the server's certificate must chain to, pinned at login
    /// (`--cacert`, PEM); `None`: the system's roots.
    #[serde(default)]
    pub ca_pem: Option<String>,
    /// Ids of the queued reports this process sent (not stored): [`save`] drops them even if
    /// another process saved the link with them still queued.
    #[serde(skip)]
    pub sent_reports: Vec<String>,
    /// The audit chain's head as last verified here (`team audit --verify`): a later chain must
    /// still hold this entry with this hash, so a server database rolled back is noticed.
    #[serde(default)]
    pub audit_head: Option<coffer_api::AuditHead>,
}

/// An export waiting to be reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PendingReport {
    /// A random id, so that two processes saving the link agree on which reports are which.
    #[serde(default = "report_id")]
    pub id: String,
    /// Format exported.
    pub format: coffer_core::policy::ExportKind,
    /// Secrets exported.
    pub secret_count: usize,
    /// Policy revision that allowed it.
    pub policy_revision: i64,
    /// When.
    pub at: coffer_core::Timestamp,
    /// The vault's change counter then.
    #[serde(default)]
    pub vault_changes: Option<u64>,
    /// The vault's anchor id in the team then.
    #[serde(default)]
    pub vault_anchor: Option<String>,
}

/// A new report id (16 random bytes, hex).
pub fn report_id() -> String {
    coffer_core::hex::encode(&coffer_core::crypto::random::bytes::<16>())
}

impl std::fmt::Debug for TeamLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TeamLink")
            .field("server_url", &self.server_url)
            .field("team_id", &self.team_id)
            .field("member_name", &self.member_name)
            .field("token", &self.token.as_ref().map(|_| "[REDACTED]"))
            .finish_non_exhaustive()
    }
}

impl TeamLink {
    /// The pinned server key.
    pub fn server_key(&self) -> Result<ServerPublicKey, TeamError> {
        ServerPublicKey::from_base64(&self.server_key)
            .ok_or(TeamError::Store(StoreError::Integrity))
    }

    /// The one rule for taking a freshly received, verified policy: it becomes the cached policy
    /// and raises the highest revision seen, unless it is older than that revision (refused:
    /// no rollback to a laxer policy, from any path: export, status, policy set, login).
    pub fn accept_policy(
        &mut self,
        st: &PolicyStatement,
        signed: SignedPolicy,
    ) -> Result<(), TeamError> {
        if st.revision < self.max_revision {
            return Err(TeamError::RolledBack {
                got: st.revision,
                seen: self.max_revision,
            });
        }
        self.max_revision = st.revision;
        self.policy = Some(signed);
        Ok(())
    }

    /// The API token, or an error after logout.
    pub fn token(&self) -> Result<&SecretString, TeamError> {
        self.token.as_ref().ok_or(TeamError::NotJoined)
    }
}

/// Loads the vault's team link, after checking the set of stored rows against the vault digest:
/// a team link deleted (or put back from an older copy) by someone without the key is noticed
/// here, not taken for "not in a team".
pub fn load(vault: &mut Vault) -> Result<Option<TeamLink>, StoreError> {
    let stored = vault.read(|r| {
        r.verify_rows()?;
        r.state(STATE_NAME)
    })?;
    match stored {
        None => Ok(None),
        Some(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|_| StoreError::Integrity),
    }
}

/// Changes the stored team link in one write transaction (`change` sees what is stored now, so
/// a field set by another process meanwhile, such as a queued export report, is kept); nothing
/// happens when the vault is not in a team.
pub fn update(vault: &mut Vault, change: impl FnOnce(&mut TeamLink)) -> Result<(), StoreError> {
    let mut failed = false;
    vault.update_sealed_state(STATE_NAME, |stored| {
        let bytes = stored?;
        match serde_json::from_slice::<TeamLink>(&bytes) {
            Ok(mut link) => {
                change(&mut link);
                Some(coffer_core::buf::json(&link, false, 0))
            }
            Err(_) => {
                failed = true;
                Some(bytes)
            }
        }
    })?;
    if failed {
        Err(StoreError::Integrity)
    } else {
        Ok(())
    }
}

/// Saves (or with `None` removes) the vault's team link.
pub fn save(vault: &mut Vault, link: Option<&TeamLink>) -> Result<(), StoreError> {
    vault.update_sealed_state(STATE_NAME, |stored| {
        let link = link?;
        let mut link = link.clone();
        let old = stored
            .and_then(|b| serde_json::from_slice::<TeamLink>(&b).ok())
            .filter(|old| old.team_id == link.team_id);
        if let Some(old) = old {
            // Another `coffer` may have taken a newer policy while this one talked to the
            // server: the highest revision seen (and its policy) never goes back.
            if old.max_revision > link.max_revision {
                link.max_revision = old.max_revision;
                link.policy = old.policy;
            }
            // Reports it queued meanwhile stay queued; those this one sent go.
            for p in old.pending_reports {
                let known = link.pending_reports.iter().any(|q| q.id == p.id);
                if !known && !link.sent_reports.contains(&p.id) {
                    link.pending_reports.push(p);
                }
            }
            // The audit head pinned here never goes back.
            if old.audit_head.as_ref().map_or(0, |h| h.seq)
                > link.audit_head.as_ref().map_or(0, |h| h.seq)
            {
                link.audit_head = old.audit_head;
            }
        }
        Some(coffer_core::buf::json(&link, false, 0))
    })
}

/// A team operation failed.
#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    /// The vault is not joined to a team.
    #[error("this vault is not joined to a team")]
    NotJoined,
    /// Already joined (or, after logout, still bound until the release takes effect).
    #[error("this vault is already joined to team {team:?} on {server}")]
    AlreadyJoined {
        /// Team name.
        team: String,
        /// Server URL.
        server: String,
    },
    /// Logged out, but still bound to the team until the release takes effect.
    #[error(
        "this vault left team {team:?} but stays bound to its policy until {until}; until then it can only log in to that team again"
    )]
    Bound {
        /// Team name.
        team: String,
        /// When the release takes effect.
        until: String,
    },
    /// The server URL is refused.
    #[error("invalid team server URL: {reason}")]
    BadUrl {
        /// Why.
        reason: &'static str,
    },
    /// The server could not be reached.
    #[error("cannot reach the team server {server}: {reason}")]
    Unreachable {
        /// Server URL.
        server: String,
        /// Why.
        reason: String,
    },
    /// 401.
    #[error("the team server rejected the API token (401)")]
    Unauthorized,
    /// 403 for the caller's role.
    #[error("{message}")]
    Forbidden {
        /// The server's explanation.
        message: String,
    },
    /// 403 for the team's plan.
    #[error("{message}")]
    Plan {
        /// The server's explanation.
        message: String,
    },
    /// Another error answer.
    #[error("the team server answered {status}: {message}")]
    Server {
        /// HTTP status.
        status: u16,
        /// The server's message.
        message: String,
    },
    /// The answer was not what the API promises.
    #[error("the team server sent an invalid answer ({what})")]
    BadResponse {
        /// What was wrong.
        what: &'static str,
    },
    /// The server's key does not have the fingerprint the user expected.
    #[error("the team server's key fingerprint is {got}, not the expected {expected}")]
    FingerprintMismatch {
        /// Expected.
        expected: String,
        /// Presented.
        got: String,
    },
    /// The user did not confirm the server's key.
    #[error("the team server's key was not confirmed; nothing was saved")]
    NotConfirmed,
    /// The server sent a genuinely signed policy older than one this vault already saw (a server
    /// restored from an old backup, or a replay): it is not used.
    #[error(
        "the team server sent policy revision {got}, older than revision {seen} already seen; it is not used"
    )]
    RolledBack {
        /// The revision sent.
        got: i64,
        /// The highest revision seen.
        seen: i64,
    },
    /// The `--cacert` file holds no PEM certificate.
    #[error("the CA file holds no PEM certificate")]
    BadCa,
    /// The team's audit log is not the chain the server wrote.
    #[error("the team's audit log was changed outside the server: {0}")]
    AuditBroken(String),
    /// A signed policy did not verify.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// Vault storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Classify for TeamError {
    fn kind(&self) -> ErrorKind {
        match self {
            TeamError::NotJoined => ErrorKind::NotJoined,
            TeamError::AlreadyJoined { .. } => ErrorKind::AlreadyExists,
            TeamError::Bound { .. } => ErrorKind::Denied,
            TeamError::BadUrl { .. } | TeamError::FingerprintMismatch { .. } | TeamError::BadCa => {
                ErrorKind::InvalidInput
            }
            TeamError::Server { status: 409, .. } => ErrorKind::Conflict,
            TeamError::Server {
                status: 400 | 413 | 415 | 422,
                ..
            } => ErrorKind::InvalidInput,
            TeamError::Unreachable { .. } | TeamError::Server { .. } => ErrorKind::Io,
            TeamError::BadResponse { .. } | TeamError::Policy(_) | TeamError::AuditBroken(_) => {
                ErrorKind::Integrity
            }
            TeamError::Unauthorized => ErrorKind::Unauthorized,
            TeamError::Forbidden { .. } => ErrorKind::Forbidden,
            TeamError::Plan { .. } | TeamError::RolledBack { .. } => ErrorKind::Denied,
            TeamError::NotConfirmed => ErrorKind::Cancelled,
            TeamError::Store(e) => e.kind(),
        }
    }
}

/// The `Authorization` header for a token, marked sensitive: hyper and reqwest leave it out of
/// `Debug` output and HTTP/2 header compression tables. It goes only into requests.
pub(crate) fn bearer(token: &SecretString) -> reqwest::header::HeaderValue {
    let text = zeroize::Zeroizing::new(format!("Bearer {}", token.expose_secret()));
    // A token with characters no header can carry cannot be valid: send one the server refuses
    // (401), so the user hears "token rejected".
    let mut value = reqwest::header::HeaderValue::from_str(&text)
        .unwrap_or_else(|_| reqwest::header::HeaderValue::from_static("Bearer invalid"));
    value.set_sensitive(true);
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_header_is_sensitive_and_never_in_debug_output() {
        let token = SecretString::from("cft_0123456789abcdef_SUPERSECRETTOKENVALUE");
        let h = bearer(&token);
        assert!(h.is_sensitive());
        let req = reqwest::blocking::Client::new()
            .get("http://127.0.0.1:9/v1/me")
            .header("authorization", h)
            .build()
            .unwrap();
        let shown = format!("{req:?} {:?}", req.headers());
        assert!(!shown.contains("SUPERSECRET"), "{shown}");
        let bad = bearer(&SecretString::from("line\nbreak"));
        assert!(bad.is_sensitive());
        assert_eq!(bad.to_str().unwrap(), "Bearer invalid");
    }
}
