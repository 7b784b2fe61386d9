//! `GET /api/team/audit`: the newest audit entries (admins; as `coffer team audit`).

use crate::State;
use crate::api::{ApiResult, with_vault};
use axum::Json;
use axum::extract::State as S;
use coffer_vault::team::audit::audit as team_audit;
use serde_json::{Value, json};
use std::sync::Arc;

pub(crate) async fn audit(S(state): S<Arc<State>>) -> ApiResult<Value> {
    let log = with_vault(&state, |v| Ok(team_audit(v, 100, None)?)).await?;
    Ok(Json(json!({
        "entries": log.entries.iter().map(|e| json!({
            "at": coffer_core::Timestamp::from_unix(e.at_micros / 1_000_000).map(|t| t.to_string()),
            "action": e.action,
            "actor": e.actor_name,
            "detail": serde_json::from_str::<Value>(&e.detail).unwrap_or(Value::Null),
        })).collect::<Vec<_>>(),
    })))
}

/// `POST /api/team/audit/verify`: checks the whole log's hash chain and signatures against the
/// pinned server key (admins; as `coffer team audit --verify`), pinning the head it verified.
pub(crate) async fn verify(S(state): S<Arc<State>>) -> ApiResult<Value> {
    let check = with_vault(&state, |v| Ok(coffer_vault::team::audit::verify(v)?)).await?;
    Ok(Json(json!({
        "ok": true,
        "entries": check.entries.len(),
        "head": check.head,
    })))
}
