//! The vault export policy: read (any member, signed) and change (admins, not on the free plan).

use super::{ApiError, AppJson, AppState, Caller};
use crate::db::{Team, VaultSettings};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use coffer_api::{ExportSetting, SetPolicyRequest};
use coffer_core::Timestamp;
use coffer_core::policy::{ExportKind, ExportPolicy, POLICY_FORMAT, Plan, PolicyStatement};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The signed effective policy of the caller's team (one database query: the caller's).
pub async fn get_policy(State(s): State<AppState>, c: Caller) -> Response {
    json_body(signed(&s, &c.team, &c.settings))
}

fn json_body(body: Arc<[u8]>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        axum::body::Bytes::from_owner(body),
    )
        .into_response()
}

/// What a signed statement says, but for its times: a statement is reused only for the same.
#[derive(Clone, PartialEq, Eq)]
struct Said {
    team_name: String,
    plan: Plan,
    revision: i64,
    export: ExportPolicy,
}

struct Cached {
    said: Said,
    issued_at: Timestamp,
    /// The statement as sent (JSON).
    body: Arc<[u8]>,
}

/// Signed policy statements by team id. Signing (Ed25519) and serialising happen once per team,
/// policy revision and quarter of the validity period, not once per request: a statement is
/// sent again while at least three quarters of its validity remain, so a client always gets
/// most of the offline period it is promised. Anything a statement says that changes (plan,
/// name, revision, export setting) makes a new one at once: the cache is keyed by all of it,
/// read fresh from the database with the caller, so replicas never serve a stale policy.
#[derive(Default)]
pub struct PolicyCache(Mutex<HashMap<String, Cached>>);

/// Teams whose statements are kept; past that the cache starts over (it only saves work).
const CACHED_TEAMS: usize = 10_000;

impl PolicyCache {
    fn get(&self, team_id: &str, said: &Said, now: Timestamp, ttl: i64) -> Option<Arc<[u8]>> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let c = map.get(team_id)?;
        let age = now.unix() - c.issued_at.unix();
        (c.said == *said && (0..ttl / 4).contains(&age)).then(|| c.body.clone())
    }

    fn put(&self, team_id: &str, cached: Cached) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= CACHED_TEAMS && !map.contains_key(team_id) {
            map.clear();
        }
        map.insert(team_id.to_string(), cached);
    }
}

/// The signed effective policy of `team` with `settings`, as JSON.
pub(super) fn signed(s: &AppState, team: &Team, settings: &VaultSettings) -> Arc<[u8]> {
    // On the free plan the setting cannot be changed: export stays allowed in both formats.
    let export = if team.plan.can_set_export_policy() {
        settings.export.clone()
    } else {
        ExportPolicy::allow_all()
    };
    let said = Said {
        team_name: team.name.clone(),
        plan: team.plan,
        revision: settings.revision,
        export,
    };
    let now = crate::clock::now();
    if let Some(body) = s.policies.get(&team.id, &said, now, s.policy_ttl) {
        return body;
    }
    let st = PolicyStatement {
        format: POLICY_FORMAT.into(),
        version: 1,
        team_id: team.id.clone(),
        team_name: said.team_name.clone(),
        plan: said.plan,
        resource: "vault".into(),
        export: said.export.clone(),
        revision: said.revision,
        issued_at: now,
        expires_at: Timestamp::from_unix(now.unix().saturating_add(s.policy_ttl)).unwrap_or(now),
    };
    let body: Arc<[u8]> = serde_json::to_vec(&s.key.sign(&st))
        .expect("a signed policy serialises")
        .into();
    s.policies.put(
        &team.id,
        Cached {
            said,
            issued_at: now,
            body: body.clone(),
        },
    );
    body
}

/// The setting as sent (a list) as a policy (a set): a repeated format is refused, not merged.
fn into_policy(setting: ExportSetting) -> Result<ExportPolicy, ApiError> {
    let n = setting.formats.len();
    let formats: std::collections::BTreeSet<ExportKind> = setting.formats.into_iter().collect();
    if formats.len() != n {
        return Err(ApiError::bad_request(
            "export.formats lists a format more than once",
        ));
    }
    let policy = ExportPolicy {
        enabled: setting.enabled,
        formats,
    };
    policy
        .validate()
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    Ok(policy)
}

/// Changes `export.enabled` / `export.formats`.
pub async fn set_policy(
    State(s): State<AppState>,
    c: Caller,
    AppJson(body): AppJson<SetPolicyRequest>,
) -> Result<Response, ApiError> {
    c.require_admin("change the vault export policy")?;
    if !c.team.plan.can_set_export_policy() {
        return Err(ApiError::plan(
            "the free plan cannot change the vault export policy (export stays allowed in both formats); upgrade to the team or enterprise plan",
        ));
    }
    let export = into_policy(body.export)?;
    let settings =
        s.db.set_vault_export(&c.team.id, &export, &c.member)
            .await?;
    Ok(json_body(signed(&s, &c.team, &settings)))
}
