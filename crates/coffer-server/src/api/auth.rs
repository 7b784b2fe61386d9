//! The authenticated caller: `Authorization: Bearer cft_…`.

use super::{ApiError, AppState};
use crate::db::{Member, Team};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// The member making the request, and their team.
pub struct Caller {
    /// The member.
    pub member: Member,
    /// Their team.
    pub team: Team,
}

impl Caller {
    /// Refuses non-admins with 403.
    pub fn require_admin(&self, what: &str) -> Result<(), ApiError> {
        if self.member.role.is_admin() {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!("only a team admin can {what}")))
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(ApiError::unauthorized)?;
        let token = header
            .strip_prefix("Bearer ")
            .ok_or_else(ApiError::unauthorized)?;
        let member = state
            .db
            .authenticate(token.trim())
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        let team = state
            .db
            .team(&member.team_id)
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        Ok(Caller { member, team })
    }
}
