//! The audit log: who did what, when. Never holds a secret or a token. Each team's entries form
//! a hash chain, each entry signed by the server (`coffer_core::audit`, `docs/team-server.md`).

use super::{Db, DbError, Member};
use coffer_core::audit::{Broken, GENESIS, Link, verify_run};
use coffer_core::hex;
use coffer_core::policy::ServerSigningKey;
use sqlx::Row;

pub use coffer_api::AuditEntry;

/// How many entries one page of the chain check reads.
const VERIFY_PAGE: i64 = 1000;

fn now_micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

/// Takes `team_id`'s chain head for this transaction (the row lock of PostgreSQL, the write lock
/// of SQLite), so appends to one chain queue up; returns the next entry's place and the hash
/// before it.
async fn take_head(
    conn: &mut sqlx::AnyConnection,
    team_id: &str,
) -> Result<(i64, [u8; 32]), DbError> {
    sqlx::query(
        "INSERT INTO audit_heads (team_id, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (team_id) DO NOTHING",
    )
    .bind(team_id)
    .bind(hex::encode(&GENESIS))
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE audit_heads SET seq = seq + 1 WHERE team_id = $1")
        .bind(team_id)
        .execute(&mut *conn)
        .await?;
    let row = sqlx::query("SELECT seq, hash FROM audit_heads WHERE team_id = $1")
        .bind(team_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok((
        row.try_get("seq")?,
        hash_of(&row.try_get::<String, _>("hash")?)?,
    ))
}

fn hash_of(text: &str) -> Result<[u8; 32], DbError> {
    hex::decode(text)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(DbError::Corrupt("audit hash"))
}

/// Appends `link` (whose `seq` is the head taken) and moves the head to it.
async fn append(
    conn: &mut sqlx::AnyConnection,
    key: &ServerSigningKey,
    id: &str,
    link: &Link<'_>,
    prev: &[u8; 32],
) -> Result<(), DbError> {
    let hash = link.hash(prev);
    let signature = key.sign_audit(link.team_id, link.seq, &hash);
    sqlx::query(
        "INSERT INTO audit_log (id, team_id, at_micros, actor_id, actor_name, action, detail, seq, prev_hash, hash, signature) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, prev_hash = excluded.prev_hash, \
         hash = excluded.hash, signature = excluded.signature WHERE audit_log.seq IS NULL",
    )
    .bind(id)
    .bind(link.team_id)
    .bind(link.at_micros)
    .bind(link.actor_id)
    .bind(link.actor_name)
    .bind(link.action)
    .bind(link.detail)
    .bind(link.seq)
    .bind(hex::encode(prev))
    .bind(hex::encode(&hash))
    .bind(hex::encode(&signature))
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE audit_heads SET hash = $1 WHERE team_id = $2")
        .bind(hex::encode(&hash))
        .bind(link.team_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Records an event in `conn`'s transaction (the change it records commits with it or not at
/// all), chained and signed with `key`.
pub(crate) async fn record(
    conn: &mut sqlx::AnyConnection,
    key: &ServerSigningKey,
    team_id: &str,
    by: Option<&Member>,
    action: &str,
    detail: &serde_json::Value,
) -> Result<(), DbError> {
    let (seq, prev) = take_head(conn, team_id).await?;
    let detail = detail.to_string();
    let link = Link {
        team_id,
        seq,
        at_micros: now_micros(),
        actor_id: by.map(|m| m.id.as_str()),
        actor_name: by.map(|m| m.name.as_str()),
        action,
        detail: &detail,
    };
    append(conn, key, &crate::token::new_id(), &link, &prev).await
}

/// Chains (and signs) the entries written before the log was chained (schema version 1), oldest
/// first, in the transaction of the migration to version 2.
pub(super) async fn chain_legacy(
    tx: &mut sqlx::AnyConnection,
    key: &ServerSigningKey,
) -> Result<(), DbError> {
    let rows = sqlx::query(
        "SELECT id, team_id, at_micros, actor_id, actor_name, action, detail FROM audit_log \
         WHERE seq IS NULL ORDER BY team_id, at_micros, id",
    )
    .fetch_all(&mut *tx)
    .await?;
    for r in &rows {
        let team_id: String = r.try_get("team_id")?;
        let (seq, prev) = take_head(tx, &team_id).await?;
        let (actor_id, actor_name): (Option<String>, Option<String>) =
            (r.try_get("actor_id")?, r.try_get("actor_name")?);
        let (action, detail): (String, String) = (r.try_get("action")?, r.try_get("detail")?);
        let link = Link {
            team_id: &team_id,
            seq,
            at_micros: r.try_get("at_micros")?,
            actor_id: actor_id.as_deref(),
            actor_name: actor_name.as_deref(),
            action: &action,
            detail: &detail,
        };
        let id: String = r.try_get("id")?;
        append(tx, key, &id, &link, &prev).await?;
    }
    Ok(())
}

/// Which entries of a team's log to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// The newest `limit`.
    Newest(i64),
    /// The newest `limit` before entry `seq`.
    Before(i64, i64),
    /// The oldest `limit` after entry `seq` (how a chain check walks the log).
    After(i64, i64),
}

fn entry_from_row(r: &sqlx::any::AnyRow) -> Result<AuditEntry, DbError> {
    Ok(AuditEntry {
        seq: r.try_get("seq")?,
        at_micros: r.try_get("at_micros")?,
        actor_id: r.try_get("actor_id")?,
        actor_name: r.try_get("actor_name")?,
        action: r.try_get("action")?,
        detail: r.try_get("detail")?,
        prev_hash: r.try_get("prev_hash")?,
        hash: r.try_get("hash")?,
        signature: r.try_get("signature")?,
    })
}

impl Db {
    /// Records an event on its own.
    pub async fn audit(
        &self,
        team_id: &str,
        by: Option<&Member>,
        action: &str,
        detail: &serde_json::Value,
    ) -> Result<(), DbError> {
        let mut tx = self.begin_write().await?;
        record(&mut tx, &self.signer, team_id, by, action, detail).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A page of a team's log, oldest first.
    pub async fn audit_log(&self, team_id: &str, page: Page) -> Result<Vec<AuditEntry>, DbError> {
        const NEWEST: &str = "SELECT seq, at_micros, actor_id, actor_name, action, detail, prev_hash, hash, signature \
            FROM audit_log WHERE team_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3";
        const AFTER: &str = "SELECT seq, at_micros, actor_id, actor_name, action, detail, prev_hash, hash, signature \
            FROM audit_log WHERE team_id = $1 AND seq > $2 ORDER BY seq ASC LIMIT $3";
        let (sql, bound, limit, newest_first) = match page {
            Page::Newest(l) => (NEWEST, i64::MAX, l, true),
            Page::Before(s, l) => (NEWEST, s, l, true),
            Page::After(s, l) => (AFTER, s, l, false),
        };
        let rows = sqlx::query(sql)
            .bind(team_id)
            .bind(bound)
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        let mut out = rows
            .iter()
            .map(entry_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        if newest_first {
            out.reverse();
        }
        Ok(out)
    }

    /// The head of a team's chain: the place of its last entry (0 when empty) and its hash.
    pub async fn audit_head(&self, team_id: &str) -> Result<(i64, String), DbError> {
        let row = sqlx::query("SELECT seq, hash FROM audit_heads WHERE team_id = $1")
            .bind(team_id)
            .fetch_optional(self.pool())
            .await?;
        match row {
            Some(r) => Ok((r.try_get("seq")?, r.try_get("hash")?)),
            None => Ok((0, hex::encode(&GENESIS))),
        }
    }

    /// Recomputes a team's whole chain from the database: `Ok(n)` with the number of entries,
    /// or where it is first broken.
    pub async fn verify_audit(&self, team_id: &str) -> Result<Result<i64, Broken>, DbError> {
        let key = self.signer.public();
        // Every row belongs to the chain: one without a place was put there directly.
        let outside: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM audit_log WHERE team_id = $1 AND seq IS NULL")
                .bind(team_id)
                .fetch_one(self.pool())
                .await?
                .try_get("n")?;
        if outside > 0 {
            return Ok(Err(Broken::Outside { rows: outside }));
        }
        // The head read now is where the check stops: entries appended while it walks are left
        // for the next one.
        let (head, head_hash) = self.audit_head(team_id).await?;
        let mut at = (0, GENESIS);
        loop {
            let mut page = self
                .audit_log(team_id, Page::After(at.0, VERIFY_PAGE))
                .await?;
            page.retain(|e| e.seq <= head);
            let last_page =
                page.last().is_none_or(|e| e.seq >= head) || (page.len() as i64) < VERIFY_PAGE;
            let mut links = Vec::with_capacity(page.len());
            for e in &page {
                match e.chained(team_id) {
                    Some(c) => links.push(c),
                    None => return Ok(Err(Broken::Edited { seq: e.seq })),
                }
            }
            match verify_run(&key, at, &links, last_page.then_some(head)) {
                Ok(next) => at = next,
                Err(b) => return Ok(Err(b)),
            }
            if last_page {
                if hex::encode(&at.1) != head_hash {
                    return Ok(Err(Broken::Edited { seq: head }));
                }
                return Ok(Ok(at.0));
            }
        }
    }
}

impl Db {
    /// Records a vault's export report. With the vault's change counter and anchor (a stable
    /// id of that vault in this team), the highest counter each of a member's vaults reported is
    /// kept: a lower one means the vault was put back from an older copy of its file, and the
    /// entry says so (`vaultRolledBack`, with the highest seen). A member can only move the
    /// baseline of their own vaults.
    pub async fn report_export(
        &self,
        team_id: &str,
        by: &Member,
        r: &coffer_api::ExportReport,
    ) -> Result<(), DbError> {
        let mut tx = self.begin_write().await?;
        let mut detail = serde_json::json!({
            "format": r.format,
            "secretCount": r.secret_count,
            "policyRevision": r.policy_revision,
        });
        if let (Some(n), Some(anchor)) = (r.vault_changes, &r.vault_anchor) {
            let n = i64::try_from(n).unwrap_or(i64::MAX);
            // Insert-if-absent, then lock the row: two reports of one vault queue up.
            sqlx::query(
                "INSERT INTO vault_anchors (member_id, anchor, changes) VALUES ($1, $2, $3) \
                 ON CONFLICT (member_id, anchor) DO NOTHING",
            )
            .bind(&by.id)
            .bind(anchor)
            .bind(n)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE vault_anchors SET changes = changes WHERE member_id = $1 AND anchor = $2",
            )
            .bind(&by.id)
            .bind(anchor)
            .execute(&mut *tx)
            .await?;
            let seen: i64 = sqlx::query(
                "SELECT changes FROM vault_anchors WHERE member_id = $1 AND anchor = $2",
            )
            .bind(&by.id)
            .bind(anchor)
            .fetch_one(&mut *tx)
            .await?
            .try_get("changes")?;
            detail["vaultChanges"] = n.into();
            if n < seen {
                detail["vaultRolledBack"] = true.into();
                detail["vaultChangesSeen"] = seen.into();
            } else {
                sqlx::query(
                    "UPDATE vault_anchors SET changes = $1 WHERE member_id = $2 AND anchor = $3",
                )
                .bind(n)
                .bind(&by.id)
                .bind(anchor)
                .execute(&mut *tx)
                .await?;
            }
        }
        record(
            &mut tx,
            &self.signer,
            team_id,
            Some(by),
            "vault.export",
            &detail,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
