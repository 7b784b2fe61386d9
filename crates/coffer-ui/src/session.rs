//! The one-time start token and the session it becomes.

use crate::State;
use axum::extract::{Query, State as S};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use secrecy::SecretString;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use subtle::ConstantTimeEq;
use tokio::time::Instant;

/// The start token (until used) and the live sessions.
pub(crate) struct Sessions {
    inner: Mutex<Inner>,
    idle_timeout: Duration,
}

struct Inner {
    /// The one-time token; `None` once exchanged.
    token: Option<[u8; 32]>,
    sessions: Vec<Session>,
    last_request: Instant,
}

/// One signed-in page: the cookie lets the browser load the page's files; the API key, which
/// only the page's script holds (from the address fragment, kept in the tab's sessionStorage),
/// is needed for every API call. Browsers send cookies for 127.0.0.1 to every port, so a
/// cookie alone must never open the vault: another local server could collect it.
#[derive(Clone, Copy)]
pub(crate) struct Session {
    pub cookie: [u8; 32],
    pub api: [u8; 32],
}

impl Sessions {
    /// New sessions and the start token (base64url), which is returned once.
    pub fn new(idle_timeout: Duration) -> (Self, SecretString) {
        let token = coffer_core::crypto::random::bytes::<32>();
        let text = SecretString::from(B64.encode(token));
        (
            Self {
                inner: Mutex::new(Inner {
                    token: Some(token),
                    sessions: Vec::new(),
                    last_request: Instant::now(),
                }),
                idle_timeout,
            },
            text,
        )
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves nothing half-done: the data is plain values.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records a request (for the idle timeout).
    pub fn touch(&self) {
        self.lock().last_request = Instant::now();
    }

    /// Whether `cookie` (base64url) belongs to a live session.
    pub fn valid_cookie(&self, cookie: &str) -> bool {
        let Some(c) = decode32(cookie) else {
            return false;
        };
        // Constant time over every session: the comparison does not reveal how much matched.
        self.lock()
            .sessions
            .iter()
            .fold(subtle::Choice::from(0), |acc, s| acc | s.cookie.ct_eq(&c))
            .into()
    }

    /// Whether `cookie` and `api` (base64url) are the two halves of one live session.
    pub fn valid_api(&self, cookie: &str, api: &str) -> bool {
        let (Some(c), Some(a)) = (decode32(cookie), decode32(api)) else {
            return false;
        };
        self.lock()
            .sessions
            .iter()
            .fold(subtle::Choice::from(0), |acc, s| {
                acc | (s.cookie.ct_eq(&c) & s.api.ct_eq(&a))
            })
            .into()
    }

    /// Exchanges the start token for a new session; the token works once.
    fn exchange(&self, token: &str) -> Option<Session> {
        let given = decode32(token)?;
        let mut inner = self.lock();
        let expected = inner.token?;
        if !bool::from(expected.ct_eq(&given)) {
            return None;
        }
        inner.token = None;
        let session = Session {
            cookie: coffer_core::crypto::random::bytes::<32>(),
            api: coffer_core::crypto::random::bytes::<32>(),
        };
        inner.sessions.push(session);
        Some(session)
    }

    /// Resolves once no request came for the idle time.
    pub async fn idle(&self) {
        loop {
            let deadline = self.lock().last_request + self.idle_timeout;
            if Instant::now() >= deadline {
                return;
            }
            tokio::time::sleep_until(deadline).await;
        }
    }
}

fn decode32(s: &str) -> Option<[u8; 32]> {
    if s.len() != 43 {
        return None;
    }
    B64.decode(s).ok()?.try_into().ok()
}

/// The session cookie's name: one per port, so two `coffer ui` servers never share one.
pub(crate) fn cookie_name(port: u16) -> String {
    format!("coffer_ui_{port}")
}

/// Every value the request's cookies give this server's session cookie. Another local page
/// can add a cookie of the same name (cookies ignore ports), so each is tried, not the first.
pub(crate) fn session_cookies(headers: &HeaderMap, port: u16) -> Vec<String> {
    let name = cookie_name(port);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .filter(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .collect()
}

/// The API key from `Authorization: Bearer KEY`.
pub(crate) fn api_key(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

/// Marks a request the guard found to carry a live session.
#[derive(Clone, Copy)]
pub(crate) struct Authed;

#[derive(serde::Deserialize)]
pub(crate) struct Start {
    token: Option<String>,
}

/// `GET /`: the page for a session; with `?token=` the one-time exchange (a cookie, and a
/// redirect that takes the token out of the address bar and history).
pub(crate) async fn start(
    S(state): S<Arc<State>>,
    method: axum::http::Method,
    authed: Option<axum::Extension<Authed>>,
    Query(q): Query<Start>,
) -> Response {
    // A HEAD (a link preview, a checker) must not use up the one-time token.
    if let Some(token) = q
        .token
        .as_deref()
        .filter(|_| method == axum::http::Method::GET)
    {
        return match state.sessions.exchange(token) {
            Some(session) => {
                let cookie = format!(
                    "{}={}; HttpOnly; SameSite=Strict; Path=/",
                    cookie_name(state.port),
                    B64.encode(session.cookie)
                );
                // The API key goes in the fragment: never sent to any server, read by the
                // page's script and taken out of the address bar. The move there is a page of
                // ours (not a redirect), so it is a same-site navigation: the start address may
                // be opened from anywhere (a terminal, a file), and a SameSite=Strict cookie is
                // only sent on a navigation that starts on this site.
                let key = B64.encode(session.api);
                let page = format!(
                    "<!doctype html><meta charset=utf-8><meta http-equiv=refresh content=\"0;url=/#session={key}\"><title>Coffer</title><p>Signing in… <a href=\"/#session={key}\">Continue</a></p>\n"
                );
                let mut r =
                    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response();
                if let Ok(v) = HeaderValue::from_str(&cookie) {
                    r.headers_mut().insert(header::SET_COOKIE, v);
                }
                r
            }
            None if authed.is_some() => {
                (StatusCode::SEE_OTHER, [(header::LOCATION, "/")]).into_response()
            }
            None => unauthorized(),
        };
    }
    if authed.is_some() {
        return crate::assets::page();
    }
    unauthorized()
}

/// 401 with a line that says what to do.
pub(crate) fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "Not signed in: open the address that `coffer ui` printed (its token works once); restart `coffer ui` for a new one.\n",
    )
        .into_response()
}
