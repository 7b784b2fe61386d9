//! `POST /api/clear`: remove every secret (as `coffer clear`), after the page confirmed.

use super::{ApiError, ApiResult, with_vault};
use crate::State;
use axum::Json;
use axum::extract::State as S;
use coffer_vault::ops::clear::clear as clear_vault;
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Clear {
    /// Must be true: the page asked.
    confirm: bool,
}

pub(crate) async fn clear(S(state): S<Arc<State>>, Json(req): Json<Clear>) -> ApiResult<Value> {
    if !req.confirm {
        return Err(ApiError::invalid(
            "clearing the vault needs confirmation",
            "nothing was changed",
        ));
    }
    let removed = with_vault(&state, |v| Ok(clear_vault(v)?)).await?;
    Ok(Json(json!({ "removed": removed })))
}
