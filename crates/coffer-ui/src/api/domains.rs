//! `POST /api/secrets/domains`: change allowed domains without touching the value (as
//! `coffer domains`), validated by the same rules.

use super::{ApiError, ApiResult, DOMAIN_HINT, environment, name, with_vault};
use crate::State;
use axum::Json;
use axum::extract::State as S;
use coffer_core::AllowedDomains;
use coffer_vault::ops::domains::set_domains;
use coffer_vault::ops::set::DomainChange;
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Domains {
    name: String,
    /// Comma-separated; `""` removes every restriction.
    allowed_domains: String,
    environment: Option<String>,
    /// For an environment: use the secret's list instead of its own.
    #[serde(default)]
    inherit: bool,
}

pub(crate) async fn domains(S(state): S<Arc<State>>, Json(req): Json<Domains>) -> ApiResult<Value> {
    let name = name(&req.name)?;
    let env = environment(req.environment.as_deref())?;
    let change = match req.allowed_domains.trim() {
        _ if req.inherit => DomainChange::Inherit,
        "" => DomainChange::Clear,
        list => DomainChange::Set(
            AllowedDomains::parse_list(list).map_err(|e| ApiError::from(e).hint(DOMAIN_HINT))?,
        ),
    };
    let now = with_vault(&state, move |v| {
        Ok(set_domains(v, &name, env.as_ref(), &change)?)
    })
    .await?;
    Ok(Json(json!({
        "allowedDomains": now.domains.to_strings(),
        "inherited": now.inherited,
    })))
}
