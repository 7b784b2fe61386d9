//! `GET /api/verify`: check the whole vault (as `coffer verify --json`).

use super::{ApiResult, with_vault};
use crate::State;
use axum::Json;
use axum::extract::State as S;
use coffer_vault::ops::verify::verify as verify_vault;
use serde_json::{Value, json};
use std::sync::Arc;

pub(crate) async fn verify(S(state): S<Arc<State>>) -> ApiResult<Value> {
    let r = with_vault(&state, |v| Ok(verify_vault(v)?)).await?;
    Ok(Json(json!({
        "ok": true,
        "secrets": r.secrets,
        "stateEntries": r.states,
        "changes": r.changes,
    })))
}
