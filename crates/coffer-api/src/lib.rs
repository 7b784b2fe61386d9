//! The team server's API on the wire (`docs/openapi.yaml`): every request and response body,
//! used by the server's handlers and by the vault's client, so the two cannot drift apart. A
//! test checks the OpenAPI document against these types.
//!
//! Each type's name is the name of its schema under `components/schemas` in the document.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use coffer_core::policy::SignedPolicy;
use coffer_core::policy::{ExportKind, Plan, Role};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// `GET /v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Health {
    /// Always `"ok"`.
    pub status: String,
}

/// `GET /v1/server-key`: the key that signs policies, which vaults pin at login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServerKey {
    /// Base64 Ed25519 public key.
    pub public_key: String,
    /// `SHA256:` and unpadded base64 of SHA-256 of the key (vaults compute it themselves).
    pub fingerprint: String,
    /// Always `"ed25519"`.
    pub algorithm: String,
}

/// A member of a team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// Member id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
}

/// A team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Team {
    /// Team id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Plan.
    pub plan: Plan,
}

/// `GET /v1/me`: the caller and their team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Me {
    /// The caller.
    pub member: Member,
    /// Their team.
    pub team: Team,
}

/// The export setting as sent to the server: a list, so a repeated format can be refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportSetting {
    /// Whether members may export at all.
    pub enabled: bool,
    /// Allowed formats, each at most once; not empty when enabled.
    pub formats: Vec<ExportKind>,
}

/// `PUT /v1/policy/vault`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetPolicyRequest {
    /// The new export setting.
    pub export: ExportSetting,
}

/// `GET /v1/members`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberList {
    /// Members not revoked.
    pub members: Vec<Member>,
}

/// `POST /v1/members`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    /// The new member's name.
    pub name: String,
    /// Their role.
    pub role: Role,
}

/// An API token on the wire: redacted in `Debug`, exposed only when serialised.
#[derive(Clone)]
pub struct ApiToken(pub SecretString);

impl From<&str> for ApiToken {
    fn from(s: &str) -> Self {
        Self(SecretString::from(s))
    }
}

impl std::fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiToken([REDACTED])")
    }
}

impl Serialize for ApiToken {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.expose_secret())
    }
}

impl<'de> Deserialize<'de> for ApiToken {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self(SecretString::from(String::deserialize(d)?)))
    }
}

/// The answer to `POST /v1/members`: the member and their API token, shown once.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Invitation {
    /// The new member.
    pub member: Member,
    /// Their API token (the server keeps only its SHA-256).
    pub token: ApiToken,
}

/// `POST /v1/audit/exports`: a vault reports a successful export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExportReport {
    /// The format exported.
    pub format: ExportKind,
    /// How many secrets.
    pub secret_count: u64,
    /// The policy revision that allowed it.
    #[serde(default)]
    pub policy_revision: Option<i64>,
    /// The vault's change counter when it exported (`docs/storage.md`, "Vault digest"): the
    /// server keeps the highest each member reported, so a vault restored from an older copy of
    /// its file is flagged in the audit log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vault_changes: Option<u64>,
    /// Which of the member's vaults reports (a stable keyed id, 64 hex digits, that says nothing
    /// else about the vault): the highest counter is kept per vault.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vault_anchor: Option<String>,
}

/// One audit entry, with its place in the team's hash chain (`coffer_core::audit`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuditEntry {
    /// Its place in the team's chain, from 1.
    pub seq: i64,
    /// Microseconds since the Unix epoch.
    pub at_micros: i64,
    /// Who (member id), if a member acted.
    pub actor_id: Option<String>,
    /// Who (member name), if a member acted.
    pub actor_name: Option<String>,
    /// What: `policy.set`, `vault.export`, `member.add`, `team.plan`, `member.release`.
    pub action: String,
    /// Details: the JSON text exactly as stored and hashed.
    pub detail: String,
    /// The previous entry's hash (hex; 64 zeros for the first).
    pub prev_hash: String,
    /// This entry's hash (hex).
    pub hash: String,
    /// The server's Ed25519 signature of the hash (hex).
    pub signature: String,
}

impl AuditEntry {
    /// The entry as its chain sees it, for `coffer_core::audit::verify_run`; `None` if a chain
    /// field is not well-formed hex.
    pub fn chained<'a>(&'a self, team_id: &'a str) -> Option<coffer_core::audit::Chained<'a>> {
        let h = |s: &str| {
            coffer_core::hex::decode(s)
                .ok()
                .and_then(|b| b.try_into().ok())
        };
        Some(coffer_core::audit::Chained {
            link: coffer_core::audit::Link {
                team_id,
                seq: self.seq,
                at_micros: self.at_micros,
                actor_id: self.actor_id.as_deref(),
                actor_name: self.actor_name.as_deref(),
                action: &self.action,
                detail: &self.detail,
            },
            prev_hash: h(&self.prev_hash)?,
            hash: h(&self.hash)?,
            signature: coffer_core::hex::decode(&self.signature).ok()?,
        })
    }
}

/// The head of a team's audit chain: its last entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuditHead {
    /// The last entry's place (0: no entry yet).
    pub seq: i64,
    /// Its hash (hex).
    pub hash: String,
}

/// `GET /v1/audit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuditLog {
    /// The entries asked for, oldest first.
    pub entries: Vec<AuditEntry>,
    /// The chain's head when the page was read.
    pub head: AuditHead,
    /// The cursor for the next page, if there may be more: `before=` for the newest-first
    /// pages, `after=` when walking the chain forward.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<i64>,
}

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorDetail {
    /// Machine-readable: `bad_request`, `unauthorized`, `forbidden`, `plan`, `not_found`,
    /// `method_not_allowed`, `conflict`, `too_large`, `timeout`, `internal`.
    pub code: String,
    /// For people.
    pub message: String,
}

/// Every answer other than 2xx.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Error {
    /// What went wrong.
    pub error: ErrorDetail,
}
