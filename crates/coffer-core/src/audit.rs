//! The team server's tamper-evident audit log (`docs/team-server.md`, "Audit log"): each entry
//! carries the hash of the one before it (a chain per team) and the server's Ed25519 signature
//! over its own hash, so an entry edited, deleted, inserted or moved is found by recomputing the
//! chain, and one rewritten with a fresh chain fails its signature (the signing key is not in the
//! database in clear).
//!
//! The hash of entry `seq` of team `team_id` is SHA-256 of `"coffer-audit/v1\0"`, then each of
//! team id, `seq` (8 bytes big-endian), the previous entry's hash (32 zero bytes for the first),
//! `at_micros` (8 bytes big-endian, two's complement), actor id, actor name, action and detail
//! (the JSON text as stored), each text as a 4-byte big-endian length and its UTF-8 bytes (an
//! absent actor is length `0xFFFFFFFF`). The signature is over `"coffer-audit-entry/v1\0" ||
//! team id length || team id || seq || hash`.

use crate::policy::{ServerPublicKey, ServerSigningKey};
use sha2::{Digest, Sha256};

const HASH_LABEL: &[u8] = b"coffer-audit/v1\0";
const SIGN_LABEL: &[u8] = b"coffer-audit-entry/v1\0";

/// The hash before the first entry of a chain.
pub const GENESIS: [u8; 32] = [0; 32];

/// One audit entry as chained: what it says and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link<'a> {
    /// The team whose chain it is in.
    pub team_id: &'a str,
    /// Its place in the chain, from 1.
    pub seq: i64,
    /// Microseconds since the Unix epoch.
    pub at_micros: i64,
    /// The member who acted, if one did.
    pub actor_id: Option<&'a str>,
    /// Their name then.
    pub actor_name: Option<&'a str>,
    /// What happened (`policy.set`, `vault.export`, ...).
    pub action: &'a str,
    /// The details, as the JSON text stored.
    pub detail: &'a str,
}

fn text(h: &mut Sha256, s: Option<&str>) {
    match s {
        Some(s) => {
            h.update((s.len() as u32).to_be_bytes());
            h.update(s.as_bytes());
        }
        None => h.update(u32::MAX.to_be_bytes()),
    }
}

impl Link<'_> {
    /// The entry's hash, given the hash of the entry before it.
    pub fn hash(&self, prev: &[u8; 32]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(HASH_LABEL);
        text(&mut h, Some(self.team_id));
        h.update(self.seq.to_be_bytes());
        h.update(prev);
        h.update(self.at_micros.to_be_bytes());
        text(&mut h, self.actor_id);
        text(&mut h, self.actor_name);
        text(&mut h, Some(self.action));
        text(&mut h, Some(self.detail));
        h.finalize().into()
    }
}

fn signed_message(team_id: &str, seq: i64, hash: &[u8; 32]) -> Vec<u8> {
    let mut m = Vec::with_capacity(SIGN_LABEL.len() + 4 + team_id.len() + 8 + 32);
    m.extend_from_slice(SIGN_LABEL);
    m.extend_from_slice(&(team_id.len() as u32).to_be_bytes());
    m.extend_from_slice(team_id.as_bytes());
    m.extend_from_slice(&seq.to_be_bytes());
    m.extend_from_slice(hash);
    m
}

impl ServerSigningKey {
    /// Signs the hash of entry `seq` of `team_id`'s audit chain.
    pub fn sign_audit(&self, team_id: &str, seq: i64, hash: &[u8; 32]) -> [u8; 64] {
        self.sign_raw(&signed_message(team_id, seq, hash))
    }
}

impl ServerPublicKey {
    /// Whether `sig` is this key's signature of entry `seq` of `team_id` with `hash`.
    pub fn verify_audit(&self, team_id: &str, seq: i64, hash: &[u8; 32], sig: &[u8]) -> bool {
        self.verify_raw(&signed_message(team_id, seq, hash), sig)
    }
}

/// An entry as stored or sent: its link and the chain fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chained<'a> {
    /// What the entry says.
    pub link: Link<'a>,
    /// The previous entry's hash, as stored.
    pub prev_hash: [u8; 32],
    /// Its hash, as stored.
    pub hash: [u8; 32],
    /// The server's signature of it, as stored.
    pub signature: Vec<u8>,
}

/// Where and how a chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Broken {
    /// The entry's content is not what its hash says: it was edited.
    #[error("entry {seq}: its content does not match its hash (edited)")]
    Edited {
        /// Its place.
        seq: i64,
    },
    /// The entry's signature is not the server's: it was rewritten or made up.
    #[error("entry {seq}: its signature is not the server's (rewritten or made up)")]
    Forged {
        /// Its place.
        seq: i64,
    },
    /// The entry does not follow the one before it: entries were deleted, inserted or moved.
    #[error("entry {seq}: does not follow entry {after} (entries deleted, inserted or moved)")]
    OutOfOrder {
        /// Its place.
        seq: i64,
        /// The place of the entry before it.
        after: i64,
    },
    /// Rows that are in the log but in no chain: added to the database directly.
    #[error("{rows} entries are outside the chain (added to the database directly)")]
    Outside {
        /// How many.
        rows: i64,
    },
    /// The chain ends before its recorded head: entries were deleted from its end.
    #[error(
        "the log ends at entry {last} but its head is entry {head} (entries deleted from the end)"
    )]
    Truncated {
        /// The last entry found.
        last: i64,
        /// The head.
        head: i64,
    },
}

impl Broken {
    /// The place of the first broken entry.
    pub fn seq(&self) -> i64 {
        match self {
            Broken::Edited { seq } | Broken::Forged { seq } | Broken::OutOfOrder { seq, .. } => {
                *seq
            }
            Broken::Truncated { last, .. } => last + 1,
            Broken::Outside { .. } => 0,
        }
    }
}

/// Checks a run of consecutive entries of one chain, in order. `before` is the (seq, hash) of the
/// entry just before the run (`(0, GENESIS)` from the start); `head`, the chain's recorded head
/// (seq), if the run is meant to reach it. Returns the (seq, hash) of the last entry checked.
pub fn verify_run<'a>(
    key: &ServerPublicKey,
    before: (i64, [u8; 32]),
    entries: impl IntoIterator<Item = &'a Chained<'a>>,
    head: Option<i64>,
) -> Result<(i64, [u8; 32]), Broken> {
    let (mut seq, mut prev) = before;
    for e in entries {
        let at = e.link.seq;
        if at != seq + 1 || e.prev_hash != prev {
            return Err(Broken::OutOfOrder {
                seq: at,
                after: seq,
            });
        }
        if e.link.hash(&prev) != e.hash {
            return Err(Broken::Edited { seq: at });
        }
        if !key.verify_audit(e.link.team_id, at, &e.hash, &e.signature) {
            return Err(Broken::Forged { seq: at });
        }
        seq = at;
        prev = e.hash;
    }
    match head {
        Some(h) if h > seq => Err(Broken::Truncated { last: seq, head: h }),
        Some(h) if h < seq => Err(Broken::OutOfOrder { seq, after: h }),
        _ => Ok((seq, prev)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Owned {
        team: String,
        detail: Vec<String>,
    }

    fn chain<'a>(key: &ServerSigningKey, o: &'a Owned) -> Vec<Chained<'a>> {
        let mut prev = GENESIS;
        o.detail
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let link = Link {
                    team_id: &o.team,
                    seq: i as i64 + 1,
                    at_micros: 1_000 + i as i64,
                    actor_id: Some("m1"),
                    actor_name: None,
                    action: "vault.export",
                    detail: d,
                };
                let hash = link.hash(&prev);
                let c = Chained {
                    signature: key.sign_audit(&o.team, link.seq, &hash).to_vec(),
                    link,
                    prev_hash: prev,
                    hash,
                };
                prev = hash;
                c
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies_and_every_change_is_found_where_it_is() {
        let key = ServerSigningKey::generate();
        let pk = key.public();
        let o = Owned {
            team: "t1".into(),
            detail: (0..5).map(|i| format!("{{\"n\":{i}}}")).collect(),
        };
        let c = chain(&key, &o);
        let start = (0, GENESIS);
        assert_eq!(verify_run(&pk, start, &c, Some(5)).unwrap().0, 5);
        // Edited detail.
        let mut e = c.clone();
        e[2].link.detail = "{\"n\":99}";
        assert_eq!(
            verify_run(&pk, start, &e, Some(5)),
            Err(Broken::Edited { seq: 3 })
        );
        // Rewritten with a fresh chain but without the key: the signature fails.
        let other = ServerSigningKey::generate();
        let mut f = chain(&other, &o);
        f[0].signature = c[0].signature.clone();
        assert_eq!(
            verify_run(&pk, start, &f, Some(5)),
            Err(Broken::Forged { seq: 2 })
        );
        // Deleted, reordered, truncated.
        let d: Vec<_> = c
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != 1)
            .map(|(_, x)| x.clone())
            .collect();
        assert_eq!(
            verify_run(&pk, start, &d, Some(5)),
            Err(Broken::OutOfOrder { seq: 3, after: 1 })
        );
        let mut r = c.clone();
        r.swap(3, 4);
        assert_eq!(verify_run(&pk, start, &r, Some(5)).unwrap_err().seq(), 5);
        assert_eq!(
            verify_run(&pk, start, &c[..4], Some(5)),
            Err(Broken::Truncated { last: 4, head: 5 })
        );
        // A run from the middle, given the entry before it.
        assert_eq!(
            verify_run(&pk, (2, c[1].hash), &c[2..], Some(5)).unwrap().0,
            5
        );
        // Another team's chain is not this one's.
        let mut t = c.clone();
        t[0].link.team_id = "t2";
        assert!(verify_run(&pk, start, &t, None).is_err());
    }
}
