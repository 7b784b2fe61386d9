//! `POST /api/secrets/save`: create a secret or change its value (or an environment's value),
//! with the same rules as `coffer set`.

use super::{ApiError, ApiResult, DOMAIN_HINT, environment, name, with_vault};
use crate::State;
use axum::Json;
use axum::extract::State as S;
use coffer_core::{AllowedDomains, SecretContent, SecretValue};
use coffer_vault::ops::set::{DomainChange, SetOutcome, SetRequest, set};
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Save {
    name: String,
    value: zeroize::Zeroizing<String>,
    /// Comma-separated; absent keeps the current list, `""` removes every restriction.
    allowed_domains: Option<String>,
    environment: Option<String>,
}

pub(crate) async fn save(S(state): S<Arc<State>>, Json(req): Json<Save>) -> ApiResult<Value> {
    let name = name(&req.name)?;
    let environment = environment(req.environment.as_deref())?;
    let value = SecretValue::new(req.value.to_string())?;
    let domains = match req.allowed_domains.as_deref().map(str::trim) {
        None => DomainChange::Keep,
        Some("") => DomainChange::Clear,
        Some(list) => DomainChange::Set(
            AllowedDomains::parse_list(list).map_err(|e| ApiError::from(e).hint(DOMAIN_HINT))?,
        ),
    };
    let request = SetRequest {
        name: name.clone(),
        content: SecretContent::Value(value),
        domains,
        environment,
    };
    let outcome = with_vault(&state, move |v| Ok(set(v, request)?)).await?;
    Ok(Json(json!({
        "name": name.as_str(),
        "created": outcome == SetOutcome::Created,
    })))
}
