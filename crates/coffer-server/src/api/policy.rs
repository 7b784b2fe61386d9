//! The vault export policy: read (any member, signed) and change (admins, not on the free plan).

use super::{ApiError, AppJson, AppState, Caller};
use axum::Json;
use axum::extract::State;
use coffer_api::{ExportSetting, SetPolicyRequest};
use coffer_core::Timestamp;
use coffer_core::policy::{ExportKind, ExportPolicy, POLICY_FORMAT, PolicyStatement, SignedPolicy};

/// The signed effective policy of the caller's team.
pub async fn get_policy(
    State(s): State<AppState>,
    c: Caller,
) -> Result<Json<SignedPolicy>, ApiError> {
    Ok(Json(signed(&s, &c).await?))
}

pub(super) async fn signed(s: &AppState, c: &Caller) -> Result<SignedPolicy, ApiError> {
    let settings = s.db.vault_settings(&c.team.id).await?;
    // On the free plan the setting cannot be changed: export stays allowed in both formats.
    let export = if c.team.plan.can_set_export_policy() {
        settings.export
    } else {
        ExportPolicy::allow_all()
    };
    let now = crate::clock::now();
    let st = PolicyStatement {
        format: POLICY_FORMAT.into(),
        version: 1,
        team_id: c.team.id.clone(),
        team_name: c.team.name.clone(),
        plan: c.team.plan,
        resource: "vault".into(),
        export,
        revision: settings.revision,
        issued_at: now,
        expires_at: Timestamp::from_unix(now.unix().saturating_add(s.policy_ttl)).unwrap_or(now),
    };
    Ok(s.key.sign(&st))
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
) -> Result<Json<SignedPolicy>, ApiError> {
    c.require_admin("change the vault export policy")?;
    if !c.team.plan.can_set_export_policy() {
        return Err(ApiError::plan(
            "the free plan cannot change the vault export policy (export stays allowed in both formats); upgrade to the team or enterprise plan",
        ));
    }
    let export = into_policy(body.export)?;
    s.db.set_vault_export(&c.team.id, &export, &c.member)
        .await?;
    Ok(Json(signed(&s, &c).await?))
}
