//! `team logout`: revoke the token and receive the server's signed release. The last signed
//! policy keeps applying until the release takes effect (when every policy the vault may hold has
//! expired), so logging out is not a way around the team's export policy. Needs the server.

use super::client::Client;
use super::{TeamError, load, save};
use crate::store::Vault;
use coffer_core::Timestamp;

/// What logout did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutReport {
    /// Team name.
    pub team: String,
    /// From when the vault is free of the team's policy.
    pub released_at: Timestamp,
}

/// Leaves the team. Nothing changes if the server cannot be reached.
pub fn logout(vault: &mut Vault) -> Result<LogoutReport, TeamError> {
    let mut link = load(vault)?.ok_or(TeamError::NotJoined)?;
    let token = link.token.clone().ok_or(TeamError::NotJoined)?;
    let client = Client::for_link(&link)?;
    // Send queued audit reports while the token still works.
    super::authorize::flush_pending(&client, &token, &mut link);
    let signed = client.logout(&token)?;
    let release = link
        .server_key()?
        .verify_release(&signed, &link.team_id, &link.member_id)?;
    link.token = None;
    link.release = Some(signed);
    save(vault, Some(&link))?;
    Ok(LogoutReport {
        team: link.team_name,
        released_at: release.effective_at,
    })
}
