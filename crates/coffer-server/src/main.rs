//! `coffer-server`: the team server binary.
#![forbid(unsafe_code)]

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use coffer_core::policy::Plan;
use coffer_core::server_seal::SealingKey;
use coffer_server::Db;
use coffer_server::api::{self, AppState};
use coffer_server::serve::{self, ServeOptions, Tls};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "coffer-server",
    version,
    about = "Coffer team server: teams, members, roles, plans and the signed vault export policy"
)]
struct Cli {
    #[command(flatten)]
    store: Store,
    /// Address to listen on (loopback by default; any other address needs --tls-cert and --tls-key)
    #[arg(long, default_value = "127.0.0.1:8700", value_name = "ADDR")]
    listen: SocketAddr,
    /// TLS certificate chain (PEM), read again on SIGHUP
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// TLS private key (PEM), read again on SIGHUP
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Time for a request's headers to arrive, and for a TLS handshake; idle keep-alive
    /// connections close after it too (seconds, 1 to 300)
    #[arg(long, default_value_t = 10, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=300))]
    header_timeout: u64,
    /// Open connections in all [default: 1024, or the descriptor limit less 64 if lower]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    max_connections: Option<u64>,
    /// Open connections from one IP address
    #[arg(long, default_value_t = 64, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    max_per_address: u64,
    /// How long a signed policy stays valid offline, in seconds (1 to 31536000)
    #[arg(long, default_value_t = 86_400, value_name = "SECS", value_parser = clap::value_parser!(i64).range(1..=31_536_000))]
    policy_ttl: i64,
    /// Per-request time limit, in seconds (1 to 300)
    #[arg(long, default_value_t = 10, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=300))]
    request_timeout: u64,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Args, Clone)]
struct Store {
    /// Directory of the embedded SQLite database [default: $XDG_DATA_HOME/coffer-server]
    #[arg(long, global = true, value_name = "DIR", conflicts_with = "database")]
    data: Option<PathBuf>,
    /// PostgreSQL URL instead of the embedded database (several servers may share it)
    #[arg(
        long,
        global = true,
        env = "COFFER_SERVER_DATABASE",
        value_name = "URL",
        hide_env_values = true
    )]
    database: Option<String>,
    /// File holding the key that seals the signing key in the database (`coffer-server keygen`);
    /// every replica gets the same [default with --data: DIR/sealing.key, created on first start]
    #[arg(
        long,
        global = true,
        env = "COFFER_SERVER_KEY_FILE",
        value_name = "FILE"
    )]
    sealing_key_file: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Create a team and its first super admin; prints the admin's API token once
    Bootstrap {
        /// Team name
        #[arg(long)]
        team: String,
        /// Name of the first super admin
        #[arg(long, default_value = "admin")]
        admin: String,
        /// Plan: free, team or enterprise
        #[arg(long, default_value = "team")]
        plan: String,
    },
    /// Print the fingerprint of the key that signs policies (compare with `coffer team login`)
    Fingerprint,
    /// Write a new sealing key to FILE (0600; never replaces a file): give it to every replica
    /// with --sealing-key-file or COFFER_SERVER_KEY
    Keygen {
        /// Where to write it
        file: PathBuf,
    },
    /// The audit log: check every team's hash chain
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Change a team's plan
    SetPlan {
        /// Team id or name
        #[arg(long)]
        team: String,
        /// Plan: free, team or enterprise
        #[arg(long)]
        plan: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain and check every signature of each team's log (or one team's);
    /// reports the first broken entry and exits 1
    Verify {
        /// Team id or name [default: every team]
        #[arg(long)]
        team: Option<String>,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            eprintln!("hint: see `coffer-server --help`");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The sealing key given: `--sealing-key-file`, else `COFFER_SERVER_KEY` (the key's text).
fn sealing_key(store: &Store) -> anyhow::Result<Option<SealingKey>> {
    if let Some(f) = &store.sealing_key_file {
        return Ok(Some(coffer_server::db::identity::key_file(f, false)?));
    }
    match std::env::var("COFFER_SERVER_KEY") {
        Ok(text) => Ok(Some(
            SealingKey::parse(&zeroize::Zeroizing::new(text))
                .context("COFFER_SERVER_KEY is not a sealing key")?,
        )),
        Err(_) => Ok(None),
    }
}

async fn open(store: &Store, create: bool) -> anyhow::Result<Db> {
    let seal = sealing_key(store)?;
    if let Some(url) = &store.database {
        let seal = seal.context(
            "PostgreSQL needs the sealing key of the signing key: --sealing-key-file FILE or COFFER_SERVER_KEY, the same on every replica (make one with `coffer-server keygen FILE`)",
        )?;
        return Db::connect(url, &seal)
            .await
            .context("cannot open the PostgreSQL database");
    }
    let dir = match &store.data {
        Some(d) => d.clone(),
        None => {
            let base = std::env::var_os("XDG_DATA_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
                .context("set --data DIR (HOME is not set)")?;
            base.join("coffer-server")
        }
    };
    if !create && !dir.join("coffer-server.db").exists() {
        anyhow::bail!(
            "no coffer-server database in {} (give the --data DIR the server runs with)",
            dir.display()
        );
    }
    Db::open_sqlite(&dir, seal.as_ref())
        .await
        .with_context(|| format!("cannot open the database in {}", dir.display()))
}

fn plan(s: &str) -> anyhow::Result<Plan> {
    Plan::parse(s).with_context(|| format!("unknown plan {s:?} (free, team, enterprise)"))
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    if let Some(Command::Keygen { file }) = &cli.command {
        if file.exists() {
            anyhow::bail!("{} exists; it is not replaced", file.display());
        }
        coffer_server::db::identity::key_file(file, true)?;
        eprintln!(
            "Wrote a new sealing key to {} (readable only by you). Give it to every replica: --sealing-key-file {} or COFFER_SERVER_KEY.",
            file.display(),
            file.display()
        );
        return Ok(());
    }
    let create = matches!(cli.command, None | Some(Command::Bootstrap { .. }));
    let db = open(&cli.store, create).await?;
    match cli.command {
        Some(Command::Bootstrap {
            team,
            admin,
            plan: p,
        }) => {
            let (team, token) = db.bootstrap(&team, &admin, plan(&p)?).await?;
            eprintln!(
                "Created team {:?} ({}, plan {}) with super admin {admin:?}.",
                team.name,
                team.id,
                team.plan.as_str()
            );
            eprintln!("API token for {admin:?} (shown once; it is stored only as a hash):");
            println!("{}", token.as_str());
            Ok(())
        }
        Some(Command::Keygen { .. }) => unreachable!("handled before the database is opened"),
        Some(Command::Fingerprint) => {
            println!("{}", db.signing_key().public().fingerprint());
            Ok(())
        }
        Some(Command::Audit(AuditCommand::Verify { team })) => {
            let teams = match team {
                Some(t) => vec![
                    db.find_team(&t)
                        .await?
                        .with_context(|| format!("no team {t:?}"))?,
                ],
                None => db.teams().await?,
            };
            let mut broken = 0;
            for t in &teams {
                match db.verify_audit(&t.id).await? {
                    Ok(n) => eprintln!("Team {:?} ({}): {n} entries, chain intact.", t.name, t.id),
                    Err(b) => {
                        broken += 1;
                        eprintln!("Team {:?} ({}): BROKEN at {b}", t.name, t.id);
                    }
                }
            }
            if broken > 0 {
                anyhow::bail!(
                    "the audit log of {broken} team{} was changed outside the server",
                    if broken == 1 { "" } else { "s" }
                );
            }
            Ok(())
        }
        Some(Command::SetPlan { team, plan: p }) => {
            let t = db
                .find_team(&team)
                .await?
                .with_context(|| format!("no team {team:?}"))?;
            db.set_plan(&t.id, plan(&p)?).await?;
            eprintln!("Team {:?} is now on the {} plan.", t.name, p);
            Ok(())
        }
        None => serve(cli, db).await,
    }
}

async fn serve(cli: Cli, db: Db) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .json()
        .with_writer(std::io::stderr)
        .with_current_span(false)
        .init();
    // First start of an embedded database: create a team so the server is usable at once. The
    // token goes to stdout, never to the log stream (stderr). A shared PostgreSQL database is
    // set up explicitly with `bootstrap`, so that several servers starting together cannot race.
    if db.teams().await?.is_empty() {
        if db.backend() != coffer_server::db::Backend::Sqlite {
            anyhow::bail!(
                "the database has no team yet: run `coffer-server --database URL bootstrap --team NAME` first"
            );
        }
        let (team, token) = db.bootstrap("My team", "admin", Plan::Team).await?;
        println!(
            "First start: created team {:?} ({}) with super admin \"admin\"; API token (shown once): {}",
            team.name,
            team.id,
            token.as_str()
        );
    }
    let key = db.signing_key();
    let fingerprint = key.public().fingerprint();
    let state = AppState::new(db, cli.policy_ttl, Duration::from_secs(cli.request_timeout));
    let tls = match (&cli.tls_cert, &cli.tls_key) {
        (Some(cert), Some(key)) => Some(Arc::new(
            Tls::load(cert, key).context("cannot load the TLS certificate")?,
        )),
        _ => None,
    };
    if tls.is_none() && !cli.listen.ip().is_loopback() {
        anyhow::bail!(
            "{} is not a loopback address: plain HTTP is served only on this machine; give --tls-cert and --tls-key",
            cli.listen
        );
    }
    let opts = ServeOptions {
        max_connections: cli
            .max_connections
            .map_or_else(default_max_connections, |n| {
                usize::try_from(n).unwrap_or(usize::MAX)
            }),
        max_per_address: usize::try_from(cli.max_per_address).unwrap_or(usize::MAX),
        header_timeout: Duration::from_secs(cli.header_timeout),
    };
    let listener = tokio::net::TcpListener::bind(cli.listen)
        .await
        .with_context(|| format!("cannot listen on {}", cli.listen))?;
    let addr = listener.local_addr()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    say(&format!(
        "coffer-server listening on {scheme}://{addr} (policy key {fingerprint})"
    ));
    // SIGHUP reloads the certificate; without TLS it only says there is nothing to reload
    // (its default action would stop the server).
    tokio::spawn(reload_on_sighup(tls.clone()));
    serve::serve(listener, api::router(state), opts, tls, async {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending::<()>().await } } => {}
        }
    })
    .await?;
    Ok(())
}

/// A line on stdout (where the listening address goes), if anyone still reads it.
fn say(line: &str) {
    let mut out = std::io::stdout();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// 1024, or the open-file limit less 64 (for the database, logs and the listener) if lower.
fn default_max_connections() -> usize {
    let soft = rustix::process::getrlimit(rustix::process::Resource::Nofile)
        .current
        .unwrap_or(u64::MAX);
    usize::try_from(soft.saturating_sub(64).clamp(16, 1024)).unwrap_or(1024)
}

/// Reloads the certificate and key on every SIGHUP; a failed reload keeps the old ones.
async fn reload_on_sighup(tls: Option<Arc<Tls>>) {
    let Ok(mut hup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) else {
        return;
    };
    while hup.recv().await.is_some() {
        let Some(tls) = &tls else {
            tracing::info!("SIGHUP: no TLS certificate to reload");
            continue;
        };
        match tls.reload() {
            Ok(()) => {
                tracing::info!("TLS certificate reloaded");
                say("TLS certificate reloaded");
            }
            Err(e) => {
                tracing::error!(error = %e, "TLS reload failed; the previous certificate stays");
                say(&format!(
                    "TLS reload failed ({e}); the previous certificate stays"
                ));
            }
        }
    }
}
