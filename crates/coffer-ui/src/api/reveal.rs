//! `POST /api/secrets/reveal`: one value, when the user clicks to see or copy it (a POST, so no
//! link, prefetch or cache can fetch it).

use super::{ApiError, ApiResult, environment, name, with_vault};
use crate::State;
use axum::Json;
use axum::extract::State as S;
use coffer_core::secret::Selection;
use coffer_vault::links::fetch::{Source, fetch};
use coffer_vault::ops::get::get;
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Reveal {
    name: String,
    environment: Option<String>,
}

pub(crate) async fn reveal(S(state): S<Arc<State>>, Json(req): Json<Reveal>) -> ApiResult<Value> {
    let name = name(&req.name)?;
    let env = environment(req.environment.as_deref())?;
    with_vault(&state, move |v| {
        let secret = get(v, &name)?;
        let selected = secret.select(env.as_ref());
        let environment = selected.environment.map(|e| e.as_str().to_string());
        // A linked secret's value comes from its external vault (or the cache).
        let (value, source) = match selected.content {
            Selection::Value(value) => (value.clone(), None),
            Selection::Link(link) => {
                let link = link.clone();
                let (value, source) = fetch(v, &link, coffer_vault::clock::now()).map_err(|e| {
                    let hint = e.hint();
                    ApiError::from(e).hint(hint)
                })?;
                (value, Some(source))
            }
        };
        Ok(Json(json!({
            "name": name.as_str(),
            "environment": environment,
            "value": value.expose(),
            "linked": source.map(|s| if s == Source::Cache { "cache" } else { "provider" }),
        })))
    })
    .await
}
