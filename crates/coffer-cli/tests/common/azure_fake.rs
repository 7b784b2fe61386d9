//! A FAKE Microsoft Entra ID token endpoint and Azure Key Vault (no Key Vault emulator runs
//! here), written from the published REST API, served over TLS (the Azure client refuses bearer
//! tokens over plain HTTP) with a test CA, on one loopback port 0 for both host names, which the
//! test maps with Coffer's `COFFER_TEST_RESOLVE` (as curl's `--resolve`):
//! - `login.fake.test`: `POST /{tenant}/oauth2/v2.0/token` (client credentials, form encoded) →
//!   `{"token_type":"Bearer","expires_in":3599,"access_token":...}`, or 401 `invalid_client`;
//! - `kv1.vault.azure.net`: `GET /secrets/{name}[/{version}]?api-version=...`: 401 with the
//!   `WWW-Authenticate: Bearer authorization="...", resource="https://vault.azure.net"` challenge
//!   without a token; the secret (`value`, `id`, `attributes`: `enabled`, `exp`, `nbf`); 403
//!   `SecretDisabled` for a disabled secret; 403 `Forbidden` without permission; 404
//!   `SecretNotFound`.

#![allow(dead_code)] // each test binary uses part of it

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

pub const TENANT: &str = "72f988bf-0000-0000-0000-2d7cd011db47";
pub const CLIENT_ID: &str = "04b07795-0000-0000-0000-02a3b3c1e9d0";
pub const CLIENT_SECRET: &str = "fake~client~secret~value";
const ACCESS_TOKEN: &str = "eyJ0eXAiOiJKV1QifQ.fake-access-token.sig";
pub const VAULT_HOST: &str = "kv1.vault.azure.net";
/// A public client (device code sign-in); `DECLINING_CLIENT_ID`'s user declines.
pub const PUBLIC_CLIENT_ID: &str = "14d82eec-0000-0000-0000-d8a5c4b0b5ad";
pub const DECLINING_CLIENT_ID: &str = "00000000-dec1-0000-0000-000000000000";
pub const USER_CODE: &str = "FAKE-1234";
const REFRESH_TOKEN: &str = "fake-refresh-token-0.AAAA";
pub const LOGIN_HOST: &str = "login.fake.test";

/// One request the fake answered.
#[derive(Clone, Debug)]
pub struct Seen {
    pub host: String,
    pub method: String,
    pub target: String,
    pub authorized: bool,
}

pub struct AzureFake {
    pub addr: SocketAddr,
    /// The CA (PEM file) that signed the fake's certificate.
    pub ca_pem: std::path::PathBuf,
    seen: Arc<Mutex<Vec<Seen>>>,
    _dir: tempfile::TempDir,
}

struct Request {
    method: String,
    target: String,
    host: String,
    auth: Option<String>,
    body: String,
}

fn read_request(stream: &mut impl Read) -> Option<Request> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut words = line.split_whitespace();
    let (method, target) = (words.next()?.to_string(), words.next()?.to_string());
    let (mut host, mut auth, mut len) = (String::new(), None, 0usize);
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).ok()? == 0 || h == "\r\n" {
            break;
        }
        let Some((k, v)) = h.split_once(':') else {
            continue;
        };
        let v = v.trim().to_string();
        match k.to_ascii_lowercase().as_str() {
            "host" => host = v.split(':').next().unwrap_or("").to_string(),
            "authorization" => auth = Some(v),
            "content-length" => len = v.parse().unwrap_or(0),
            _ => {}
        }
    }
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        target,
        host,
        auth,
        body: String::from_utf8_lossy(&body).to_string(),
    })
}

fn form(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (crate::common::form_decode(k), crate::common::form_decode(v)))
        .collect()
}

fn secret(name: &str, version: Option<&str>) -> (u16, Value) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let ok = |value: &str, v: &str, attrs: Value| {
        (
            200,
            json!({"value": value, "id": format!("https://{VAULT_HOST}/secrets/{name}/{v}"), "attributes": attrs}),
        )
    };
    let enabled = json!({"enabled": true, "created": 1_700_000_000, "updated": 1_700_000_000, "recoveryLevel": "Recoverable+Purgeable"});
    match (name, version) {
        ("db", None | Some("v2")) => ok("db-pass-2", "v2", enabled),
        ("db", Some("v1")) => ok("db-pass-1", "v1", enabled),
        ("off", _) => (
            403,
            json!({"error": {"code": "Forbidden", "message": "Operation get is not allowed on a disabled secret.", "innererror": {"code": "SecretDisabled"}}}),
        ),
        ("old", _) => ok(
            "old-value",
            "v1",
            json!({"enabled": true, "exp": now - 86_400}),
        ),
        ("future", _) => ok(
            "future-value",
            "v1",
            json!({"enabled": true, "nbf": now + 86_400}),
        ),
        ("denied", _) => (
            403,
            json!({"error": {"code": "Forbidden", "message": "The user, group or application does not have secrets get permission on key vault 'kv1'.", "innererror": {"code": "AccessDenied"}}}),
        ),
        (n, _) => (
            404,
            json!({"error": {"code": "SecretNotFound", "message": format!("A secret with (name/id) {n} was not found in this key vault.")}}),
        ),
    }
}

fn answer(
    r: &Request,
    polls: &std::sync::atomic::AtomicUsize,
) -> (u16, Vec<(&'static str, String)>, Value) {
    let (path, _query) = r.target.split_once('?').unwrap_or((&r.target, ""));
    if r.host == LOGIN_HOST {
        let f = form(&r.body);
        let get = |k: &str| f.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str());
        let token = || json!({"token_type": "Bearer", "expires_in": 3599, "access_token": ACCESS_TOKEN, "refresh_token": REFRESH_TOKEN, "scope": "https://vault.azure.net/user_impersonation"});
        if path == format!("/{TENANT}/oauth2/v2.0/devicecode") {
            return (
                200,
                vec![],
                json!({"device_code": "fake-device-code", "user_code": USER_CODE, "verification_uri": "https://microsoft.com/devicelogin", "expires_in": 900, "interval": 1,
                       "message": format!("To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code {USER_CODE} to authenticate.")}),
            );
        }
        match get("grant_type") {
            Some("urn:ietf:params:oauth:grant-type:device_code") => {
                if get("client_id") == Some(DECLINING_CLIENT_ID) {
                    return (
                        400,
                        vec![],
                        json!({"error": "authorization_declined", "error_description": "AADSTS70000: The user declined to authorize the request."}),
                    );
                }
                // The user signs in between the first and the second poll.
                if polls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                    return (
                        400,
                        vec![],
                        json!({"error": "authorization_pending", "error_description": "AADSTS70016: OAuth 2.0 device flow error. Authorization is pending."}),
                    );
                }
                return (200, vec![], token());
            }
            Some("refresh_token") => {
                return if get("refresh_token") == Some(REFRESH_TOKEN)
                    && get("client_id") == Some(PUBLIC_CLIENT_ID)
                {
                    (200, vec![], token())
                } else {
                    (
                        400,
                        vec![],
                        json!({"error": "invalid_grant", "error_description": "AADSTS70008: The refresh token has expired or is invalid."}),
                    )
                };
            }
            _ => {}
        }
        let right = r.method == "POST"
            && path == format!("/{TENANT}/oauth2/v2.0/token")
            && get("grant_type") == Some("client_credentials")
            && get("client_id") == Some(CLIENT_ID)
            && get("client_secret") == Some(CLIENT_SECRET)
            && get("scope") == Some("https://vault.azure.net/.default");
        return if right {
            (
                200,
                vec![],
                json!({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": ACCESS_TOKEN}),
            )
        } else {
            (
                401,
                vec![],
                json!({"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided.", "error_codes": [7000215]}),
            )
        };
    }
    if r.host != VAULT_HOST {
        return (
            404,
            vec![],
            json!({"error": {"code": "NotFound", "message": "unknown host"}}),
        );
    }
    if r.auth.as_deref() != Some(&format!("Bearer {ACCESS_TOKEN}")) {
        return (
            401,
            vec![(
                "www-authenticate",
                format!(
                    "Bearer authorization=\"https://{LOGIN_HOST}/{TENANT}\", resource=\"https://vault.azure.net\""
                ),
            )],
            json!({"error": {"code": "Unauthorized", "message": "AKV10000: Request is missing a Bearer or PoP token."}}),
        );
    }
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (status, body) = match parts.as_slice() {
        ["secrets", n] => secret(n, None),
        ["secrets", n, v] => secret(n, Some(v)),
        _ => (
            404,
            json!({"error": {"code": "NotFound", "message": "no such path"}}),
        ),
    };
    (status, vec![], body)
}

fn serve(
    tcp: TcpStream,
    config: Arc<rustls::ServerConfig>,
    seen: &Mutex<Vec<Seen>>,
    polls: &std::sync::atomic::AtomicUsize,
) {
    let Ok(conn) = rustls::ServerConnection::new(config) else {
        return;
    };
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    let Some(r) = read_request(&mut tls) else {
        return;
    };
    seen.lock().unwrap().push(Seen {
        host: r.host.clone(),
        method: r.method.clone(),
        target: r.target.clone(),
        authorized: r.auth.is_some(),
    });
    let (status, headers, body) = answer(&r, polls);
    let body = body.to_string();
    let mut head = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = tls.write_all(head.as_bytes());
    let _ = tls.write_all(body.as_bytes());
    let _ = tls.flush();
    tls.conn.send_close_notify();
    let _ = tls.flush();
}

impl AzureFake {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (ca, config) = crate::http::tls_for(&[VAULT_HOST, LOGIN_HOST]);
        let ca_pem = dir.path().join("ca.pem");
        std::fs::write(&ca_pem, ca).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let polls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let s = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (config, s, p) = (config.clone(), s.clone(), polls.clone());
                std::thread::spawn(move || serve(stream, config, &s, &p));
            }
        });
        AzureFake {
            addr,
            ca_pem,
            seen,
            _dir: dir,
        }
    }

    /// `COFFER_TEST_RESOLVE` for both host names.
    pub fn resolve(&self) -> String {
        format!("{VAULT_HOST}={},{LOGIN_HOST}={}", self.addr, self.addr)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}
