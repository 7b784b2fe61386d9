//! A small HTTP(S) server on loopback for `coffer request` tests: port 0, a CA and a server
//! certificate made here, every connection and request recorded. It answers:
//! - `/echo`: 200 with the request it received (head and body) as the body;
//! - `/redirect?to=URL`: 302 to URL;
//! - `/status/N`: status N;
//! - anything else: 200 `ok`.

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The names the server certificate is valid for.
pub const NAMES: &[&str] = &[
    "api.one.test",
    "a.one.test",
    "b.a.one.test",
    "one.test",
    "api.two.test",
    "localhost",
];

/// One request the server received.
#[derive(Clone, Debug)]
pub struct Seen {
    /// The Host header.
    pub host: String,
    /// The request line, headers and body, as text.
    pub raw: String,
}

pub struct TestServer {
    pub port: u16,
    /// The CA certificate (PEM) that signed the server's, for `--cacert`.
    pub ca_pem: PathBuf,
    connections: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<Seen>>>,
    _dir: tempfile::TempDir,
}

impl TestServer {
    pub fn https() -> Self {
        Self::start(true)
    }

    pub fn http() -> Self {
        Self::start(false)
    }

    fn start(tls: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (ca, server_config) = tls_for(NAMES);
        let ca_pem = dir.path().join("ca.pem");
        std::fs::write(&ca_pem, ca).unwrap();
        let config = tls.then_some(server_config);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (c, s) = (connections.clone(), seen.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                c.fetch_add(1, Ordering::SeqCst);
                let (config, s) = (config.clone(), s.clone());
                std::thread::spawn(move || serve(stream, config, &s));
            }
        });
        Self {
            port,
            ca_pem,
            connections,
            seen,
            _dir: dir,
        }
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// Requests received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// A CA (its PEM) and a rustls server configuration with a certificate it signed for `names`.
pub fn tls_for(names: &[&str]) -> (String, Arc<rustls::ServerConfig>) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Coffer test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::from_params(&ca_params, &ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf_params =
        CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(leaf.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )
        .unwrap();
    (ca.pem(), Arc::new(config))
}

fn serve(tcp: TcpStream, config: Option<Arc<rustls::ServerConfig>>, seen: &Mutex<Vec<Seen>>) {
    match config {
        Some(cfg) => {
            let Ok(conn) = rustls::ServerConnection::new(cfg) else {
                return;
            };
            let mut tls = rustls::StreamOwned::new(conn, tcp);
            handle(&mut tls, seen);
        }
        None => {
            let mut tcp = tcp;
            handle(&mut tcp, seen);
        }
    }
}

fn handle(stream: &mut (impl Read + Write), seen: &Mutex<Vec<Seen>>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let header = |name: &str| {
        head.lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_string())
    };
    let len: usize = header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + len {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let raw = String::from_utf8_lossy(&buf).to_string();
    let host = header("host").unwrap_or_default();
    seen.lock().unwrap().push(Seen {
        host,
        raw: raw.clone(),
    });
    let target = head.split(' ').nth(1).unwrap_or("/").to_string();
    let (status, extra, body) = if target.split('?').next() == Some("/echo") {
        ("200 OK".to_string(), String::new(), raw)
    } else if let Some(to) = target.strip_prefix("/redirect?to=") {
        (
            "302 Found".to_string(),
            format!("Location: {to}\r\n"),
            "moved\n".to_string(),
        )
    } else if let Some(code) = target.strip_prefix("/status/") {
        (format!("{code} Status"), String::new(), "status\n".into())
    } else {
        ("200 OK".into(), String::new(), "ok\n".into())
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.flush();
}
