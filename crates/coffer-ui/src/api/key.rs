//! `POST /api/key`: the vault key, only when the user asks to see or save it (as
//! `coffer key show`).

use super::{ApiError, ApiResult};
use crate::State;
use axum::Json;
use axum::extract::State as S;
use coffer_vault::ops::key::current;
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use std::sync::Arc;

pub(crate) async fn key(S(state): S<Arc<State>>) -> ApiResult<Value> {
    let state = state.clone();
    let key = tokio::task::spawn_blocking(move || {
        current(&state.location, &state.key).map_err(ApiError::from)
    })
    .await
    .map_err(|_| ApiError::invalid("cannot read the key", "see the terminal"))??;
    Ok(Json(json!({ "key": key.encode().expose_secret() })))
}
