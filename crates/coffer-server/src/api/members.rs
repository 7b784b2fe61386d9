//! Members: list and invite (admins).

use super::{ApiError, AppJson, AppState, Caller};
use crate::db::members::AddMemberError;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use coffer_core::policy::Role;
use serde::Deserialize;
use serde_json::{Value, json};

pub async fn list(State(s): State<AppState>, c: Caller) -> Result<Json<Value>, ApiError> {
    c.require_admin("list members")?;
    let members = s.db.members(&c.team.id).await?;
    Ok(Json(json!({"members": members.iter().map(|m| json!({
        "id": m.id, "name": m.name, "role": m.role.as_str()
    })).collect::<Vec<_>>()})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Invite {
    name: String,
    role: Role,
}

/// Adds a member and returns its token, once.
pub async fn add(
    State(s): State<AppState>,
    c: Caller,
    AppJson(body): AppJson<Invite>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    c.require_admin("invite members")?;
    let inv = body;
    if inv.role == Role::SuperAdmin && c.member.role != Role::SuperAdmin {
        return Err(ApiError::forbidden(
            "only a super admin can add a super admin",
        ));
    }
    let (m, token) = match s
        .db
        .add_member(&c.team.id, &inv.name, inv.role, Some(&c.member))
        .await
    {
        Ok(x) => x,
        Err(AddMemberError::Taken(n)) => {
            return Err(ApiError::conflict(format!(
                "a member named {n:?} already exists"
            )));
        }
        Err(e @ (AddMemberError::BadName(_) | AddMemberError::TeamTaken(_))) => {
            return Err(ApiError::bad_request(e.to_string()));
        }
        Err(AddMemberError::Db(e)) => return Err(e.into()),
    };
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "member": {"id": m.id, "name": m.name, "role": m.role.as_str()},
            "token": token.as_str(),
        })),
    ))
}
