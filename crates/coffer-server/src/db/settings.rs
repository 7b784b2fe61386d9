//! Team settings for the resource "vault": `export.enabled` and `export.formats`.

use super::{Db, DbError, Member};
use coffer_core::policy::{ExportKind, ExportPolicy};
use sqlx::Row;

/// The stored vault settings of a team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultSettings {
    /// Export policy as set by an admin (the free plan overrides it).
    pub export: ExportPolicy,
    /// Increments on every change.
    pub revision: i64,
}

impl VaultSettings {
    /// A team that never set anything: everything allowed, revision 0.
    pub fn never_set() -> Self {
        VaultSettings {
            export: ExportPolicy::allow_all(),
            revision: 0,
        }
    }

    /// From the `team_settings` columns (`export_enabled`, `export_formats`, `revision`).
    pub(super) fn from_columns(
        enabled: i64,
        formats: String,
        revision: i64,
    ) -> Result<Self, DbError> {
        let formats = formats
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| ExportKind::parse(s).ok_or(DbError::Corrupt("export format")))
            .collect::<Result<_, _>>()?;
        Ok(VaultSettings {
            export: ExportPolicy {
                enabled: enabled != 0,
                formats,
            },
            revision,
        })
    }
}

impl Db {
    /// The team's vault settings (everything allowed if never set).
    pub async fn vault_settings(&self, team_id: &str) -> Result<VaultSettings, DbError> {
        let row = sqlx::query(
            "SELECT export_enabled, export_formats, revision FROM team_settings WHERE team_id = $1 AND resource = 'vault'",
        )
        .bind(team_id)
        .fetch_optional(self.pool())
        .await?;
        match row {
            None => Ok(VaultSettings::never_set()),
            Some(row) => VaultSettings::from_columns(
                row.try_get("export_enabled")?,
                row.try_get("export_formats")?,
                row.try_get("revision")?,
            ),
        }
    }

    /// Stores a new export policy (already validated and permitted) with its audit entry, in
    /// one transaction.
    pub async fn set_vault_export(
        &self,
        team_id: &str,
        export: &ExportPolicy,
        by: &Member,
    ) -> Result<VaultSettings, DbError> {
        let formats: Vec<&str> = export.formats.iter().map(|k| k.as_str()).collect();
        let formats = formats.join(",");
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO team_settings (team_id, resource, export_enabled, export_formats, revision, updated_at, updated_by) \
             VALUES ($1, 'vault', $2, $3, 1, $4, $5) \
             ON CONFLICT (team_id, resource) DO UPDATE SET export_enabled = excluded.export_enabled, \
             export_formats = excluded.export_formats, revision = team_settings.revision + 1, \
             updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        )
        .bind(team_id)
        .bind(i64::from(export.enabled))
        .bind(&formats)
        .bind(super::now())
        .bind(&by.id)
        .execute(&mut *tx)
        .await?;
        let detail = serde_json::json!({"resource": "vault", "export": export});
        super::audit::record(
            &mut tx,
            &self.signer,
            team_id,
            Some(by),
            "policy.set",
            &detail,
        )
        .await?;
        tx.commit().await?;
        self.vault_settings(team_id).await
    }
}
