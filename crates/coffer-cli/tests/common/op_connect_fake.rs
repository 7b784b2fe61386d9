//! A FAKE 1Password Connect server (no real one runs here: it ships as a Docker image), written
//! from the published Connect API reference: bearer token on every `/v1` call (401
//! `{"status":401,"message":...}` otherwise), `GET /v1/vaults[?filter=name eq "NAME"]`,
//! `GET /v1/vaults/{id}/items[?filter=title eq "TITLE"]`, `GET /v1/vaults/{id}/items/{id}` with
//! `sections` and `fields` (`id`, `label`, `value`, `section.id`), 403 for a vault the token may not
//! see, 404 `{"status":404,"message":...}` for unknown ids. Loopback, port 0, every request counted.

#![allow(dead_code)] // each test binary uses part of it

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The token the fake accepts.
pub const TOKEN: &str = "eyJhbGciOiJFUzI1NiJ9.fake-connect-token.sig";

/// A running fake; it stops with the test process.
pub struct ConnectFake {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    requests: Arc<AtomicUsize>,
    paths: Arc<Mutex<Vec<String>>>,
}

fn vaults() -> Value {
    json!([
        {"id": "vlt1dev", "name": "Dev"},
        {"id": "vlt2ops", "name": "Ops"}
    ])
}

fn items(vault: &str) -> Option<Value> {
    match vault {
        "vlt1dev" => Some(json!([
            {"id": "itm1stripe", "title": "Stripe", "vault": {"id": "vlt1dev"}},
            {"id": "itm2db", "title": "Database", "vault": {"id": "vlt1dev"}}
        ])),
        "vlt2ops" => None,
        _ => Some(Value::Null),
    }
}

fn item(vault: &str, id: &str) -> Option<Value> {
    match (vault, id) {
        ("vlt1dev", "itm1stripe") => Some(json!({
            "id": "itm1stripe", "title": "Stripe", "vault": {"id": "vlt1dev"}, "category": "API_CREDENTIAL",
            "sections": [{"id": "sec1", "label": "live"}, {"id": "sec2", "label": "test"}],
            "fields": [
                {"id": "username", "type": "STRING", "purpose": "USERNAME", "label": "username", "value": "acct_1"},
                {"id": "credential", "type": "CONCEALED", "label": "credential", "value": "sk_live_from_op"},
                {"id": "k1", "type": "CONCEALED", "label": "api key", "value": "sk_live_sectioned", "section": {"id": "sec1"}},
                {"id": "k2", "type": "CONCEALED", "label": "api key", "value": "sk_test_sectioned", "section": {"id": "sec2"}},
                {"id": "empty", "type": "STRING", "label": "notes"}
            ]
        })),
        ("vlt1dev", "itm2db") => Some(json!({
            "id": "itm2db", "title": "Database", "vault": {"id": "vlt1dev"}, "category": "DATABASE",
            "fields": [{"id": "password", "type": "CONCEALED", "purpose": "PASSWORD", "label": "password", "value": "db-pass"}]
        })),
        _ => None,
    }
}

/// `name eq "X"` / `title eq "X"`, percent-decoded from the query.
fn filter_value(query: &str) -> Option<(String, String)> {
    let raw = query.split('&').find_map(|kv| kv.strip_prefix("filter="))?;
    let text = crate::common::form_decode(raw);
    let (key, rest) = text.split_once(" eq ")?;
    Some((key.to_string(), rest.trim_matches('"').to_string()))
}

fn filtered(list: Value, query: &str) -> Value {
    match filter_value(query) {
        Some((k, v)) => Value::Array(
            list.as_array()
                .unwrap()
                .iter()
                .filter(|x| x[&k] == v.as_str())
                .cloned()
                .collect(),
        ),
        None => list,
    }
}

fn answer(method: &str, target: &str, auth: Option<&str>) -> (u16, Value) {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path == "/heartbeat" {
        return (200, json!("."));
    }
    if auth != Some(&format!("Bearer {TOKEN}")) {
        return (
            401,
            json!({"status": 401, "message": "Invalid token signature"}),
        );
    }
    if method != "GET" {
        return (405, json!({"status": 405, "message": "method not allowed"}));
    }
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let not_found = |what: &str| {
        (
            404,
            json!({"status": 404, "message": format!("{what} not found")}),
        )
    };
    match parts.as_slice() {
        ["v1", "vaults"] => (200, filtered(vaults(), query)),
        ["v1", "vaults", v, "items"] => match items(v) {
            None => (
                403,
                json!({"status": 403, "message": "Authorization: token does not have access to this vault"}),
            ),
            Some(Value::Null) => not_found("vault"),
            Some(list) => (200, filtered(list, query)),
        },
        ["v1", "vaults", v, "items", i] => match (items(v), item(v, i)) {
            (None, _) => (
                403,
                json!({"status": 403, "message": "Authorization: token does not have access to this vault"}),
            ),
            (_, Some(it)) => (200, it),
            (_, None) => not_found("item"),
        },
        _ => not_found("resource"),
    }
}

fn serve(stream: TcpStream, requests: &AtomicUsize, paths: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut words = line.split_whitespace();
    let (method, target) = (
        words.next().unwrap_or("").to_string(),
        words.next().unwrap_or("").to_string(),
    );
    let mut auth = None;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
            break;
        }
        if let Some((k, v)) = h.split_once(':')
            && k.eq_ignore_ascii_case("authorization")
        {
            auth = Some(v.trim().to_string());
        }
    }
    requests.fetch_add(1, Ordering::SeqCst);
    paths.lock().unwrap().push(target.clone());
    let (status, body) = answer(&method, &target, auth.as_deref());
    let body = body.to_string();
    let mut out = stream;
    let _ = write!(
        out,
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
}

impl ConnectFake {
    /// Starts the fake on a loopback port 0.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let paths = Arc::new(Mutex::new(Vec::new()));
        let (r, p) = (requests.clone(), paths.clone());
        std::thread::spawn(move || {
            for s in listener.incoming().flatten() {
                let (r, p) = (r.clone(), p.clone());
                std::thread::spawn(move || serve(s, &r, &p));
            }
        });
        ConnectFake {
            url,
            requests,
            paths,
        }
    }

    /// Requests answered so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// The request targets seen so far.
    pub fn paths(&self) -> Vec<String> {
        self.paths.lock().unwrap().clone()
    }
}
