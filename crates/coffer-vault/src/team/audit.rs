//! `team audit`: the team's audit log (admins).

use super::client::Client;
use super::{TeamError, load};
use crate::store::Vault;
use coffer_api::AuditEntry;

/// The newest `limit` audit entries, oldest first.
pub fn audit(vault: &mut Vault, limit: u32) -> Result<Vec<AuditEntry>, TeamError> {
    let link = load(vault)?.ok_or(TeamError::NotJoined)?;
    Client::new(&link.server_url)?.audit(link.token()?, limit)
}
