//! `GET /api/status`: where the vault is, for the page's header (the count comes from the list).

use super::ApiResult;
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
    Ok(Json(json!({
        "vault": vault,
        "tool": coffer_core::export::tool_name(),
    })))
}
