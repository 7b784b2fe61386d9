//! `POST /api/cache/clear`: delete values fetched from external vaults (as `coffer cache clear`).

use super::{ApiResult, provider, with_vault};
use crate::State;
use axum::Json;
use axum::extract::State as S;
use coffer_vault::links::cache::clear;
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct CacheClear {
    /// Only this provider's values; all when absent.
    provider: Option<String>,
}

pub(crate) async fn cache_clear(
    S(state): S<Arc<State>>,
    Json(req): Json<CacheClear>,
) -> ApiResult<Value> {
    let p = req.provider.as_deref().map(provider).transpose()?;
    let deleted = with_vault(&state, move |v| Ok(clear(v, p)?)).await?;
    Ok(Json(json!({ "deleted": deleted })))
}
