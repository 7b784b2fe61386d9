//! `coffer ui`: the vault in the browser.
//!
//! A server on 127.0.0.1 serves one page (HTML, CSS and JavaScript embedded in the binary) and
//! JSON endpoints, each a thin call to the `coffer-vault` operation the CLI uses. Nothing else
//! decides anything: the page shows what the operations say.
//!
//! Safety on a shared machine (see `docs/ui.md`):
//! - the address printed at start carries a one-time token; the first request with it gets an
//!   `HttpOnly; SameSite=Strict` session cookie (enough for the page's files) and, in the address
//!   fragment, a key only the page's script holds (needed with the cookie for every API call:
//!   browsers send 127.0.0.1 cookies to every port); anything else is 401;
//! - `Host` must name the loopback address and port (DNS rebinding), a request from another
//!   origin is refused (`Origin`, `Sec-Fetch-Site`), and changes need a JSON body (no form can
//!   send one cross-site);
//! - a strict Content-Security-Policy (scripts and styles from this server only, no inline code,
//!   no third party), no caching, no framing, no referrer;
//! - the vault key never reaches the page unless the user asks to see it; values only when the
//!   user reveals or copies one;
//! - the server stops on Ctrl-C, SIGTERM, or after an idle time.
#![forbid(unsafe_code)]

mod api;
mod assets;
mod guard;
mod session;

use coffer_vault::{KeySource, VaultLocation};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// How `coffer ui` runs.
pub struct Options {
    /// The vault.
    pub location: VaultLocation,
    /// Where its key comes from (as for the CLI).
    pub key: KeySource,
    /// The key file (a reset writes the new key there).
    pub key_path: std::path::PathBuf,
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Stop after this long without a request.
    pub idle_timeout: Duration,
    /// Key derivation cost for encrypted exports (as `COFFER_EXPORT_KDF` sets it for the CLI).
    pub kdf: coffer_core::export::KdfParams,
}

/// Why the server stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// Ctrl-C, SIGTERM or SIGHUP.
    Signal,
    /// No request for the idle time.
    Idle,
}

/// The server could not start.
#[derive(Debug, thiserror::Error)]
pub enum UiError {
    /// Binding the port failed.
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind {
        /// The port asked for.
        port: u16,
        /// Why.
        source: std::io::Error,
    },
    /// The async runtime could not start.
    #[error("cannot start the server: {0}")]
    Runtime(std::io::Error),
}

/// The address to open: `http://127.0.0.1:PORT/?token=…`. It holds the one-time token: show it
/// only to the user who started the server.
pub struct StartUrl(secrecy::SecretString);

impl StartUrl {
    /// The full address, token included.
    pub fn expose(&self) -> &str {
        secrecy::ExposeSecret::expose_secret(&self.0)
    }
}

impl std::fmt::Debug for StartUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StartUrl(<redacted>)")
    }
}

/// Shared by every request.
pub(crate) struct State {
    pub location: VaultLocation,
    pub key: KeySource,
    pub key_path: std::path::PathBuf,
    pub port: u16,
    pub kdf: coffer_core::export::KdfParams,
    pub sessions: session::Sessions,
    pub imports: api::import::Pending,
}

/// Serves until a signal or the idle timeout. `ready` is called once the port is bound, with the
/// address to open and the port.
pub fn serve(opts: Options, ready: impl FnOnce(&StartUrl, u16)) -> Result<Stopped, UiError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(UiError::Runtime)?;
    rt.block_on(async move {
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, opts.port)))
                .await
                .map_err(|source| UiError::Bind {
                    port: opts.port,
                    source,
                })?;
        let port = listener
            .local_addr()
            .map_err(|source| UiError::Bind {
                port: opts.port,
                source,
            })?
            .port();
        // Listen for signals before telling anyone the address: a signal sent right after must
        // not be missed.
        let mut signals = Signals::new().map_err(UiError::Runtime)?;
        let (sessions, token) = session::Sessions::new(opts.idle_timeout);
        let state = Arc::new(State {
            location: opts.location,
            key: opts.key,
            key_path: opts.key_path,
            port,
            kdf: opts.kdf,
            sessions,
            imports: api::import::Pending::default(),
        });
        let url = StartUrl(secrecy::SecretString::from(format!(
            "http://127.0.0.1:{port}/?token={}",
            secrecy::ExposeSecret::expose_secret(&token)
        )));
        drop(token);
        ready(&url, port);
        drop(url);
        let app = router(state.clone());
        // The shutdown future decides why the server stops and says so through the channel.
        let (why_tx, why_rx) = tokio::sync::oneshot::channel::<Stopped>();
        let shutdown = async move {
            let why = tokio::select! {
                () = signals.recv() => Stopped::Signal,
                () = state.sessions.idle() => Stopped::Idle,
            };
            let _ = why_tx.send(why);
        };
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(UiError::Runtime)?;
        Ok(why_rx.await.unwrap_or(Stopped::Signal))
    })
}

fn router(state: Arc<State>) -> axum::Router {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/", get(session::start))
        .route("/app.js", get(assets::script))
        .route("/app.css", get(assets::style))
        .route("/api/status", get(api::status::status))
        .route("/api/secrets", get(api::list::list))
        .route("/api/secrets/save", post(api::save::save))
        .route("/api/secrets/reveal", post(api::reveal::reveal))
        .route("/api/secrets/remove", post(api::remove::remove))
        .route("/api/secrets/enable", post(api::enable::enable))
        .route("/api/secrets/domains", post(api::domains::domains))
        .route("/api/export/options", get(api::export::options))
        .route("/api/export", post(api::export::export))
        .route(
            "/api/import/plan",
            post(api::import::plan).layer(axum::extract::DefaultBodyLimit::max(
                api::import::MAX_BODY_BYTES,
            )),
        )
        .route("/api/import/apply", post(api::import::apply))
        .route("/api/import/discard", post(api::import::discard))
        .route("/api/clear", post(api::clear::clear))
        .route("/api/history", get(api::history::history))
        .route("/api/undo/plan", post(api::undo::undo_plan))
        .route("/api/undo/apply", post(api::undo::undo_apply))
        .route("/api/verify", get(api::verify::verify))
        .route("/api/connections", get(api::connections::connections))
        .route(
            "/api/connections/disconnect",
            post(api::disconnect::disconnect),
        )
        .route("/api/cache/clear", post(api::cache_clear::cache_clear))
        .route("/api/key", post(api::key::key))
        .route("/api/reset", post(api::reset::reset))
        .route("/api/team", get(api::team::status::status))
        .route("/api/team/policy", post(api::team::policy::policy))
        .route("/api/team/members", get(api::team::members::members))
        .route("/api/team/invite", post(api::team::invite::invite))
        .route("/api/team/audit", get(api::team::audit::audit))
        .route("/api/team/audit/verify", post(api::team::audit::verify))
        .fallback(api::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::guard,
        ))
        .with_state(state)
}

/// Ctrl-C, SIGTERM and SIGHUP, registered when created.
struct Signals {
    int: tokio::signal::unix::Signal,
    term: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            int: signal(SignalKind::interrupt())?,
            term: signal(SignalKind::terminate())?,
            hup: signal(SignalKind::hangup())?,
        })
    }

    /// Resolves when any of them arrives.
    async fn recv(&mut self) {
        tokio::select! {
            _ = self.int.recv() => {}
            _ = self.term.recv() => {}
            _ = self.hup.recv() => {}
        }
    }
}
