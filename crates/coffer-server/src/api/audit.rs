//! Audit: exports reported by vaults; the log, for admins.

use super::{ApiError, AppJson, AppQuery, AppState, Caller};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use coffer_api::{AuditLog, ExportReport};
use serde::Deserialize;
use serde_json::json;

/// A vault reports a successful export.
pub async fn report_export(
    State(s): State<AppState>,
    c: Caller,
    AppJson(body): AppJson<ExportReport>,
) -> Result<StatusCode, ApiError> {
    let r = body;
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
