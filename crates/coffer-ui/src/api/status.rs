//! `GET /api/status`: where the vault is and which team it follows, for the page's header.

use super::{ApiResult, with_vault};
use crate::State;
use axum::Json;
use axum::extract::State as S;
use serde_json::{Value, json};
use std::sync::Arc;

pub(crate) async fn status(S(state): S<Arc<State>>) -> ApiResult<Value> {
    let vault = state
        .location
        .db_path
        .parent()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let count = with_vault(&state, |v| Ok(coffer_vault::ops::list::list(v)?.len())).await?;
    Ok(Json(json!({
        "vault": vault,
        "secrets": count,
        "tool": coffer_core::export::tool_name(),
    })))
}
