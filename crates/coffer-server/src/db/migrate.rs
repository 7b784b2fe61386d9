//! Numbered migrations, applied in order in one transaction. On PostgreSQL an advisory lock keeps
//! several servers starting at once from applying the same migration twice; on SQLite the second
//! server waits for the first one's write lock (busy timeout).

use super::{Backend, DbError};
use coffer_core::server_seal::SealingKey;
use sqlx::AnyPool;
use sqlx::Row;

/// Migration `i` takes the schema from version `i` to `i + 1`. Portable SQL only.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE server_identity (
    id           BIGINT PRIMARY KEY,
    signing_seed TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE TABLE teams (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    plan       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX teams_name ON teams (name);
CREATE TABLE members (
    id         TEXT PRIMARY KEY,
    team_id    TEXT NOT NULL REFERENCES teams (id),
    name       TEXT NOT NULL,
    role       TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE UNIQUE INDEX members_team_name ON members (team_id, name) WHERE revoked_at IS NULL;
CREATE TABLE team_settings (
    team_id        TEXT NOT NULL REFERENCES teams (id),
    resource       TEXT NOT NULL,
    export_enabled BIGINT NOT NULL,
    export_formats TEXT NOT NULL,
    revision       BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    updated_by     TEXT,
    PRIMARY KEY (team_id, resource)
);
CREATE TABLE audit_log (
    id         TEXT PRIMARY KEY,
    team_id    TEXT NOT NULL REFERENCES teams (id),
    at_micros  BIGINT NOT NULL,
    actor_id   TEXT,
    actor_name TEXT,
    action     TEXT NOT NULL,
    detail     TEXT NOT NULL
);
CREATE INDEX audit_team_time ON audit_log (team_id, at_micros);
"#,
    r#"
ALTER TABLE audit_log ADD COLUMN seq BIGINT;
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;
ALTER TABLE audit_log ADD COLUMN signature TEXT;
CREATE UNIQUE INDEX audit_team_seq ON audit_log (team_id, seq);
CREATE TABLE vault_anchors (
    member_id TEXT NOT NULL REFERENCES members (id),
    anchor    TEXT NOT NULL,
    changes   BIGINT NOT NULL,
    PRIMARY KEY (member_id, anchor)
);
CREATE TABLE audit_heads (
    team_id TEXT PRIMARY KEY REFERENCES teams (id),
    seq     BIGINT NOT NULL,
    hash    TEXT NOT NULL
);
"#,
];

/// The schema version this server writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The schema version that chains the audit log and seals the signing key.
const CHAINED_VERSION: i64 = 2;

/// Brings the database to [`SCHEMA_VERSION`] in one transaction. Reaching version 2 seals a
/// signing key stored in clear under `seal` and chains (and signs) the audit entries written
/// before, in that same transaction: afterwards, a clear key or an entry outside the chain can
/// only have been put there directly.
pub(super) async fn run(
    pool: &AnyPool,
    backend: Backend,
    seal: &SealingKey,
) -> Result<(), DbError> {
    let mut tx = super::begin_write(pool, backend).await?;
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(727265)")
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
    )
    .execute(&mut *tx)
    .await?;
    let row = sqlx::query("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations")
        .fetch_one(&mut *tx)
        .await?;
    let current: i64 = row.try_get("v")?;
    if current > SCHEMA_VERSION {
        return Err(DbError::TooNew {
            found: current,
            known: SCHEMA_VERSION,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        for stmt in sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            sqlx::query(stmt).execute(&mut *tx).await?;
        }
        sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
            .bind(i as i64 + 1)
            .bind(super::now())
            .execute(&mut *tx)
            .await?;
    }
    if current < CHAINED_VERSION && SCHEMA_VERSION >= CHAINED_VERSION {
        let key = super::identity::seal_in_place(&mut tx, seal).await?;
        super::audit::chain_legacy(&mut tx, &key).await?;
    }
    tx.commit().await?;
    Ok(())
}
