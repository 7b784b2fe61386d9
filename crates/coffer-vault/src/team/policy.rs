//! `team policy set`: change the team's vault export policy (admins, not on the free plan).

use super::client::Client;
use super::{TeamError, load, save};
use crate::store::Vault;
use coffer_core::policy::{ExportPolicy, PolicyStatement};

/// Sets the export policy; returns the new signed statement (verified and cached).
pub fn set_export_policy(
    vault: &mut Vault,
    export: &ExportPolicy,
) -> Result<PolicyStatement, TeamError> {
    let mut link = load(vault)?.ok_or(TeamError::NotJoined)?;
    let signed = Client::for_link(&link)?.set_policy(link.token()?, export)?;
    let st = link
        .server_key()?
        .verify(&signed, &link.team_id, crate::clock::now())?;
    // The new statement raises the highest revision seen, so an older one is refused later.
    link.accept_policy(&st, signed)?;
    save(vault, Some(&link))?;
    Ok(st)
}
