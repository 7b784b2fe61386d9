//! Serving connections: the server's own accept loop, so a network cannot hold it with slow or
//! many connections (`docs/team-server.md`, "Facing a network").
//!
//! - At most `max_connections` in all and `max_per_address` from one IP address; a connection
//!   over either is closed at once (it never gets a file descriptor for long).
//! - A request's headers must arrive within `header_timeout`; the same timeout closes a
//!   keep-alive connection that stays idle (hyper's header-read timer runs whenever the
//!   connection waits for a request). The TLS handshake has the same limit.
//! - TLS (rustls) when a certificate is given, reloaded from its files on SIGHUP.
//! - On shutdown, connections finish the request in flight and close.

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

/// How connections are accepted.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Open connections in all.
    pub max_connections: usize,
    /// Open connections from one IP address.
    pub max_per_address: usize,
    /// Time for a request's headers to arrive (and for a TLS handshake); also how long a
    /// keep-alive connection may stay idle.
    pub header_timeout: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            max_per_address: 64,
            header_timeout: Duration::from_secs(10),
        }
    }
}

/// The server's certificate and key files, and the TLS configuration made from them.
pub struct Tls {
    cert: PathBuf,
    key: PathBuf,
    config: RwLock<Arc<rustls::ServerConfig>>,
}

/// The certificate or key could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("{}: {reason}", path.display())]
pub struct TlsError {
    /// The file.
    pub path: PathBuf,
    /// Why.
    pub reason: String,
}

fn load_config(cert: &Path, key: &Path) -> Result<rustls::ServerConfig, TlsError> {
    let err = |path: &Path, reason: String| TlsError {
        path: path.to_path_buf(),
        reason,
    };
    let chain = CertificateDer::pem_file_iter(cert)
        .map_err(|e| err(cert, e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| err(cert, e.to_string()))?;
    if chain.is_empty() {
        return Err(err(cert, "no certificate in the file".into()));
    }
    let key_der = PrivateKeyDer::from_pem_file(key).map_err(|e| err(key, e.to_string()))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| err(cert, e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key_der)
        .map_err(|e| err(key, format!("does not match the certificate: {e}")))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

impl Tls {
    /// Loads the certificate chain and private key (PEM).
    pub fn load(cert: &Path, key: &Path) -> Result<Self, TlsError> {
        let config = load_config(cert, key)?;
        Ok(Self {
            cert: cert.to_path_buf(),
            key: key.to_path_buf(),
            config: RwLock::new(Arc::new(config)),
        })
    }

    /// Loads the files again; on failure the configuration in use stays.
    pub fn reload(&self) -> Result<(), TlsError> {
        let config = load_config(&self.cert, &self.key)?;
        *self.config.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(config);
        Ok(())
    }

    fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        tokio_rustls::TlsAcceptor::from(
            self.config
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
        )
    }
}

/// Connections open per address; an entry goes when its count reaches 0.
#[derive(Default)]
struct PerAddress(Mutex<HashMap<IpAddr, usize>>);

struct AddressSlot {
    table: Arc<PerAddress>,
    ip: IpAddr,
}

impl PerAddress {
    fn take(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<AddressSlot> {
        let mut t = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let n = t.entry(ip).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(AddressSlot {
            table: self.clone(),
            ip,
        })
    }
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut t = self.table.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = t.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                t.remove(&self.ip);
            }
        }
    }
}

/// Runs one connection; when `stop` turns true, lets the request in flight finish, then closes.
macro_rules! drive {
    ($conn:ident, $stop:ident) => {{
        tokio::pin!($conn);
        tokio::select! {
            _ = $conn.as_mut() => {}
            () = async { let _ = $stop.wait_for(|s| *s).await; } => {
                $conn.as_mut().graceful_shutdown();
                let _ = $conn.await;
            }
        }
    }};
}

/// Serves `app` on `listener` until `shutdown` completes, then lets open connections finish
/// their request in flight.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    opts: ServeOptions,
    tls: Option<Arc<Tls>>,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let total = Arc::new(Semaphore::new(opts.max_connections));
    let per_address = Arc::new(PerAddress::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of descriptors (EMFILE) or a connection reset before it was taken:
                    // wait a moment for connections to close, rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = total.clone().try_acquire_owned() else {
            tracing::warn!(peer = %peer.ip(), "connection refused: connection limit reached");
            continue;
        };
        let Some(slot) = per_address.take(client_of(peer.ip()), opts.max_per_address) else {
            tracing::warn!(peer = %peer.ip(), "connection refused: too many from this address");
            continue;
        };
        let app = app.clone();
        let tls = tls.as_ref().map(|t| t.acceptor());
        let mut stop = stop_rx.clone();
        let header_timeout = opts.header_timeout;
        tokio::spawn(async move {
            let _held = (permit, slot);
            let _ = stream.set_nodelay(true);
            let svc = TowerToHyperService::new(app.map_request(
                move |mut req: hyper::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(ConnectInfo(peer));
                    req
                },
            ));
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .keep_alive(true);
            match tls {
                Some(acceptor) => {
                    let Ok(Ok(stream)) =
                        tokio::time::timeout(header_timeout, acceptor.accept(stream)).await
                    else {
                        return;
                    };
                    let conn = http.serve_connection(TokioIo::new(stream), svc);
                    drive!(conn, stop);
                }
                None => {
                    let conn = http.serve_connection(TokioIo::new(stream), svc);
                    drive!(conn, stop);
                }
            }
        });
    }
    let _ = stop_tx.send(true);
    // Wait for the connections to finish (each holds a permit).
    let _ = total
        .acquire_many(u32::try_from(opts.max_connections).unwrap_or(u32::MAX))
        .await;
    Ok(())
}

/// The client an address stands for in the limits: an IPv4 address itself, an IPv6 address's
/// /64 network (one host usually holds a whole /64, and could rotate through it).
pub fn client_of(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// The address a request came from (set by [`serve`]; absent in tests that call the router
/// directly).
pub fn peer(req: &axum::http::request::Parts) -> Option<SocketAddr> {
    req.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0)
}

#[cfg(test)]
mod tests {
    use super::client_of;

    #[test]
    fn ipv6_clients_are_their_slash_64() {
        let a = client_of("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = client_of("2001:db8:1:2:ffff::9".parse().unwrap());
        let c = client_of("2001:db8:1:3::1".parse().unwrap());
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(
            client_of("::ffff:192.0.2.7".parse().unwrap()),
            "192.0.2.7".parse::<std::net::IpAddr>().unwrap()
        );
        assert_eq!(
            client_of("192.0.2.7".parse().unwrap()),
            "192.0.2.7".parse::<std::net::IpAddr>().unwrap()
        );
    }
}
