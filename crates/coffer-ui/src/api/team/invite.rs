//! `POST /api/team/invite`: a new member and their API token, shown once (admins; as `coffer
//! team invite`).

use crate::State;
use crate::api::{ApiError, ApiResult, with_vault};
use axum::Json;
use axum::extract::State as S;
use coffer_core::policy::Role;
use coffer_vault::team::invite::invite as team_invite;
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Invite {
    name: String,
    role: String,
}

pub(crate) async fn invite(S(state): S<Arc<State>>, Json(req): Json<Invite>) -> ApiResult<Value> {
    let role = Role::parse(&req.role).ok_or_else(|| {
        ApiError::invalid(
            format!("unknown role {:?}", req.role),
            "roles are member, admin and super-admin",
        )
    })?;
    let name = req.name.trim().to_string();
    let shown = name.clone();
    let token = with_vault(&state, move |v| Ok(team_invite(v, &name, role)?)).await?;
    Ok(Json(json!({
        "name": shown,
        "role": role.as_str(),
        "token": token.expose_secret(),
    })))
}
