//! The authenticated caller: `Authorization: Bearer cft_…`.

use super::{ApiError, AppState};
use crate::db::{Member, Team, VaultSettings};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// The member making the request, and their team.
pub struct Caller {
    /// The member.
    pub member: Member,
    /// Their team.
    pub team: Team,
    /// The team's vault settings, read with the member (one query per request).
    pub settings: VaultSettings,
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

fn refused(whence: &str, wait: std::time::Duration) -> ApiError {
    ApiError::too_many(
        format!("too many failed authentications {whence}; wait before trying again"),
        wait,
    )
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let now = std::time::Instant::now();
        let limits = &state.limits;
        let address =
            crate::serve::peer(parts).map(|a| format!("ip:{}", crate::serve::client_of(a.ip())));
        // An address that failed too often is refused before its token is even looked at: it
        // cannot go on guessing, whatever it sends (a good token from it waits too).
        if let Some(a) = &address {
            limits
                .failed_auth_by_address
                .check(a, now)
                .map_err(|wait| refused("from this address", wait))?;
        }
        let presented = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim);
        let found = match presented {
            Some(token) => state.db.authenticate(token).await?,
            None => None,
        };
        let Some(found) = found else {
            // Count the failure against the address and against the member id the token names
            // (a good token for that id is never refused by this count: it is only consulted
            // after a failure).
            if let Some(a) = &address {
                limits
                    .failed_auth_by_address
                    .take(a, now)
                    .map_err(|wait| refused("from this address", wait))?;
            }
            if let Some((id, _)) = presented.and_then(crate::token::parse) {
                limits
                    .failed_auth_by_token
                    .take(&format!("id:{id}"), now)
                    .map_err(|wait| refused("for this token", wait))?;
            }
            return Err(ApiError::unauthorized());
        };
        Ok(Caller {
            member: found.member,
            team: found.team,
            settings: found.settings,
        })
    }
}
