//! `team members`: who is in the team, with their roles (admins).

use super::client::Client;
use super::{TeamError, load};
use crate::store::Vault;
use coffer_api::Member;

/// The team's members that are not revoked.
pub fn members(vault: &mut Vault) -> Result<Vec<Member>, TeamError> {
    let link = load(vault)?.ok_or(TeamError::NotJoined)?;
    Client::for_link(&link)?.members(link.token()?)
}
