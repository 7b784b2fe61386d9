//! Audit: exports reported by vaults; the log, for admins.

use super::{ApiError, AppJson, AppQuery, AppState, Caller};
use crate::db::audit::Page;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use coffer_api::{AuditHead, AuditLog, ExportReport};
use serde::Deserialize;

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
    if r.vault_anchor
        .as_ref()
        .is_some_and(|a| a.len() != 64 || !a.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return Err(ApiError::bad_request(
            "vaultAnchor is 64 hexadecimal digits",
        ));
    }
    if let Some(rev) = r.policy_revision {
        let current = c.settings.revision;
        if !(0..=current).contains(&rev) {
            return Err(ApiError::bad_request(format!(
                "policyRevision {rev} is not a revision of this team's policy (0 to {current})"
            )));
        }
    }
    // A member who reports more often than any person exports is slowed down (per replica), so
    // made-up reports cannot push real entries out of sight.
    s.limits
        .reports
        .take(&c.member.id, std::time::Instant::now())
        .map_err(|wait| {
            ApiError::too_many(
                "too many export reports from this member; try again later",
                wait,
            )
        })?;
    s.db.report_export(&c.team.id, &c.member, &r).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    limit: Option<i64>,
    /// Entries before this place (newest first, for reading back through the log).
    before: Option<i64>,
    /// Entries after this place (oldest first, for walking the chain forward).
    after: Option<i64>,
}

/// A page of the log (default the newest 100, at most 1000 per page), oldest first, with the
/// chain's head and the cursor of the next page.
pub async fn list(
    State(s): State<AppState>,
    c: Caller,
    AppQuery(p): AppQuery<PageQuery>,
) -> Result<Json<AuditLog>, ApiError> {
    c.require_admin("read the audit log")?;
    let limit = p.limit.unwrap_or(100).clamp(1, 1000);
    let page = match (p.before, p.after) {
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request("give before or after, not both"));
        }
        (Some(b), None) => Page::Before(b, limit),
        (None, Some(a)) => Page::After(a, limit),
        (None, None) => Page::Newest(limit),
    };
    // The head first: a page read after it may hold newer entries, never fewer.
    let (seq, hash) = s.db.audit_head(&c.team.id).await?;
    let entries = s.db.audit_log(&c.team.id, page).await?;
    let full = entries.len() as i64 == limit;
    let next = match page {
        Page::After(..) => entries.last().filter(|_| full).map(|e| e.seq),
        _ => entries.first().filter(|e| full && e.seq > 1).map(|e| e.seq),
    };
    Ok(Json(AuditLog {
        entries,
        head: AuditHead { seq, hash },
        next,
    }))
}
