//! `GET /api/secrets`: every secret's name, allowed domains, link, state and environments;
//! never a value.

use super::{ApiResult, with_vault};
use crate::State;
use axum::Json;
use axum::extract::State as S;
use coffer_vault::ops::list::list as list_secrets;
use serde_json::{Value, json};
use std::sync::Arc;

pub(crate) async fn list(S(state): S<Arc<State>>) -> ApiResult<Value> {
    let secrets = with_vault(&state, |v| Ok(list_secrets(v)?)).await?;
    Ok(Json(json!({
        "secrets": secrets.iter().map(|s| json!({
            "name": s.name.as_str(),
            "allowedDomains": s.allowed_domains.to_strings(),
            "link": s.link.as_ref().map(|l| json!({"provider": l.provider(), "reference": l.to_string()})),
            "enabled": !s.disabled,
            "environments": s.environments.iter().map(|e| e.as_str()).collect::<Vec<_>>(),
            "createdAt": s.created_at.to_string(),
            "updatedAt": s.updated_at.to_string(),
        })).collect::<Vec<_>>(),
    })))
}
