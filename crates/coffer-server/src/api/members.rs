//! Members: list and invite (admins).

use super::{ApiError, AppJson, AppState, Caller};
use crate::db::members::AddMemberError;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use coffer_api::{ApiToken, Invitation, InviteRequest, Member, MemberList};
use coffer_core::policy::Role;

fn wire(m: &crate::db::Member) -> Member {
    Member {
        id: m.id.clone(),
        name: m.name.clone(),
        role: m.role,
    }
}

pub async fn list(State(s): State<AppState>, c: Caller) -> Result<Json<MemberList>, ApiError> {
    c.require_admin("list members")?;
    let members = s.db.members(&c.team.id).await?;
    Ok(Json(MemberList {
        members: members.iter().map(wire).collect(),
    }))
}

/// Adds a member and returns its token, once.
pub async fn add(
    State(s): State<AppState>,
    c: Caller,
    AppJson(body): AppJson<InviteRequest>,
) -> Result<(StatusCode, Json<Invitation>), ApiError> {
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
        Json(Invitation {
            member: wire(&m),
            token: ApiToken::from(token.as_str()),
        }),
    ))
}
