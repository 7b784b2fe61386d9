//! `GET /api/history`: the changes that can be undone (as `coffer history --json`), never values.

use super::{ApiResult, with_vault};
use crate::State;
use axum::Json;
use axum::extract::State as S;
use coffer_vault::ops::history::list;
use serde_json::{Value, json};
use std::sync::Arc;

pub(crate) async fn history(S(state): S<Arc<State>>) -> ApiResult<Value> {
    let (entries, retention) = with_vault(&state, |v| Ok(list(v)?)).await?;
    Ok(Json(json!({
        "retention": {"keep": retention.keep, "maxAgeDays": retention.max_age_days},
        "entries": entries,
    })))
}
