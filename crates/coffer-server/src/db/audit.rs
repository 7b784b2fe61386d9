//! The audit log: who did what, when. Never holds a secret or a token.

use super::{Db, DbError, Member};
use sqlx::Row;

pub use coffer_api::AuditEntry;

fn now_micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

/// Records an event with `exec` (the pool, or the transaction of the change it records).
pub(crate) async fn record<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    exec: E,
    team_id: &str,
    by: Option<&Member>,
    action: &str,
    detail: &serde_json::Value,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO audit_log (id, team_id, at_micros, actor_id, actor_name, action, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(crate::token::new_id())
    .bind(team_id)
    .bind(now_micros())
    .bind(by.map(|m| m.id.clone()))
    .bind(by.map(|m| m.name.clone()))
    .bind(action)
    .bind(detail.to_string())
    .execute(exec)
    .await?;
    Ok(())
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
        record(self.pool(), team_id, by, action, detail).await
    }

    /// The newest `limit` entries of a team, oldest first.
    pub async fn audit_log(&self, team_id: &str, limit: i64) -> Result<Vec<AuditEntry>, DbError> {
        let rows = sqlx::query(
            "SELECT at_micros, actor_id, actor_name, action, detail FROM audit_log WHERE team_id = $1 ORDER BY at_micros DESC, id DESC LIMIT $2",
        )
        .bind(team_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        let mut out = rows
            .iter()
            .map(|r| {
                Ok(AuditEntry {
                    at_micros: r.try_get("at_micros")?,
                    actor_id: r.try_get("actor_id")?,
                    actor_name: r.try_get("actor_name")?,
                    action: r.try_get("action")?,
                    detail: serde_json::from_str(&r.try_get::<String, _>("detail")?)
                        .map_err(|_| DbError::Corrupt("audit detail"))?,
                })
            })
            .collect::<Result<Vec<_>, DbError>>()?;
        out.reverse();
        Ok(out)
    }
}
