//! Every non-2xx answer has the documented shape `{"error": {"code", "message"}}`: each route is
//! walked in process (tower `oneshot`) with a method it does not take, a bad query, a bad body
//! and no token; plus validation of names and formats.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use coffer_core::policy::Plan;
use coffer_server::Db;
use coffer_server::api::{AppState, router};
use tower::ServiceExt;

const ROUTES: &[(&str, &[&str])] = &[
    ("/v1/health", &["GET"]),
    ("/v1/server-key", &["GET"]),
    ("/v1/me", &["GET"]),
    ("/v1/session", &["DELETE"]),
    ("/v1/policy/vault", &["GET", "PUT"]),
    ("/v1/members", &["GET", "POST"]),
    ("/v1/audit", &["GET"]),
    ("/v1/audit/exports", &["POST"]),
];

struct App {
    _dir: tempfile::TempDir,
    state: AppState,
    token: String,
}

async fn app() -> App {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open_sqlite(dir.path(), None).await.unwrap();
    let (_, token) = db.bootstrap("Acme", "alice", Plan::Team).await.unwrap();
    let state = AppState::new(db, 300, std::time::Duration::from_secs(10));
    App {
        _dir: dir,
        state,
        token: token.to_string(),
    }
}

/// Sends one request; returns the status and the parsed body (Null when there is none).
async fn send(
    a: &App,
    method: &str,
    uri: &str,
    token: bool,
    body: Option<&str>,
) -> (StatusCode, serde_json::Value) {
    let mut req = Request::builder()
        .method(Method::from_bytes(method.as_bytes()).unwrap())
        .uri(uri);
    if token {
        req = req.header("authorization", format!("Bearer {}", a.token));
    }
    let req = match body {
        Some(b) => req
            .header("content-type", "application/json")
            .body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    }
    .unwrap();
    let resp = router(a.state.clone()).oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    let v = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    (status, v)
}

fn assert_error_shape(what: &str, status: StatusCode, v: &serde_json::Value) {
    assert!(!status.is_success(), "{what}: {status}");
    let e = &v["error"];
    assert!(
        e["code"].as_str().is_some_and(|c| !c.is_empty())
            && e["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{what}: {status} answered {v}"
    );
}

#[tokio::test]
async fn every_refusal_is_json_in_the_documented_shape() {
    let a = app().await;
    for (path, methods) in ROUTES {
        for m in ["GET", "PUT", "POST", "DELETE", "PATCH"] {
            if methods.contains(&m) {
                continue;
            }
            let (s, v) = send(&a, m, path, true, None).await;
            assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED, "{m} {path}");
            assert_error_shape(&format!("{m} {path}"), s, &v);
        }
        for m in *methods {
            // No token (health and server-key are public).
            if !["/v1/health", "/v1/server-key"].contains(path) {
                let (s, v) = send(&a, m, path, false, None).await;
                assert_eq!(s, StatusCode::UNAUTHORIZED, "{m} {path}");
                assert_error_shape(&format!("{m} {path} without token"), s, &v);
            }
            // A body that is not JSON where one is expected.
            if ["PUT", "POST"].contains(m) {
                let (s, v) = send(&a, m, path, true, Some("{not json")).await;
                assert_error_shape(&format!("{m} {path} bad body"), s, &v);
                let big = format!("{{\"x\": \"{}\"}}", "a".repeat(64 * 1024));
                let (s, v) = send(&a, m, path, true, Some(&big)).await;
                assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{m} {path}");
                assert_error_shape(&format!("{m} {path} too large"), s, &v);
            }
        }
    }
    for q in [
        "limit=abc",
        "limit=",
        "limit=1.5",
        "limit=99999999999999999999",
    ] {
        let (s, v) = send(&a, "GET", &format!("/v1/audit?{q}"), true, None).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "?{q}");
        assert_error_shape(&format!("?{q}"), s, &v);
    }
    let (s, v) = send(&a, "GET", "/v1/nope", true, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_error_shape("unknown route", s, &v);
}

#[tokio::test]
async fn export_reports_a_vault_could_not_make_are_refused_and_not_logged() {
    let a = app().await;
    for (body, why) in [
        (
            r#"{"format":"encrypted","secretCount":1,"policyRevision":-1}"#,
            "policyRevision -1",
        ),
        (
            r#"{"format":"encrypted","secretCount":1,"policyRevision":7}"#,
            "policyRevision 7",
        ),
        (
            r#"{"format":"plaintext","secretCount":100000001,"policyRevision":0}"#,
            "secretCount 100000001",
        ),
    ] {
        let (s, v) = send(&a, "POST", "/v1/audit/exports", true, Some(body)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
        assert_error_shape(body, s, &v);
        assert!(v["error"]["message"].as_str().unwrap().contains(why), "{v}");
    }
    let ok = r#"{"format":"encrypted","secretCount":3,"policyRevision":0}"#;
    let (s, _) = send(&a, "POST", "/v1/audit/exports", true, Some(ok)).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, v) = send(&a, "GET", "/v1/audit", true, None).await;
    assert_eq!(s, StatusCode::OK);
    let exports: Vec<&serde_json::Value> = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "vault.export")
        .collect();
    assert_eq!(exports.len(), 1, "only the real report is logged: {v}");
}

#[tokio::test]
async fn a_member_flooding_export_reports_is_slowed_and_the_log_pages_by_cursor() {
    let a = app().await;
    let report = r#"{"format":"encrypted","secretCount":3,"policyRevision":0}"#;
    // A burst of 20 is taken; the 21st waits (one every 30 s), with Retry-After.
    for i in 0..20 {
        let (s, v) = send(&a, "POST", "/v1/audit/exports", true, Some(report)).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "report {i}: {v}");
    }
    let req = Request::builder()
        .method(Method::POST)
        .uri("/v1/audit/exports")
        .header("authorization", format!("Bearer {}", a.token))
        .header("content-type", "application/json")
        .body(Body::from(report))
        .unwrap();
    let resp = router(a.state.clone()).oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&wait), "Retry-After {wait}");
    // 21 entries in all (the bootstrap's member.add first): pages of 8, newest first.
    let (s, v) = send(&a, "GET", "/v1/audit?limit=8", true, None).await;
    assert_eq!(s, StatusCode::OK);
    let seqs = |v: &serde_json::Value| -> Vec<i64> {
        v["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["seq"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(seqs(&v), (14..=21).collect::<Vec<_>>());
    assert_eq!(v["head"]["seq"], 21);
    assert_eq!(v["next"], 14);
    let (_, v) = send(&a, "GET", "/v1/audit?limit=8&before=14", true, None).await;
    assert_eq!(seqs(&v), (6..=13).collect::<Vec<_>>());
    let (_, v) = send(&a, "GET", "/v1/audit?limit=8&before=6", true, None).await;
    assert_eq!(seqs(&v), (1..=5).collect::<Vec<_>>());
    assert!(v.get("next").is_none(), "the first page: {v}");
    // Forward, as a chain check walks it.
    let (_, v) = send(&a, "GET", "/v1/audit?limit=10&after=15", true, None).await;
    assert_eq!(seqs(&v), (16..=21).collect::<Vec<_>>());
    assert!(v.get("next").is_none());
    let (s, v) = send(&a, "GET", "/v1/audit?before=3&after=1", true, None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_error_shape("before and after", s, &v);
    // Every entry is chained and signed by the server's key.
    let (_, v) = send(&a, "GET", "/v1/audit?limit=1000", true, None).await;
    let log: coffer_api::AuditLog = serde_json::from_value(v).unwrap();
    let team = a.state.db.teams().await.unwrap()[0].id.clone();
    let chained: Vec<_> = log
        .entries
        .iter()
        .map(|e| e.chained(&team).unwrap())
        .collect();
    let end = coffer_core::audit::verify_run(
        &a.state.key.public(),
        (0, coffer_core::audit::GENESIS),
        &chained,
        Some(log.head.seq),
    )
    .unwrap();
    assert_eq!(coffer_core::hex::encode(&end.1), log.head.hash);
}

#[tokio::test]
async fn a_replica_handling_as_many_requests_as_it_takes_answers_busy_but_health_still_answers() {
    let a = app().await;
    // Every slot taken, as by 256 requests in flight.
    let held = a
        .state
        .limits
        .in_flight
        .clone()
        .acquire_many_owned(coffer_server::api::MAX_IN_FLIGHT as u32)
        .await
        .unwrap();
    let req = Request::builder()
        .uri("/v1/me")
        .header("authorization", format!("Bearer {}", a.token))
        .body(Body::empty())
        .unwrap();
    let resp = router(a.state.clone()).oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(resp.headers()["retry-after"], "1");
    let (s, _) = send(&a, "GET", "/v1/health", false, None).await;
    assert_eq!(s, StatusCode::OK);
    drop(held);
    let (s, _) = send(&a, "GET", "/v1/me", true, None).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn formats_are_unique_and_names_read_as_what_they_are() {
    let a = app().await;
    let dup = r#"{"export": {"enabled": true, "formats": ["encrypted", "encrypted"]}}"#;
    let (s, v) = send(&a, "PUT", "/v1/policy/vault", true, Some(dup)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("more than once")
    );
    let ok = r#"{"export": {"enabled": true, "formats": ["encrypted"]}}"#;
    let (s, _) = send(&a, "PUT", "/v1/policy/vault", true, Some(ok)).await;
    assert_eq!(s, StatusCode::OK);

    for bad in ["bob ", " bob", "b\u{202e}ob", "b\u{200b}ob", "bo\nb", ""] {
        let body = serde_json::json!({"name": bad, "role": "member"}).to_string();
        let (s, v) = send(&a, "POST", "/v1/members", true, Some(&body)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad:?}: {v}");
    }
    // Look-alikes of an existing name (case, Cyrillic a) are the same name.
    for same in ["Alice", "\u{0430}lice"] {
        let body = serde_json::json!({"name": same, "role": "member"}).to_string();
        let (s, v) = send(&a, "POST", "/v1/members", true, Some(&body)).await;
        assert_eq!(s, StatusCode::CONFLICT, "{same:?}: {v}");
    }
    let body = serde_json::json!({"name": "Ana María", "role": "member"}).to_string();
    let (s, _) = send(&a, "POST", "/v1/members", true, Some(&body)).await;
    assert_eq!(s, StatusCode::CREATED);
    // Team names too.
    assert!(a.state.db.bootstrap("acme", "x", Plan::Team).await.is_err());
    assert!(
        a.state
            .db
            .bootstrap("Beta\u{7}", "x", Plan::Team)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn the_data_directory_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("a").join("server");
    Db::open_sqlite(&data, None).await.unwrap();
    for d in [&data, &dir.path().join("a")] {
        let mode = std::fs::metadata(d).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{}", d.display());
    }
    for f in ["coffer-server.db", "sealing.key"] {
        let m = std::fs::metadata(data.join(f)).unwrap();
        assert_eq!(m.permissions().mode() & 0o777, 0o600, "{f}");
    }
}
