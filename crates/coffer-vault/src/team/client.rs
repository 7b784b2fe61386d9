//! The team server's HTTP API, as the vault uses it (blocking; 10 s per request; no redirects).

use super::{TeamError, bearer};
use coffer_core::policy::{ExportKind, ExportPolicy, Plan, Role, SignedPolicy};
use reqwest::Url;
use reqwest::blocking::{RequestBuilder, Response};
use secrecy::SecretString;
use serde::Deserialize;
use std::time::Duration;

/// Where a page of the audit log starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor {
    /// The newest entries.
    Newest,
    /// The entries before this place, newest first.
    Before(i64),
    /// The entries after this place, oldest first.
    After(i64),
}

/// Per-request time limit.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// A client for one server.
pub struct Client {
    base: Url,
    http: reqwest::blocking::Client,
}

/// `GET /v1/server-key` (its fingerprint is computed here, not taken from the server).
pub type ServerKeyInfo = coffer_api::ServerKey;

/// `GET /v1/me`, flattened.
#[derive(Debug, Clone)]
pub struct Me {
    /// Member id.
    pub member_id: String,
    /// Member name.
    pub member_name: String,
    /// Role.
    pub role: Role,
    /// Team id.
    pub team_id: String,
    /// Team name.
    pub team_name: String,
    /// Plan.
    pub plan: Plan,
}

impl Client {
    /// A client for the server of a vault's team link, trusting only its pinned CA if it has
    /// one.
    pub fn for_link(link: &super::TeamLink) -> Result<Self, TeamError> {
        Self::new(&link.server_url, link.ca_pem.as_deref())
    }

    /// A client for `server_url` (https, or http to loopback only); with `ca_pem`, the server's
    /// certificate must chain to one of those CA certificates and to nothing else.
    pub fn new(server_url: &str, ca_pem: Option<&str>) -> Result<Self, TeamError> {
        let base = Url::parse(server_url.trim_end_matches('/')).map_err(|_| TeamError::BadUrl {
            reason: "not a valid URL",
        })?;
        crate::ops::import::url::check(&base).map_err(|reason| TeamError::BadUrl { reason })?;
        if !base.username().is_empty() || base.password().is_some() || base.query().is_some() {
            return Err(TeamError::BadUrl {
                reason: "give the server's base URL without credentials or query",
            });
        }
        let mut builder = reqwest::blocking::Client::builder();
        if crate::ops::import::url::is_loopback(&base) {
            // The token must not travel to a proxy (HTTP_PROXY) on its way to this machine.
            builder = builder.no_proxy();
        }
        if let Some(pem) = ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
                .ok()
                .filter(|c| !c.is_empty())
                .ok_or(TeamError::BadCa)?;
            builder = builder.tls_certs_only(certs);
        }
        let http = builder
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(coffer_core::export::tool_name())
            .build()
            .map_err(|e| TeamError::Unreachable {
                server: server_url.to_string(),
                reason: e.without_url().to_string(),
            })?;
        Ok(Self { base, http })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base.as_str().trim_end_matches('/'))
    }

    /// A request to `path` carrying the API token.
    fn authed(&self, method: reqwest::Method, path: &str, token: &SecretString) -> RequestBuilder {
        self.http
            .request(method, self.url(path))
            .header("authorization", bearer(token))
    }

    fn send(&self, req: RequestBuilder) -> Result<Response, TeamError> {
        let resp = req.send().map_err(|e| TeamError::Unreachable {
            server: self.base.to_string(),
            reason: {
                let e = e.without_url();
                let mut r = e.to_string();
                let mut src = std::error::Error::source(&e);
                while let Some(s) = src {
                    r = format!("{r}: {s}");
                    src = s.source();
                }
                r
            },
        })?;
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let body: Option<coffer_api::Error> = resp.json().ok();
        let (code, message) = body
            .map(|b| (b.error.code, b.error.message))
            .unwrap_or_else(|| (String::new(), "no message".into()));
        let message = message
            .chars()
            .filter(|c| !c.is_control())
            .take(300)
            .collect::<String>();
        Err(match (status.as_u16(), code.as_str()) {
            (401, _) => TeamError::Unauthorized,
            (403, "plan") => TeamError::Plan { message },
            (403, _) => TeamError::Forbidden { message },
            (s, _) => TeamError::Server { status: s, message },
        })
    }

    fn json<T: for<'de> Deserialize<'de>>(
        resp: Response,
        what: &'static str,
    ) -> Result<T, TeamError> {
        resp.json().map_err(|_| TeamError::BadResponse { what })
    }

    /// The server's policy key.
    pub fn server_key(&self) -> Result<ServerKeyInfo, TeamError> {
        let r = self.send(self.http.get(self.url("/v1/server-key")))?;
        Self::json(r, "server key")
    }

    /// Who the token belongs to.
    pub fn me(&self, token: &SecretString) -> Result<Me, TeamError> {
        let r = self.send(self.authed(reqwest::Method::GET, "/v1/me", token))?;
        let me: coffer_api::Me = Self::json(r, "member")?;
        Ok(Me {
            member_id: me.member.id,
            member_name: me.member.name,
            role: me.member.role,
            team_id: me.team.id,
            team_name: me.team.name,
            plan: me.team.plan,
        })
    }

    /// The signed vault policy.
    pub fn policy(&self, token: &SecretString) -> Result<SignedPolicy, TeamError> {
        let r = self.send(self.authed(reqwest::Method::GET, "/v1/policy/vault", token))?;
        Self::json(r, "signed policy")
    }

    /// Changes the vault export policy (admins).
    pub fn set_policy(
        &self,
        token: &SecretString,
        export: &ExportPolicy,
    ) -> Result<SignedPolicy, TeamError> {
        let r = self.send(
            self.authed(reqwest::Method::PUT, "/v1/policy/vault", token)
                .json(&coffer_api::SetPolicyRequest {
                    export: coffer_api::ExportSetting {
                        enabled: export.enabled,
                        formats: export.formats.iter().copied().collect(),
                    },
                }),
        )?;
        Self::json(r, "signed policy")
    }

    /// Invites a member; returns the member's one-time token.
    pub fn invite(
        &self,
        token: &SecretString,
        name: &str,
        role: Role,
    ) -> Result<SecretString, TeamError> {
        let r = self.send(
            self.authed(reqwest::Method::POST, "/v1/members", token)
                .json(&coffer_api::InviteRequest {
                    name: name.to_string(),
                    role,
                }),
        )?;
        let inv: coffer_api::Invitation = Self::json(r, "invitation")?;
        Ok(inv.token.0)
    }

    /// The team's members, not revoked (admins).
    pub fn members(&self, token: &SecretString) -> Result<Vec<coffer_api::Member>, TeamError> {
        let r = self.send(self.authed(reqwest::Method::GET, "/v1/members", token))?;
        let list: coffer_api::MemberList = Self::json(r, "member list")?;
        Ok(list.members)
    }

    /// Reports a successful export to the audit log.
    pub fn report_export(
        &self,
        token: &SecretString,
        kind: ExportKind,
        count: usize,
        revision: Option<i64>,
        vault_changes: Option<(u64, String)>,
    ) -> Result<(), TeamError> {
        self.send(
            self.authed(reqwest::Method::POST, "/v1/audit/exports", token)
                .json(&coffer_api::ExportReport {
                    format: kind,
                    secret_count: count as u64,
                    policy_revision: revision,
                    vault_changes: vault_changes.as_ref().map(|v| v.0),
                    vault_anchor: vault_changes.map(|v| v.1),
                }),
        )?;
        Ok(())
    }

    /// A page of the audit log (admins).
    pub fn audit(
        &self,
        token: &SecretString,
        limit: u32,
        cursor: Cursor,
    ) -> Result<coffer_api::AuditLog, TeamError> {
        let query = match cursor {
            Cursor::Newest => format!("/v1/audit?limit={limit}"),
            Cursor::Before(s) => format!("/v1/audit?limit={limit}&before={s}"),
            Cursor::After(s) => format!("/v1/audit?limit={limit}&after={s}"),
        };
        let r = self.send(self.authed(reqwest::Method::GET, &query, token))?;
        Self::json(r, "audit log")
    }

    /// Revokes the token; returns the server's signed release.
    pub fn logout(&self, token: &SecretString) -> Result<SignedPolicy, TeamError> {
        let r = self.send(self.authed(reqwest::Method::DELETE, "/v1/session", token))?;
        Self::json(r, "signed release")
    }
}
