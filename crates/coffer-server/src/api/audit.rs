//! Audit: exports reported by vaults; the log, for admins.

use super::{ApiError, AppJson, AppQuery, AppState, Caller};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use coffer_api::{AuditLog, ExportReport};
use serde::Deserialize;
use serde_json::json;

/// The most secrets one export report may claim: far above any vault Coffer can export, low
/// enough that a made-up count stands out.
pub const MAX_REPORTED_SECRETS: u64 = 100_000_000;

/// A vault reports a successful export. The report must be one a vault could make: a policy
/// revision this team's policy has had (0 to the current one), a count within bounds. Anything
/// else is refused, not logged (a member could otherwise fill the log with made-up entries).
pub async fn report_export(
    State(s): State<AppState>,
    c: Caller,
    AppJson(body): AppJson<ExportReport>,
) -> Result<StatusCode, ApiError> {
    let r = body;
    if r.secret_count > MAX_REPORTED_SECRETS {
        return Err(ApiError::bad_request(format!(
            "secretCount {} is more than any vault exports (at most {MAX_REPORTED_SECRETS})",
            r.secret_count
        )));
    }
    if let Some(rev) = r.policy_revision {
        let current = s.db.vault_settings(&c.team.id).await?.revision;
        if !(0..=current).contains(&rev) {
            return Err(ApiError::bad_request(format!(
                "policyRevision {rev} is not a revision of this team's policy (0 to {current})"
            )));
        }
    }
    s.db.audit(
        &c.team.id,
        Some(&c.member),
        "vault.export",
        &json!({"format": r.format, "secretCount": r.secret_count, "policyRevision": r.policy_revision}),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct Page {
    limit: Option<i64>,
}

/// The newest entries (default 100, at most 1000), oldest first.
pub async fn list(
    State(s): State<AppState>,
    c: Caller,
    AppQuery(p): AppQuery<Page>,
) -> Result<Json<AuditLog>, ApiError> {
    c.require_admin("read the audit log")?;
    let limit = p.limit.unwrap_or(100).clamp(1, 1000);
    let entries = s.db.audit_log(&c.team.id, limit).await?;
    Ok(Json(AuditLog { entries }))
}
