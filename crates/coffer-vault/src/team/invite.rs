//! `team invite`: add a member (admins); the new member's token is shown once.

use super::client::Client;
use super::{TeamError, load};
use crate::store::Vault;
use coffer_core::policy::Role;
use secrecy::SecretString;

/// Invites `name` with `role`; returns their one-time token.
pub fn invite(vault: &mut Vault, name: &str, role: Role) -> Result<SecretString, TeamError> {
    let link = load(vault)?.ok_or(TeamError::NotJoined)?;
    Client::for_link(&link)?.invite(link.token()?, name, role)
}
