//! `POST /api/reset`: delete every secret and make a new vault key (as `coffer reset`), for a
//! lost key; the page asks for the words "reset vault" first.

use super::{ApiError, ApiResult};
use crate::State;
use axum::Json;
use axum::extract::State as S;
use coffer_vault::KeySource;
use coffer_vault::ops::reset::reset as reset_vault;
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Reset {
    /// Must be `reset vault`: typed by the user.
    confirm: String,
}

pub(crate) async fn reset(S(state): S<Arc<State>>, Json(req): Json<Reset>) -> ApiResult<Value> {
    if req.confirm != "reset vault" {
        return Err(ApiError::invalid(
            "resetting the vault needs the words \"reset vault\"",
            "nothing was changed",
        ));
    }
    if matches!(state.key, KeySource::Env(_)) {
        // The server would go on using the old key from the environment for every request.
        return Err(ApiError::invalid(
            "the vault key comes from COFFER_VAULT_KEY, which a reset cannot change",
            "run `coffer reset` in a terminal, then update COFFER_VAULT_KEY; nothing was changed",
        ));
    }
    let st = state.clone();
    let report = tokio::task::spawn_blocking(move || {
        reset_vault(&st.location, &st.key_path).map_err(ApiError::from)
    })
    .await
    .map_err(|_| ApiError::invalid("the reset failed unexpectedly", "see the terminal"))??;
    Ok(Json(json!({
        "deleted": report.deleted,
        "keyFile": report.key_path.display().to_string(),
    })))
}
