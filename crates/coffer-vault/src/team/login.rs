//! `team login`: pin the server's key, check the token, fetch and verify the policy, save.

use super::client::Client;
use super::{TeamError, TeamLink, load, save};
use crate::store::Vault;
use coffer_core::policy::ServerPublicKey;
use secrecy::SecretString;

/// Joins `vault` to the team that `token` belongs to on `server_url`.
///
/// The server's key fingerprint must equal `expected_fingerprint` if given; otherwise `confirm`
/// is asked with the fingerprint (a person compares it with `coffer-server fingerprint`).
pub fn login(
    vault: &mut Vault,
    server_url: &str,
    token: SecretString,
    expected_fingerprint: Option<&str>,
    ca_pem: Option<String>,
    confirm: &mut dyn FnMut(&str) -> bool,
) -> Result<TeamLink, TeamError> {
    let existing = load(vault)?;
    if let Some(l) = &existing
        && l.token.is_some()
    {
        return Err(TeamError::AlreadyJoined {
            team: l.team_name.clone(),
            server: l.server_url.clone(),
        });
    }
    let client = Client::new(server_url, ca_pem.as_deref())?;
    let info = client.server_key()?;
    let key = ServerPublicKey::from_base64(&info.public_key)
        .ok_or(TeamError::BadResponse { what: "server key" })?;
    let fingerprint = key.fingerprint();
    match expected_fingerprint {
        Some(expected) if expected.trim() != fingerprint => {
            return Err(TeamError::FingerprintMismatch {
                expected: expected.trim().to_string(),
                got: fingerprint,
            });
        }
        Some(_) => {}
        None if confirm(&fingerprint) => {}
        None => return Err(TeamError::NotConfirmed),
    }
    let me = client.me(&token)?;
    // A vault that logged out stays bound to its team until the release takes effect: until then
    // it may only log in to that same team, with the same server key.
    if let Some(l) = &existing
        && (l.team_id != me.team_id || l.server_key != key.to_base64())
        && !super::authorize::released(l, crate::clock::now())
    {
        return Err(TeamError::Bound {
            team: l.team_name.clone(),
            until: super::authorize::release_time(l)
                .map(|t| t.to_string())
                .unwrap_or_else(|| "the server releases it".into()),
        });
    }
    let signed = client.policy(&token)?;
    let st = key.verify(&signed, &me.team_id, crate::clock::now())?;
    let mut link = TeamLink {
        server_url: server_url.trim_end_matches('/').to_string(),
        team_id: me.team_id.clone(),
        team_name: me.team_name,
        member_id: me.member_id,
        member_name: me.member_name,
        role: me.role,
        server_key: key.to_base64(),
        token: Some(token),
        policy: None,
        // Logging in again to the same team keeps the highest revision seen.
        max_revision: existing
            .as_ref()
            .filter(|l| l.team_id == me.team_id)
            .map_or(0, |l| l.max_revision),
        release: None,
        pending_reports: existing
            .as_ref()
            .filter(|l| l.team_id == me.team_id)
            .map(|l| l.pending_reports.clone())
            .unwrap_or_default(),
        ca_pem,
        sent_reports: Vec::new(),
        // Same team, same server key: the audit chain verified before must still be there.
        audit_head: existing
            .filter(|l| l.team_id == me.team_id && l.server_key == key.to_base64())
            .and_then(|l| l.audit_head),
    };
    link.accept_policy(&st, signed)?;
    save(vault, Some(&link))?;
    Ok(link)
}
