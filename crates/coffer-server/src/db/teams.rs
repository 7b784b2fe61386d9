//! Teams and their plans.

use super::{Db, DbError};
use coffer_core::policy::Plan;
use sqlx::Row;

/// A team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Plan.
    pub plan: Plan,
}

impl Db {
    /// Every team.
    pub async fn teams(&self) -> Result<Vec<Team>, DbError> {
        let rows = sqlx::query("SELECT id, name, plan FROM teams ORDER BY created_at, id")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(team_from_row).collect()
    }

    /// One team.
    pub async fn team(&self, id: &str) -> Result<Option<Team>, DbError> {
        let row = sqlx::query("SELECT id, name, plan FROM teams WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(team_from_row).transpose()
    }

    /// Finds a team by id or name.
    pub async fn find_team(&self, id_or_name: &str) -> Result<Option<Team>, DbError> {
        Ok(self
            .teams()
            .await?
            .into_iter()
            .find(|t| t.id == id_or_name || t.name == id_or_name))
    }

    /// Changes a team's plan (operator command). The plan is part of the signed policy, so the
    /// settings revision goes up with it; the change, the revision and the audit entry are one
    /// transaction.
    pub async fn set_plan(&self, team_id: &str, plan: Plan) -> Result<bool, DbError> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query("UPDATE teams SET plan = $1 WHERE id = $2")
            .bind(plan.as_str())
            .bind(team_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO team_settings (team_id, resource, export_enabled, export_formats, revision, updated_at, updated_by) \
             VALUES ($1, 'vault', 1, 'encrypted,plaintext', 1, $2, NULL) \
             ON CONFLICT (team_id, resource) DO UPDATE SET revision = team_settings.revision + 1, \
             updated_at = excluded.updated_at",
        )
        .bind(team_id)
        .bind(super::now())
        .execute(&mut *tx)
        .await?;
        let detail = serde_json::json!({"plan": plan.as_str()});
        super::audit::record(&mut tx, &self.signer, team_id, None, "team.plan", &detail).await?;
        tx.commit().await?;
        Ok(true)
    }
}

fn team_from_row(r: &sqlx::any::AnyRow) -> Result<Team, DbError> {
    Ok(Team {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        plan: Plan::parse(&r.try_get::<String, _>("plan")?).ok_or(DbError::Corrupt("plan"))?,
    })
}
