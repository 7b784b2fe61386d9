//! Every request passes here: Host, Origin and session checks, and the security headers.

use crate::State;
use crate::session::{Authed, api_key, session_cookies, unauthorized};
use axum::extract::{Request, State as S};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Scripts and styles from this server only; no inline code, no other origin, no framing.
pub(crate) const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

pub(crate) async fn guard(S(state): S<Arc<State>>, mut req: Request, next: Next) -> Response {
    let mut resp = match check(&state, &mut req) {
        Ok(()) => next.run(req).await,
        Err(r) => r.into_response(),
    };
    let h = resp.headers_mut();
    for (k, v) in [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        h.insert(k, HeaderValue::from_static(v));
    }
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    resp
}

/// Why a request was turned away.
enum Refusal {
    Forbidden(&'static str),
    NotJson,
    SignedOut,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Forbidden(why) => refused(why),
            Refusal::NotJson => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "changes are sent as application/json\n",
            )
                .into_response(),
            Refusal::SignedOut => unauthorized(),
        }
    }
}

fn check(state: &State, req: &mut Request) -> Result<(), Refusal> {
    let port = state.port;
    let headers = req.headers();
    // DNS rebinding: a page on evil.example that makes its name resolve to 127.0.0.1 still sends
    // `Host: evil.example`.
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let hosts = [format!("127.0.0.1:{port}"), format!("localhost:{port}")];
    if !host.is_some_and(|h| hosts.iter().any(|a| a == h)) {
        return Err(Refusal::Forbidden(
            "the Host header does not name this server",
        ));
    }
    let safe = matches!(*req.method(), Method::GET | Method::HEAD);
    // Opening the start address is a navigation that may come from anywhere (a terminal, the
    // file `coffer ui` opens the browser with): its one-time token is the credential.
    let start = safe
        && req.uri().path() == "/"
        && req.uri().query().is_some_and(|q| q.starts_with("token="));
    if !start && !same_origin(headers, port) {
        return Err(Refusal::Forbidden("the request comes from another site"));
    }
    if !safe && !headers.contains_key(header::ORIGIN) {
        return Err(Refusal::Forbidden(
            "a change must say where it comes from (Origin)",
        ));
    }
    if !safe {
        // A cross-site form cannot send JSON; fetch from another origin would need CORS, which
        // this server never grants.
        let json = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(';').next() == Some("application/json"));
        if !json {
            return Err(Refusal::NotJson);
        }
    }
    let cookies = session_cookies(headers, port);
    let api = req.uri().path().starts_with("/api/");
    let authed = if api {
        // The vault: the cookie and the key only the page holds, together.
        api_key(headers).is_some_and(|k| cookies.iter().any(|c| state.sessions.valid_api(c, k)))
    } else {
        // The page's own files: the cookie.
        cookies.iter().any(|c| state.sessions.valid_cookie(c))
    };
    if authed {
        // Only the page itself (cookie and key) keeps the server from its idle stop: a cookie
        // collected by another local server must not keep it running.
        if api {
            state.sessions.touch();
        }
        req.extensions_mut().insert(Authed);
        return Ok(());
    }
    // Only the start address may come without a session (it carries the token).
    if req.uri().path() == "/" && safe {
        return Ok(());
    }
    Err(Refusal::SignedOut)
}

/// `Origin` (sent with every POST and with cross-origin requests) must be this server when
/// present, and present on changes; `Sec-Fetch-Site` must not say another site.
fn same_origin(headers: &HeaderMap, port: u16) -> bool {
    let origins = [
        format!("http://127.0.0.1:{port}"),
        format!("http://localhost:{port}"),
    ];
    if let Some(site) = headers.get("sec-fetch-site")
        && !matches!(site.to_str(), Ok("same-origin" | "none"))
    {
        return false;
    }
    match headers.get(header::ORIGIN).map(|o| o.to_str()) {
        Some(Ok(o)) => origins.iter().any(|a| a == o),
        Some(Err(_)) => false,
        None => true,
    }
}

fn refused(why: &'static str) -> Response {
    (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("Refused: {why}.\n"),
    )
        .into_response()
}
