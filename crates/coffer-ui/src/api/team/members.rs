//! `GET /api/team/members`: names and roles (admins; as `coffer team members`).

use crate::State;
use crate::api::{ApiResult, with_vault};
use axum::Json;
use axum::extract::State as S;
use coffer_vault::team::members::members as team_members;
use serde_json::{Value, json};
use std::sync::Arc;

pub(crate) async fn members(S(state): S<Arc<State>>) -> ApiResult<Value> {
    let members = with_vault(&state, |v| Ok(team_members(v)?)).await?;
    Ok(Json(json!({ "members": members })))
}
