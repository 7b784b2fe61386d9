//! The HTTP client every provider uses: HTTPS (plain HTTP to loopback only), an optional pinned
//! CA, bounded time, no redirects, no proxy for loopback, one attempt (no retries).

use super::LinkError;
use coffer_core::link::Provider;
use reqwest::Url;
use reqwest::blocking::{Client, Response};
use std::time::Duration;

/// Longest wait for one request, connecting included.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Longest wait to connect.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest response read from a provider (a secret is at most 1 MiB; JSON around it).
pub const MAX_RESPONSE: u64 = 4 * 1024 * 1024;

/// A provider's base URL, checked: https, or http to a loopback address; no credentials, query
/// or fragment.
pub fn base_url(address: &str) -> Result<Url, LinkError> {
    let bad = |reason: &str| LinkError::BadSettings(format!("invalid address: {reason}"));
    let url = Url::parse(address.trim_end_matches('/')).map_err(|_| bad("not a URL"))?;
    crate::ops::import::url::check(&url).map_err(bad)?;
    if !url.username().is_empty()
        || url.password().is_some()
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return Err(bad(
            "give the base URL without credentials, query or fragment",
        ));
    }
    Ok(url)
}

/// A client for `base`, trusting only `ca_pem` when given (else the system's roots).
pub fn client(provider: Provider, base: &Url, ca_pem: Option<&str>) -> Result<Client, LinkError> {
    let mut b = Client::builder()
        .timeout(TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(coffer_core::export::tool_name());
    if crate::ops::import::url::is_loopback(base) {
        // Credentials must not travel to a proxy (HTTPS_PROXY) on their way to this machine.
        b = b.no_proxy();
    }
    for (host, addr) in test_resolve() {
        b = b.resolve(&host, addr);
    }
    if let Some(pem) = ca_pem {
        let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
            .map_err(|_| LinkError::BadSettings("the CA file holds no PEM certificate".into()))?;
        if certs.is_empty() {
            return Err(LinkError::BadSettings(
                "the CA file holds no PEM certificate".into(),
            ));
        }
        b = b.tls_certs_only(certs);
    }
    b.build().map_err(|e| LinkError::Unreachable {
        provider,
        reason: e.without_url().to_string(),
    })
}

/// The transport failure of a request, without its URL (which may carry a path the user
/// considers private) and without any header.
pub fn unreachable(provider: Provider, e: reqwest::Error) -> LinkError {
    let reason = if e.is_timeout() {
        format!("no answer within {} s", TIMEOUT.as_secs())
    } else if e.is_connect() {
        // The source chain says "connection refused", "certificate ..." and so on.
        let mut s = String::from("cannot connect");
        let mut src = std::error::Error::source(&e);
        while let Some(inner) = src {
            s = format!("cannot connect: {inner}");
            src = inner.source();
        }
        s
    } else {
        e.without_url().to_string()
    };
    LinkError::Unreachable { provider, reason }
}

/// The body of `resp`, at most [`MAX_RESPONSE`] bytes, as JSON.
pub fn json(provider: Provider, resp: Response) -> Result<serde_json::Value, LinkError> {
    use std::io::Read;
    let mut buf = zeroize::Zeroizing::new(Vec::new());
    resp.take(MAX_RESPONSE + 1)
        .read_to_end(&mut buf)
        .map_err(|e| LinkError::Unreachable {
            provider,
            reason: format!("reading the answer failed: {e}"),
        })?;
    if buf.len() as u64 > MAX_RESPONSE {
        return Err(LinkError::BadResponse {
            provider,
            reason: "the answer is larger than 4 MiB".into(),
        });
    }
    serde_json::from_slice(&buf).map_err(|_| LinkError::BadResponse {
        provider,
        reason: "the answer is not JSON".into(),
    })
}

/// Test builds only: host-to-address overrides from `COFFER_TEST_RESOLVE`
/// (`HOST=IP:PORT,...`), as curl's `--resolve`, so a test can point a provider's real host name at
/// a local fake. Release builds do not contain this and ignore the variable.
pub fn test_resolve() -> Vec<(String, std::net::SocketAddr)> {
    #[cfg(debug_assertions)]
    if let Some(v) = std::env::var_os("COFFER_TEST_RESOLVE") {
        return v
            .to_string_lossy()
            .split(',')
            .filter_map(|pair| {
                let (host, addr) = pair.split_once('=')?;
                Some((host.to_string(), addr.parse().ok()?))
            })
            .collect();
    }
    Vec::new()
}

/// A message from a provider, fit to show: control characters replaced, at most 200 characters,
/// trimmed; `None` when nothing is left.
pub fn clean(msg: &str) -> Option<String> {
    let clean: String = msg
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect();
    let t = clean.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// An answer with an unexpected status: a server error is "unreachable", anything else
/// "answered unexpectedly"; `context` (e.g. " for the vault list") and the provider's own
/// message, if any, are added.
pub fn status_error(
    provider: Provider,
    status: reqwest::StatusCode,
    context: &str,
    message: Option<String>,
) -> LinkError {
    let reason = match message {
        Some(m) => format!("HTTP {status}{context}: {m}"),
        None => format!("HTTP {status}{context}"),
    };
    if status.is_server_error() {
        LinkError::Unreachable { provider, reason }
    } else {
        LinkError::BadResponse { provider, reason }
    }
}

/// A current-thread runtime for one call of an async SDK (AWS, Azure).
#[cfg(any(feature = "aws", feature = "azure"))]
pub fn runtime(provider: Provider) -> Result<tokio::runtime::Runtime, LinkError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| LinkError::Unreachable {
            provider,
            reason: format!("cannot start the {provider} client: {e}"),
        })
}
