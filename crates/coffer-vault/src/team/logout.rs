//! `team logout`: revoke the token and forget it. The last signed policy keeps applying until it
//! expires, so logging out is not a way around the team's export policy.

use super::client::Client;
use super::{TeamError, load, save};
use crate::store::Vault;
use coffer_core::Timestamp;

/// What logout did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutReport {
    /// Team name.
    pub team: String,
    /// Whether the server revoked the token (false if it could not be reached).
    pub revoked: bool,
    /// Until when the cached policy still applies, if it does.
    pub policy_until: Option<Timestamp>,
}

/// Leaves the team.
pub fn logout(vault: &mut Vault) -> Result<LogoutReport, TeamError> {
    let mut link = load(vault)?.ok_or(TeamError::NotJoined)?;
    let token = link.token.take().ok_or(TeamError::NotJoined)?;
    let revoked = match Client::new(&link.server_url)?.logout(&token) {
        Ok(()) | Err(TeamError::Unauthorized) => true,
        Err(_) => false,
    };
    let key = link.server_key()?;
    let policy_until = link
        .policy
        .as_ref()
        .and_then(|p| key.verify(p, &link.team_id, Timestamp::now()).ok())
        .map(|st| st.expires_at);
    if policy_until.is_some() {
        save(vault, Some(&link))?;
    } else {
        save(vault, None)?;
    }
    Ok(LogoutReport {
        team: link.team_name,
        revoked,
        policy_until,
    })
}
