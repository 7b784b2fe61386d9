//! `POST /api/secrets/enable`: enable or disable a secret (as `coffer enable` / `disable`).

use super::{ApiResult, name, with_vault};
use crate::State;
use axum::Json;
use axum::extract::State as S;
use coffer_vault::ops::enable::set_enabled;
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Enable {
    name: String,
    enabled: bool,
}

pub(crate) async fn enable(S(state): S<Arc<State>>, Json(req): Json<Enable>) -> ApiResult<Value> {
    let name = name(&req.name)?;
    let shown = name.to_string();
    with_vault(&state, move |v| Ok(set_enabled(v, &name, req.enabled)?)).await?;
    Ok(Json(json!({ "name": shown, "enabled": req.enabled })))
}
