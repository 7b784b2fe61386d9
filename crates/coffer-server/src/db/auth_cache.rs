//! Recently authenticated tokens, on the embedded SQLite database: a request whose token was
//! verified since the database last changed is answered without a query.
//!
//! Freshness is exact, not timed: before every use the cache asks SQLite for the database's
//! change counter (`PRAGMA data_version` on a read-only connection of its own: it moves when any
//! other connection, in this process or another such as an operator command, commits). If it
//! moved, everything cached is dropped. So a revoked token, a new plan or a changed policy is
//! seen by the very next request, as without the cache. Entries hold the token's stored hash
//! and are checked against the presented secret each time (constant time), like the query's.
//!
//! PostgreSQL has no such counter that costs less than the query itself (it is across the
//! network), and replicas would each need telling of every change: there every request makes
//! its one query.

use super::members::Authenticated;
use crate::token;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

/// Tokens kept at most; past that the cache starts over (it only saves work).
const MAX_ENTRIES: usize = 10_000;

/// See the module documentation.
pub(crate) struct AuthCache {
    /// Used only to read `PRAGMA data_version`.
    check: Mutex<rusqlite::Connection>,
    state: Mutex<State>,
}

struct State {
    /// The change counter the entries were read under.
    version: i64,
    /// Member id → (stored token hash, who it is).
    entries: HashMap<String, (String, Authenticated)>,
}

impl AuthCache {
    /// A cache for the SQLite database `file`; `None` (no cache, every request queries) if it
    /// cannot be opened read-only.
    pub(crate) fn open(file: &Path) -> Option<Self> {
        use rusqlite::OpenFlags;
        let conn = rusqlite::Connection::open_with_flags(
            file,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .ok()?;
        let cache = Self {
            check: Mutex::new(conn),
            state: Mutex::new(State {
                version: -1,
                entries: HashMap::new(),
            }),
        };
        cache.current()?;
        Some(cache)
    }

    /// The database's change counter now; what was cached under another value is dropped.
    /// `None` if SQLite cannot say (the caller then queries, uncached).
    pub(crate) fn current(&self) -> Option<i64> {
        let version: i64 = self
            .check
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .query_row("PRAGMA data_version", [], |r| r.get(0))
            .ok()?;
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.version != version {
            state.entries.clear();
            state.version = version;
        }
        Some(version)
    }

    /// Who holds the token `member_id` / `secret`, if verified under change counter `version`.
    pub(crate) fn get(&self, version: i64, member_id: &str, secret: &str) -> Option<Authenticated> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.version != version {
            return None;
        }
        let (hash, who) = state.entries.get(member_id)?;
        token::matches(secret, hash).then(|| who.clone())
    }

    /// Keeps what a query under change counter `version` found (dropped if the counter has
    /// moved since: the query may have read the older state).
    pub(crate) fn put(&self, version: i64, hash: String, who: Authenticated) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.version != version {
            return;
        }
        if state.entries.len() >= MAX_ENTRIES {
            state.entries.clear();
        }
        state.entries.insert(who.member.id.clone(), (hash, who));
    }
}
