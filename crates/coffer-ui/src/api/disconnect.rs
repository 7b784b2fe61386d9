//! `POST /api/connections/disconnect`: forget a provider's connection and its cached values (as
//! `coffer disconnect`).

use super::{ApiResult, provider, with_vault};
use crate::State;
use axum::Json;
use axum::extract::State as S;
use coffer_vault::links::disconnect::disconnect as forget;
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Disconnect {
    provider: String,
}

pub(crate) async fn disconnect(
    S(state): S<Arc<State>>,
    Json(req): Json<Disconnect>,
) -> ApiResult<Value> {
    let p = provider(&req.provider)?;
    let d = with_vault(&state, move |v| Ok(forget(v, p)?)).await?;
    Ok(Json(json!({
        "provider": p.id(),
        "wasConnected": d.was_connected,
        "cachedValuesDeleted": d.cached_values,
    })))
}
