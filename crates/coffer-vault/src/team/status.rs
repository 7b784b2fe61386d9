//! `team status` and `team policy`: the link and the policy, fresh if the server answers.

use super::authorize::PolicySource;
use super::{TeamError, TeamLink, load, save};
use crate::store::Vault;
use coffer_core::policy::PolicyStatement;

/// The vault's team and its policy.
#[derive(Debug)]
pub struct TeamStatus {
    /// The link (token redacted in `Debug`).
    pub link: TeamLink,
    /// The server key's fingerprint.
    pub fingerprint: String,
    /// The verified policy, if one is available.
    pub policy: Option<(PolicyStatement, PolicySource)>,
    /// Why the server could not be asked, if it could not.
    pub offline_reason: Option<String>,
    /// Why the server's answer is not in force although it answered (an older revision than
    /// one already seen).
    pub refused_reason: Option<String>,
    /// Whether the vault is logged out (policy still applies until it expires).
    pub logged_out: bool,
}

/// The team status, asking the server for a fresh policy when logged in.
pub fn status(vault: &mut Vault) -> Result<TeamStatus, TeamError> {
    let mut link = load(vault)?.ok_or(TeamError::NotJoined)?;
    let key = link.server_key()?;
    let now = crate::clock::now();
    let mut offline_reason = None;
    let mut refused_reason = None;
    let mut fresh = None;
    if let Some(token) = link.token.clone() {
        match super::authorize::fetch_policy(&link, &token) {
            Ok((client, signed)) => {
                let st = key.verify(&signed, &link.team_id, now)?;
                // What is shown is what is in force: a rolled-back revision is not (the export
                // gate refuses it), so it is reported and the cached policy shown instead.
                match link.accept_policy(&st, signed) {
                    Ok(()) => fresh = Some((st, PolicySource::Fresh)),
                    Err(e) => refused_reason = Some(e.to_string()),
                }
                super::authorize::flush_pending(&client, &token, &mut link);
                save(vault, Some(&link))?;
            }
            Err(e @ TeamError::Unauthorized) => return Err(e),
            Err(e) => offline_reason = Some(e.to_string()),
        }
    }
    let policy = fresh.or_else(|| {
        let st = super::authorize::cached(&link, now).ok()?;
        let source = super::authorize::cached_source(&st);
        Some((st, source))
    });
    Ok(TeamStatus {
        fingerprint: key.fingerprint(),
        logged_out: link.token.is_none(),
        link,
        policy,
        offline_reason,
        refused_reason,
    })
}
