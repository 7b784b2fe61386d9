//! `GET /api/connections`: the external vault connections (as `coffer connections --json`), never
//! a credential.

use super::{ApiResult, with_vault};
use crate::State;
use axum::Json;
use axum::extract::State as S;
use coffer_vault::links::connections::connections as list;
use serde_json::{Value, json};
use std::sync::Arc;

pub(crate) async fn connections(S(state): S<Arc<State>>) -> ApiResult<Value> {
    let items = with_vault(&state, |v| Ok(list(v, coffer_vault::clock::now())?)).await?;
    let items: Vec<Value> = items.iter().map(|c| c.to_json()).collect();
    Ok(Json(json!({ "connections": items })))
}
