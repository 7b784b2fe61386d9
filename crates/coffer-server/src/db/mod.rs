//! Storage: the embedded SQLite file by default, PostgreSQL for teams that outgrow one machine.
//! One schema for both (portable types only: TEXT and BIGINT), applied by numbered migrations.

pub mod audit;
mod auth_cache;
pub mod identity;
pub mod members;
mod migrate;
mod settings;
mod teams;

pub use audit::AuditEntry;
pub use members::{Authenticated, Member};
pub use settings::VaultSettings;
pub use teams::Team;

use coffer_core::policy::ServerSigningKey;
use coffer_core::server_seal::SealingKey;
use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;
use std::path::Path;
use std::sync::Arc;

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// The server's database.
#[derive(Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// The key that signs policies, releases and audit entries.
    signer: Arc<ServerSigningKey>,
    /// Recently verified tokens (SQLite only; see `auth_cache`).
    auth_cache: Option<Arc<auth_cache::AuthCache>>,
}

/// Database failure.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The driver failed.
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    /// Stored data is not what the schema promises.
    #[error("database holds an invalid {0}")]
    Corrupt(&'static str),
    /// The database was migrated by a newer server.
    #[error("the database schema is version {found}; this server knows up to {known}")]
    TooNew {
        /// Version found.
        found: i64,
        /// Newest known.
        known: i64,
    },
    /// The database URL is not SQLite or PostgreSQL.
    #[error("unsupported database URL (use postgres://… or a --data directory)")]
    Unsupported,
    /// A PostgreSQL server elsewhere than this machine without verified TLS.
    #[error(
        "PostgreSQL at {host} is not on this machine: connect with sslmode=verify-full (and sslrootcert=CA.pem for a private CA)"
    )]
    InsecureDatabase {
        /// The host named.
        host: String,
    },
    /// The signing key in the database does not open with the sealing key given.
    #[error("{0}")]
    Seal(#[from] coffer_core::server_seal::SealError),
    /// The sealing key file could not be read or created.
    #[error("sealing key file {}: {source}", path.display())]
    KeyFile {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl Db {
    /// The SQLite database in `dir` (created on first start: the file `0600`, the directories
    /// this creates `0700`; it holds the sealed signing key and token hashes). The signing key is
    /// sealed under `seal`, or, without one, under the key in `dir/sealing.key` (created `0600`
    /// on first start): a copy of the database file alone cannot sign.
    pub async fn open_sqlite(dir: &Path, seal: Option<&SealingKey>) -> Result<Self, DbError> {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| DbError::Sql(sqlx::Error::Io(e)))?;
        let file = dir.join("coffer-server.db");
        if !file.exists() {
            use std::os::unix::fs::OpenOptionsExt;
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&file)
                .map_err(|e| DbError::Sql(sqlx::Error::Io(e)))?;
        }
        // The driver decodes `%xx` and reads `?…` in the path: those characters are escaped.
        let path = file
            .display()
            .to_string()
            .replace('%', "%25")
            .replace('?', "%3F")
            .replace('#', "%23");
        let url = format!("sqlite://{path}?mode=rwc");
        let from_file;
        let key = match seal {
            Some(k) => k,
            None => {
                from_file = identity::key_file(&dir.join("sealing.key"), true)?;
                &from_file
            }
        };
        Self::connect_to(&url, key, Some(&file)).await
    }

    /// Connects to `url` (`sqlite://…` or `postgres://…`) and migrates; the signing key in the
    /// database is sealed under `seal` (and sealed now if an older server left it in clear).
    pub async fn connect(url: &str, seal: &SealingKey) -> Result<Self, DbError> {
        Self::connect_to(url, seal, None).await
    }

    /// [`Self::connect`]; `sqlite_file` is the SQLite file the URL names, for the token cache
    /// (none without it).
    async fn connect_to(
        url: &str,
        seal: &SealingKey,
        sqlite_file: Option<&Path>,
    ) -> Result<Self, DbError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            check_postgres_url(url)?;
            Backend::Postgres
        } else {
            return Err(DbError::Unsupported);
        };
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 16 })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        sqlx::query("PRAGMA busy_timeout = 10000")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA foreign_keys = ON")
                            .execute(&mut *conn)
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect(url)
            .await?;
        if backend == Backend::Sqlite {
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await?;
        }
        migrate::run(&pool, backend, seal).await?;
        let signer = Arc::new(identity::load_or_create(&pool, seal).await?);
        let auth_cache = match sqlite_file {
            Some(f) if backend == Backend::Sqlite && same_file(&pool, f).await => {
                auth_cache::AuthCache::open(f).map(Arc::new)
            }
            _ => None,
        };
        Ok(Self {
            pool,
            backend,
            signer,
            auth_cache,
        })
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A write transaction: on SQLite it takes the write lock at once (`BEGIN IMMEDIATE`), so a
    /// transaction that reads before it writes waits for another writer instead of failing.
    pub(crate) async fn begin_write(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>, DbError> {
        begin_write(&self.pool, self.backend).await
    }

    /// The key that signs policies, releases and audit entries.
    pub fn signing_key(&self) -> Arc<ServerSigningKey> {
        self.signer.clone()
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub(crate) fn auth_cache(&self) -> Option<&auth_cache::AuthCache> {
        self.auth_cache.as_deref()
    }
}

/// Whether the pool's database is the file `file` (what SQLite itself says it opened), so the
/// token cache watches the database the server writes, never another file.
async fn same_file(pool: &AnyPool, file: &Path) -> bool {
    use sqlx::Row;
    let opened: Option<String> =
        sqlx::query("SELECT file FROM pragma_database_list WHERE name = 'main'")
            .fetch_optional(pool)
            .await
            .ok()
            .flatten()
            .and_then(|r| r.try_get(0).ok());
    match (
        opened.map(|o| std::fs::canonicalize(o).ok()),
        std::fs::canonicalize(file).ok(),
    ) {
        (Some(Some(a)), Some(b)) => a == b,
        _ => false,
    }
}

/// Current time in seconds.
pub(crate) fn now() -> i64 {
    coffer_core::Timestamp::now().unix()
}

/// A write transaction on `pool` (see [`Db::begin_write`]).
async fn begin_write(
    pool: &AnyPool,
    backend: Backend,
) -> Result<sqlx::Transaction<'static, sqlx::Any>, DbError> {
    Ok(match backend {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await?,
        Backend::Postgres => pool.begin().await?,
    })
}

/// Refuses a PostgreSQL URL that would send the database's traffic (token hashes, the sealed
/// signing key, the audit log) off this machine without TLS whose certificate and host name are
/// verified: elsewhere than a Unix socket or loopback, `sslmode` must be `verify-full`.
fn check_postgres_url(url: &str) -> Result<(), DbError> {
    use sqlx::postgres::{PgConnectOptions, PgSslMode};
    // Read the URL as the driver will (its aliases, percent-encoding, `hostaddr`, and the
    // PGHOST, PGHOSTADDR and PGSSLMODE variables it falls back on), then judge the result.
    let opts: PgConnectOptions = url.parse().map_err(DbError::Sql)?;
    let host = opts.get_host().to_string();
    let local = opts.get_socket().is_some()
        || host.starts_with('/')
        || host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if local || matches!(opts.get_ssl_mode(), PgSslMode::VerifyFull) {
        Ok(())
    } else {
        Err(DbError::InsecureDatabase { host })
    }
}

#[cfg(test)]
mod tests {
    use super::check_postgres_url as check;

    #[test]
    fn only_local_or_verified_tls_postgres_is_accepted() {
        for ok in [
            "postgres://postgres@localhost/db",
            "postgres://u@127.0.0.1:5432/db",
            "postgres://u@[::1]:5432/db",
            "postgres://postgres@localhost/postgres?host=/tmp/pg",
            "postgresql://u:p@db.example.com/db?sslmode=verify-full&sslrootcert=/ca.pem",
            "postgres://u@10.0.0.5/db?sslmode=VERIFY-FULL",
        ] {
            assert!(check(ok).is_ok(), "{ok}");
        }
        for bad in [
            "postgres://u@db.example.com/db",
            "postgres://u@db.example.com/db?sslmode=require",
            "postgres://u@10.0.0.5/db?sslmode=verify-ca",
            "postgres://u@localhost/db?host=db.example.com",
            "postgres://u:p@[2001:db8::1]/db?sslmode=prefer",
            "postgres://u@localhost/db?hostaddr=203.0.113.9",
            "postgres://u@db.example.com/db?sslmode=verify-full&ssl-mode=disable",
            "postgres://u@localhost/db?ho%73t=db.example.com",
        ] {
            assert!(check(bad).is_err(), "{bad}");
        }
    }
}
