//! `coffer ui` without a browser: who may talk to it, what it sends back, how it stops
//! (issue 9). A real server on loopback, plain HTTP requests.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;
#[path = "common/ui.rs"]
mod ui;

use common::TestVault;
use reqwest::blocking::{Client, Response};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, HOST, ORIGIN, SET_COOKIE};
use ui::UiServer;

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

fn client() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap()
}

/// A signed-in page: the session cookie, and the API key it got in the address fragment.
struct Auth {
    cookie: String,
    bearer: String,
}

/// Exchanges the start token for the session: a cookie (the page's files) and an API key in
/// the redirect's fragment (the vault).
fn sign_in(s: &UiServer) -> Auth {
    let r = client().get(&s.start_url).send().unwrap();
    assert_eq!(r.status(), 200);
    has_security_headers(&r);
    let cookie = r.headers()[SET_COOKIE].to_str().unwrap().to_string();
    // A page of ours moves to `/#session=KEY` (a same-site navigation).
    let page = r.text().unwrap();
    let key = page
        .split("url=/#session=")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("{page}"))
        .to_string();
    assert_eq!(key.len(), 43);
    assert!(
        cookie.ends_with("; HttpOnly; SameSite=Strict; Path=/"),
        "{cookie}"
    );
    assert!(!cookie.contains(&key), "the API key is never a cookie");
    Auth {
        cookie: cookie.split(';').next().unwrap().to_string(),
        bearer: format!("Bearer {key}"),
    }
}

/// Puts the session (cookie and key) on a request.
trait WithSession {
    fn with_session(self, auth: &Auth) -> Self;
}

impl WithSession for reqwest::blocking::RequestBuilder {
    fn with_session(self, auth: &Auth) -> Self {
        self.header(COOKIE, &auth.cookie)
            .header(AUTHORIZATION, &auth.bearer)
    }
}

fn post(s: &UiServer, auth: &Auth, path: &str, body: serde_json::Value) -> Response {
    client()
        .post(s.url(path))
        .with_session(auth)
        .header(ORIGIN, s.origin())
        .json(&body)
        .send()
        .unwrap()
}

fn has_security_headers(r: &Response) {
    let h = r.headers();
    assert_eq!(h["content-security-policy"], CSP, "{}", r.url());
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["cache-control"], "no-store");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(h["cross-origin-opener-policy"], "same-origin");
    assert_eq!(h["cross-origin-resource-policy"], "same-origin");
}

#[test]
fn only_the_signed_in_browser_from_this_origin_gets_in() {
    let v = TestVault::init();
    v.set("stripe", "sk_live_value_1");
    let s = UiServer::start(&v, &[]);
    let c = client();
    // No session: 401 everywhere, also for the page's own files.
    for path in ["/", "/api/secrets", "/app.js", "/api/key", "/nothing"] {
        let r = c.get(s.url(path)).send().unwrap();
        assert_eq!(r.status(), 401, "{path}");
        has_security_headers(&r);
    }
    // A wrong token (right length, and not), no cookie.
    let wrong = format!("{}?token={}", s.url("/"), "A".repeat(43));
    for url in [wrong, format!("{}?token=x", s.url("/"))] {
        let r = c.get(&url).send().unwrap();
        assert_eq!(r.status(), 401, "{url}");
        assert!(r.headers().get(SET_COOKIE).is_none());
    }
    // The real token once: a cookie. Twice: nothing (it is one-time).
    let auth = sign_in(&s);
    let r = c.get(&s.start_url).send().unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers().get(SET_COOKIE).is_none());
    // A forged session id of the right shape.
    let forged = format!("coffer_ui_{}={}", s.port, "B".repeat(43));
    let r = c
        .get(s.url("/api/secrets"))
        .header(COOKIE, forged)
        .send()
        .unwrap();
    assert_eq!(r.status(), 401);
    // The cookie alone loads the page's files but never opens the vault: browsers send
    // cookies for 127.0.0.1 to every port, so another local server could collect it.
    for path in ["/", "/app.js", "/app.css"] {
        let r = c
            .get(s.url(path))
            .header(COOKIE, &auth.cookie)
            .send()
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
    }
    for (path, key) in [
        ("/api/secrets", None),
        ("/api/secrets", Some(format!("Bearer {}", "C".repeat(43)))),
        ("/api/export/options", None),
    ] {
        let mut req = c.get(s.url(path)).header(COOKIE, &auth.cookie);
        if let Some(k) = key {
            req = req.header(AUTHORIZATION, k);
        }
        let r = req.send().unwrap();
        assert_eq!(r.status(), 401, "{path}");
        has_security_headers(&r);
    }
    let r = c
        .post(s.url("/api/key"))
        .header(COOKIE, &auth.cookie)
        .header(ORIGIN, s.origin())
        .json(&serde_json::json!({}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 401);
    // The key without the cookie is not enough either.
    let r = c
        .get(s.url("/api/secrets"))
        .header(AUTHORIZATION, &auth.bearer)
        .send()
        .unwrap();
    assert_eq!(r.status(), 401);
    // The session: the page, its files, the list.
    for path in ["/", "/app.js", "/app.css", "/api/secrets"] {
        let r = c.get(s.url(path)).with_session(&auth).send().unwrap();
        assert_eq!(r.status(), 200, "{path}");
        has_security_headers(&r);
    }
    // DNS rebinding: the right cookie, another Host.
    for host in ["evil.example", "evil.example:1", "127.0.0.1", "127.0.0.2:1"] {
        let r = c
            .get(s.url("/api/secrets"))
            .with_session(&auth)
            .header(HOST, host)
            .send()
            .unwrap();
        assert_eq!(r.status(), 403, "{host}");
        has_security_headers(&r);
    }
    let r = c
        .get(s.url("/api/secrets"))
        .with_session(&auth)
        .header(HOST, format!("localhost:{}", s.port))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200, "localhost is this server too");
    // CSRF: another origin, no origin, a form, a cross-site fetch.
    let reveal = serde_json::json!({"name": "stripe"});
    let r = c
        .post(s.url("/api/secrets/reveal"))
        .with_session(&auth)
        .header(ORIGIN, "http://evil.example")
        .json(&reveal)
        .send()
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = c
        .post(s.url("/api/secrets/reveal"))
        .with_session(&auth)
        .json(&reveal)
        .send()
        .unwrap();
    assert_eq!(r.status(), 403, "a change without Origin");
    has_security_headers(&r);
    let r = c
        .post(s.url("/api/secrets/reveal"))
        .with_session(&auth)
        .header(ORIGIN, s.origin())
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body("name=stripe")
        .send()
        .unwrap();
    assert_eq!(r.status(), 415);
    has_security_headers(&r);
    let r = c
        .get(s.url("/api/secrets"))
        .with_session(&auth)
        .header("sec-fetch-site", "cross-site")
        .send()
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = c
        .get(s.url("/api/secrets"))
        .with_session(&auth)
        .header(ORIGIN, "null")
        .send()
        .unwrap();
    assert_eq!(r.status(), 403);
    // None of the refused calls reached the value.
    let r = post(&s, &auth, "/api/secrets/reveal", reveal);
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<serde_json::Value>().unwrap()["value"],
        "sk_live_value_1"
    );
}

#[test]
fn values_and_the_key_leave_only_when_asked_for() {
    let v = TestVault::init();
    let value = "sk_live_never_listed_42";
    v.set("stripe", value);
    let key = v.key_text();
    let s = UiServer::start(&v, &[]);
    let auth = sign_in(&s);
    let c = client();
    let mut seen = String::new();
    for path in [
        "/",
        "/app.js",
        "/app.css",
        "/api/secrets",
        "/api/status",
        "/api/export/options",
    ] {
        let r = c.get(s.url(path)).with_session(&auth).send().unwrap();
        assert_eq!(r.status(), 200, "{path}");
        seen.push_str(&format!("{:?}", r.headers()));
        seen.push_str(&r.text().unwrap());
    }
    for (path, body) in [
        (
            "/api/secrets/enable",
            serde_json::json!({"name": "stripe", "enabled": false}),
        ),
        (
            "/api/secrets/domains",
            serde_json::json!({"name": "stripe", "allowedDomains": "api.stripe.com"}),
        ),
        (
            "/api/secrets/save",
            serde_json::json!({"name": "nope", "value": "v", "allowedDomains": "*.com"}),
        ),
        (
            "/api/import/plan",
            serde_json::json!({"sources": [{"kind": "text", "text": "not an export"}]}),
        ),
    ] {
        let r = post(&s, &auth, path, body);
        seen.push_str(&r.text().unwrap());
    }
    assert!(!seen.contains(value), "a value was sent without a reveal");
    assert!(
        !seen.to_lowercase().contains(&key.to_lowercase()),
        "the vault key was sent without being asked for"
    );
    let r = post(&s, &auth, "/api/key", serde_json::json!({}));
    assert_eq!(r.json::<serde_json::Value>().unwrap()["key"], key);
}

/// The page's errors are the CLI's: the same message and the same hint.
#[test]
fn errors_carry_the_clis_message_and_hint() {
    let v = TestVault::init();
    let s = UiServer::start(&v, &[]);
    let auth = sign_in(&s);
    let cli = |args: &[&str]| {
        let out = v.cmd(args).write_stdin("x").output().unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8(out.stderr).unwrap();
        let mut lines = err.lines();
        (
            lines
                .next()
                .unwrap()
                .trim_start_matches("error: ")
                .to_string(),
            lines
                .next()
                .unwrap()
                .trim_start_matches("hint: ")
                .to_string(),
        )
    };
    for (args, path, body) in [
        (
            vec!["set", "ok", "--allowed-domains", "*.com"],
            "/api/secrets/save",
            serde_json::json!({"name": "ok", "value": "x", "allowedDomains": "*.com"}),
        ),
        (
            vec!["set", "bad name"],
            "/api/secrets/save",
            serde_json::json!({"name": "bad name", "value": "x"}),
        ),
        (
            vec!["rm", "missing"],
            "/api/secrets/remove",
            serde_json::json!({"name": "missing"}),
        ),
    ] {
        let (error, hint) = cli(&args);
        let r = post(&s, &auth, path, body);
        assert!(r.status().is_client_error(), "{path}: {}", r.status());
        let b: serde_json::Value = r.json().unwrap();
        assert_eq!(b["error"], error, "{args:?}");
        assert_eq!(b["hint"], hint, "{args:?}");
    }
}

#[test]
fn the_server_stops_on_sigterm_and_when_idle() {
    let v = TestVault::init();
    let s = UiServer::start(&v, &[]);
    let (status, err) = s.stop();
    assert!(status.success(), "{status:?} {err}");
    assert!(err.contains("Stopped."), "{err}");
    // Idle: nothing is sent, so it stops by itself (waiting for the exit, not for a time).
    let mut s = UiServer::start(&v, &["--idle-timeout", "1s"]);
    let status = s.child.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(s.child.stderr.as_mut().unwrap(), &mut err).unwrap();
    assert!(status.success(), "{err}");
    assert!(err.contains("Stopped after 1s without a request."), "{err}");
    // A bad timeout is a usage error.
    let out = v
        .cmd(&["ui", "--no-open", "--idle-timeout", "soon"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// Reset (a lost key) needs the words, deletes every secret, writes a new key file the CLI then
/// uses, and the page goes on working.
#[test]
fn reset_needs_the_words_and_makes_a_new_key() {
    let v = TestVault::init();
    v.set("a", "1");
    v.set("b", "2");
    let old_key = v.key_text();
    let s = UiServer::start(&v, &[]);
    let auth = sign_in(&s);
    let r = post(
        &s,
        &auth,
        "/api/reset",
        serde_json::json!({"confirm": "yes"}),
    );
    assert_eq!(r.status(), 422);
    assert_eq!(v.key_text(), old_key, "nothing changed");
    let r = post(
        &s,
        &auth,
        "/api/reset",
        serde_json::json!({"confirm": "reset vault"}),
    );
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<serde_json::Value>().unwrap()["deleted"], 2);
    assert_ne!(v.key_text(), old_key);
    let out = v.cmd(&["list", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    let r = client()
        .get(s.url("/api/secrets"))
        .with_session(&auth)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<serde_json::Value>().unwrap()["secrets"],
        serde_json::json!([])
    );
}

/// Imports larger than axum's default 2 MB request limit go through (a folder of exports, sent
/// as base64 by the page).
#[test]
fn large_imports_are_accepted() {
    let v = TestVault::init();
    let src = TestVault::init();
    src.set("big", "v");
    let out = src
        .cmd(&["export", "--plaintext", "--yes", "-o", "-"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let mut text = String::from_utf8(out.stdout).unwrap();
    text.push_str(&" ".repeat(3 << 20));
    let s = UiServer::start(&v, &[]);
    let auth = sign_in(&s);
    let r = post(
        &s,
        &auth,
        "/api/import/plan",
        serde_json::json!({"sources": [{"kind": "text", "text": text}]}),
    );
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<serde_json::Value>().unwrap()["counts"]["new"], 1);
}

/// The plan the user confirms is the plan applied: a change to the vault since (a secret added,
/// changed), also one the import would clear or replace, voids it; a bad decision list keeps it.
#[test]
fn a_plan_applies_only_to_the_vault_it_was_made_for() {
    let v = TestVault::init();
    v.set("dup", "old");
    let src = TestVault::init();
    src.set("dup", "imported");
    src.set("fresh", "f");
    let out = src
        .cmd(&["export", "--plaintext", "--yes", "-o", "-"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let s = UiServer::start(&v, &[]);
    let auth = sign_in(&s);
    let plan = |clear: bool| {
        let r = post(
            &s,
            &auth,
            "/api/import/plan",
            serde_json::json!({"sources": [{"kind": "text", "text": text}], "clear": clear}),
        );
        assert_eq!(r.status(), 200);
        r.json::<serde_json::Value>().unwrap()["planId"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let apply = |id: &str, resolutions: serde_json::Value| {
        post(
            &s,
            &auth,
            "/api/import/apply",
            serde_json::json!({"planId": id, "resolutions": resolutions}),
        )
    };
    // A bad decision list is refused and the plan stays.
    let id = plan(false);
    assert_eq!(apply(&id, serde_json::json!(["bogus"])).status(), 422);
    let r = apply(&id, serde_json::json!([]));
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .unwrap()
            .contains("decide once for every duplicate"),
        "the hint says what to do"
    );
    // The duplicate changed in the CLI meanwhile: replacing it would lose that change.
    v.set("dup", "newer-from-the-cli");
    let r = apply(&id, serde_json::json!(["replace"]));
    assert_eq!(r.status(), 409);
    assert!(r.text().unwrap().contains("review the import again"));
    assert_eq!(v.get("dup").trim_end(), "newer-from-the-cli");
    // Clearing first: a secret added since the plan is not cleared unseen.
    let id = plan(true);
    v.set("precious", "p");
    assert_eq!(apply(&id, serde_json::json!([])).status(), 409);
    assert_eq!(v.get("precious").trim_end(), "p");
    // A current plan applies.
    let id = plan(false);
    let r = apply(&id, serde_json::json!(["skip"]));
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<serde_json::Value>().unwrap()["added"],
        serde_json::json!(["fresh"])
    );
}

/// Another local page can add a cookie of the same name (cookies ignore ports): the real one
/// still works. A HEAD of the start address (a link preview) does not use up the token.
#[test]
fn tossed_cookies_and_head_requests_do_not_sign_out() {
    let v = TestVault::init();
    let s = UiServer::start(&v, &[]);
    let r = client().head(&s.start_url).send().unwrap();
    assert!(r.headers().get(SET_COOKIE).is_none());
    let auth = sign_in(&s);
    let tossed = format!("coffer_ui_{}={}; {}", s.port, "A".repeat(43), auth.cookie);
    let r = client()
        .get(s.url("/api/secrets"))
        .header(COOKIE, tossed)
        .header(AUTHORIZATION, &auth.bearer)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
}

/// Only the page (cookie and key) keeps the server from its idle stop: a cookie collected by
/// another local server, replayed for the page's files, does not.
#[test]
fn a_replayed_cookie_does_not_keep_the_server_alive() {
    let v = TestVault::init();
    let mut s = UiServer::start(&v, &["--idle-timeout", "1s"]);
    let auth = sign_in(&s);
    // Replay the cookie back to back until the server is gone (connection refused); the
    // test waits for the server's exit, not for a time.
    let cookie = auth.cookie.clone();
    let url = s.url("/app.js");
    let replayer =
        std::thread::spawn(
            move || {
                while client().get(&url).header(COOKIE, &cookie).send().is_ok() {}
            },
        );
    let (tx, rx) = std::sync::mpsc::channel();
    let mut child = std::mem::replace(
        &mut s.child,
        std::process::Command::new("true").spawn().unwrap(),
    );
    std::thread::spawn(move || tx.send(child.wait().unwrap()));
    let status = rx
        .recv_timeout(std::time::Duration::from_secs(20))
        .expect("the cookie kept the server alive");
    assert!(status.success());
    replayer.join().unwrap();
}
