//! `POST /api/secrets/remove`: delete a secret, or one environment's value (as `coffer rm`).

use super::{ApiResult, environment, name, with_vault};
use crate::State;
use axum::Json;
use axum::extract::State as S;
use coffer_vault::ops::remove::remove as remove_secret;
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Remove {
    name: String,
    environment: Option<String>,
}

pub(crate) async fn remove(S(state): S<Arc<State>>, Json(req): Json<Remove>) -> ApiResult<Value> {
    let name = name(&req.name)?;
    let env = environment(req.environment.as_deref())?;
    let shown = name.to_string();
    with_vault(&state, move |v| Ok(remove_secret(v, &name, env.as_ref())?)).await?;
    Ok(Json(json!({ "removed": shown })))
}
