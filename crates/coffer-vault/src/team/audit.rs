//! `team audit`: the team's audit log (admins), a page at a time, and the check of its hash
//! chain against the server key pinned at login.

use super::client::{Client, Cursor};
use super::{TeamError, TeamLink, load, update};
use crate::store::Vault;
use coffer_api::{AuditEntry, AuditHead, AuditLog};
use coffer_core::audit::{Broken, GENESIS, verify_run};

/// How many entries each request of a full walk asks for (the server's maximum).
const WALK_PAGE: u32 = 1000;

/// A page of the audit log: the newest `limit` entries, or those before `before`.
pub fn audit(vault: &mut Vault, limit: u32, before: Option<i64>) -> Result<AuditLog, TeamError> {
    let link = load(vault)?.ok_or(TeamError::NotJoined)?;
    let cursor = before.map_or(Cursor::Newest, Cursor::Before);
    Client::for_link(&link)?.audit(link.token()?, limit, cursor)
}

/// What a full check of the chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditCheck {
    /// Every entry, oldest first (for an export).
    pub entries: Vec<AuditEntry>,
    /// The head checked.
    pub head: AuditHead,
}

/// Reads the whole log, oldest first, and checks its chain: every entry follows the one before,
/// its hash matches what it says, its signature is the pinned server key's, and the chain reaches
/// the head. The entry last verified here must still be there with the same hash (a server
/// restored from an older database is noticed). Saves the new head as verified.
pub fn verify(vault: &mut Vault) -> Result<AuditCheck, TeamError> {
    let link = load(vault)?.ok_or(TeamError::NotJoined)?;
    let key = link.server_key()?;
    let client = Client::for_link(&link)?;
    let token = link.token()?;
    let mut entries: Vec<AuditEntry> = Vec::new();
    let mut at = (0, GENESIS);
    let mut head_seen: Option<AuditHead> = None;
    let head = loop {
        let mut page = client.audit(token, WALK_PAGE, Cursor::After(at.0))?;
        // The head of the first page is where this check stops: entries appended while it
        // walks are left for the next one.
        let stop = head_seen.get_or_insert_with(|| page.head.clone()).seq;
        page.entries.retain(|e| e.seq <= stop);
        let last_page = page.next.is_none() || page.entries.last().is_none_or(|e| e.seq >= stop);
        let mut chained = Vec::with_capacity(page.entries.len());
        for e in &page.entries {
            chained.push(
                e.chained(&link.team_id)
                    .ok_or_else(|| broken(Broken::Edited { seq: e.seq }))?,
            );
        }
        let head_seq = last_page.then_some(stop);
        at = verify_run(&key, at, &chained, head_seq).map_err(broken)?;
        drop(chained);
        entries.extend(page.entries);
        if last_page {
            break head_seen.unwrap_or(page.head);
        }
    };
    if coffer_core::hex::encode(&at.1) != head.hash {
        return Err(broken(Broken::Edited { seq: head.seq }));
    }
    check_pinned(&link, &entries)?;
    // Only the pinned head changes, and never backwards (another check may have pinned a later
    // one meanwhile); everything else in the link stays as stored now.
    let verified = head.clone();
    update(vault, move |l| {
        if l.audit_head.as_ref().is_none_or(|h| h.seq <= verified.seq) {
            l.audit_head = Some(verified);
        }
    })?;
    Ok(AuditCheck { entries, head })
}

fn broken(b: Broken) -> TeamError {
    TeamError::AuditBroken(b.to_string())
}

/// The head verified before must be an entry of this chain, unchanged.
fn check_pinned(link: &TeamLink, entries: &[AuditEntry]) -> Result<(), TeamError> {
    let Some(pinned) = &link.audit_head else {
        return Ok(());
    };
    if pinned.seq == 0 {
        return Ok(());
    }
    match entries.iter().find(|e| e.seq == pinned.seq) {
        Some(e) if e.hash == pinned.hash => Ok(()),
        Some(_) => Err(TeamError::AuditBroken(format!(
            "entry {} is not the one verified here before (the log was rewritten)",
            pinned.seq
        ))),
        None => Err(TeamError::AuditBroken(format!(
            "the log ends before entry {}, which was verified here before (the server's database was rolled back)",
            pinned.seq
        ))),
    }
}
