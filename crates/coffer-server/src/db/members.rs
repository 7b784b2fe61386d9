//! Members, roles and their tokens; bootstrapping the first team.

use super::{Db, DbError, Team, VaultSettings};
use crate::token;
use coffer_core::policy::{Plan, Role};
use sqlx::Row;
use zeroize::Zeroizing;

/// A team member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Id (also the first part of the token).
    pub id: String,
    /// Team id.
    pub team_id: String,
    /// Name, unique in the team.
    pub name: String,
    /// Role.
    pub role: Role,
}

/// A member name already in use, or another refusal.
#[derive(Debug, thiserror::Error)]
pub enum AddMemberError {
    /// The name is taken in this team.
    #[error("a member named {0:?} already exists in this team")]
    Taken(String),
    /// A team with that name exists.
    #[error("a team named {0:?} already exists")]
    TeamTaken(String),
    /// The name cannot be shown as what it is.
    #[error(transparent)]
    BadName(#[from] crate::names::NameError),
    /// Database failure.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Who a token belongs to, as one query finds it.
#[derive(Debug, Clone)]
pub struct Authenticated {
    /// The member.
    pub member: Member,
    /// Their team.
    pub team: Team,
    /// The team's vault settings.
    pub settings: VaultSettings,
}

fn member_from_row(r: &sqlx::any::AnyRow) -> Result<Member, DbError> {
    Ok(Member {
        id: r.try_get("id")?,
        team_id: r.try_get("team_id")?,
        name: r.try_get("name")?,
        role: Role::parse(&r.try_get::<String, _>("role")?).ok_or(DbError::Corrupt("role"))?,
    })
}

async fn insert_member(
    tx: &mut sqlx::AnyConnection,
    key: &coffer_core::policy::ServerSigningKey,
    team_id: &str,
    name: &str,
    role: Role,
    by: Option<&Member>,
) -> Result<(Member, Zeroizing<String>), AddMemberError> {
    crate::names::check(name, "member", 64)?;
    // Unique by look, not only by bytes: "alice", "Alice" and "аlice" (Cyrillic a) are one name.
    let look = crate::names::look(name);
    let existing =
        sqlx::query("SELECT name FROM members WHERE team_id = $1 AND revoked_at IS NULL")
            .bind(team_id)
            .fetch_all(&mut *tx)
            .await
            .map_err(DbError::from)?;
    for row in &existing {
        let other: String = row.try_get("name").map_err(DbError::from)?;
        if crate::names::look(&other) == look {
            return Err(AddMemberError::Taken(other));
        }
    }
    let id = token::new_id();
    let (tok, hash) = token::issue(&id);
    let res = sqlx::query(
        "INSERT INTO members (id, team_id, name, role, token_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(team_id)
    .bind(name)
    .bind(role.as_str())
    .bind(&hash)
    .bind(super::now())
    .execute(&mut *tx)
    .await;
    match res {
        Ok(_) => {}
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            return Err(AddMemberError::Taken(name.to_string()));
        }
        Err(e) => return Err(DbError::from(e).into()),
    }
    let member = Member {
        id,
        team_id: team_id.to_string(),
        name: name.to_string(),
        role,
    };
    let detail = serde_json::json!({"member": member.name, "role": role.as_str()});
    super::audit::record(tx, key, team_id, by, "member.add", &detail).await?;
    Ok((member, tok))
}

impl Db {
    /// Creates a team with its first super admin, in one transaction; returns the team and the
    /// admin's token.
    pub async fn bootstrap(
        &self,
        team_name: &str,
        admin_name: &str,
        plan: Plan,
    ) -> Result<(Team, Zeroizing<String>), AddMemberError> {
        crate::names::check(team_name, "team", 128)?;
        let look = crate::names::look(team_name);
        if let Some(other) = self
            .teams()
            .await?
            .into_iter()
            .find(|t| crate::names::look(&t.name) == look)
        {
            return Err(AddMemberError::TeamTaken(other.name));
        }
        let team = Team {
            id: token::new_id(),
            name: team_name.to_string(),
            plan,
        };
        let mut tx = self.begin_write().await?;
        let inserted =
            sqlx::query("INSERT INTO teams (id, name, plan, created_at) VALUES ($1, $2, $3, $4)")
                .bind(&team.id)
                .bind(&team.name)
                .bind(plan.as_str())
                .bind(super::now())
                .execute(&mut *tx)
                .await;
        match inserted {
            Ok(_) => {}
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Err(AddMemberError::TeamTaken(team_name.to_string()));
            }
            Err(e) => return Err(DbError::from(e).into()),
        }
        let (_, tok) = insert_member(
            &mut tx,
            &self.signer,
            &team.id,
            admin_name,
            Role::SuperAdmin,
            None,
        )
        .await?;
        tx.commit().await.map_err(DbError::from)?;
        Ok((team, tok))
    }

    /// Adds a member (and its audit entry, in one transaction); returns it and its one-time token.
    pub async fn add_member(
        &self,
        team_id: &str,
        name: &str,
        role: Role,
        by: Option<&Member>,
    ) -> Result<(Member, Zeroizing<String>), AddMemberError> {
        let mut tx = self.begin_write().await?;
        let out = insert_member(&mut tx, &self.signer, team_id, name, role, by).await?;
        tx.commit().await.map_err(DbError::from)?;
        Ok(out)
    }

    /// The member holding `presented` (a full token), if it is valid and not revoked.
    pub async fn authenticate(&self, presented: &str) -> Result<Option<Authenticated>, DbError> {
        let Some((id, secret)) = token::parse(presented) else {
            return Ok(None);
        };
        // On SQLite, a token verified since the database last changed needs no query.
        let cache = self
            .auth_cache()
            .and_then(|c| c.current().map(|version| (c, version)));
        if let Some(who) = cache.and_then(|(c, version)| c.get(version, id, secret)) {
            return Ok(Some(who));
        }
        // One query: the member, their team and its vault settings, as they are now, so a
        // revoked token, a new plan or a changed policy counts from the next request on, on
        // every replica.
        let row = sqlx::query(
            "SELECT m.id, m.team_id, m.name, m.role, m.token_hash, t.name AS team_name, t.plan, \
             s.export_enabled, s.export_formats, s.revision \
             FROM members m JOIN teams t ON t.id = m.team_id \
             LEFT JOIN team_settings s ON s.team_id = m.team_id AND s.resource = 'vault' \
             WHERE m.id = $1 AND m.revoked_at IS NULL",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            // Same work as a real comparison, so timing does not tell ids apart.
            let _ = token::matches(secret, &"0".repeat(64));
            return Ok(None);
        };
        let stored: String = row.try_get("token_hash")?;
        if !token::matches(secret, &stored) {
            return Ok(None);
        }
        let member = member_from_row(&row)?;
        let team = Team {
            id: member.team_id.clone(),
            name: row.try_get("team_name")?,
            plan: Plan::parse(&row.try_get::<String, _>("plan")?)
                .ok_or(DbError::Corrupt("plan"))?,
        };
        let settings = match row.try_get::<Option<i64>, _>("revision")? {
            None => VaultSettings::never_set(),
            Some(revision) => VaultSettings::from_columns(
                row.try_get("export_enabled")?,
                row.try_get("export_formats")?,
                revision,
            )?,
        };
        let who = Authenticated {
            member,
            team,
            settings,
        };
        if let Some((c, version)) = cache {
            c.put(version, stored, who.clone());
        }
        Ok(Some(who))
    }

    /// Members of a team.
    pub async fn members(&self, team_id: &str) -> Result<Vec<Member>, DbError> {
        let rows = sqlx::query(
            "SELECT id, team_id, name, role FROM members WHERE team_id = $1 AND revoked_at IS NULL ORDER BY created_at, id",
        )
        .bind(team_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(member_from_row).collect()
    }

    /// Revokes a member's token, recording `action` (`member.revoke`, `member.release`).
    pub async fn revoke(
        &self,
        member: &Member,
        by: &Member,
        action: &str,
        detail: &serde_json::Value,
    ) -> Result<(), DbError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE members SET revoked_at = $1 WHERE id = $2")
            .bind(super::now())
            .bind(&member.id)
            .execute(&mut *tx)
            .await?;
        super::audit::record(
            &mut tx,
            &self.signer,
            &member.team_id,
            Some(by),
            action,
            detail,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
