//! The team export policy end to end: a real `coffer-server` (SQLite, then PostgreSQL) driven by
//! the real `coffer` CLI. Every scenario runs on both backends.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

#[macro_use]
mod common;

use coffer_core::policy::SignedPolicy;
use common::{Backend, MemberVault, Server, Store, TestClock};

const DENIED: i32 = 9;
const UNAUTHORIZED: i32 = 13;

on_both_backends!(
    admin_controls_export_and_members_obey,
    free_plan_cannot_change_policy,
    members_cannot_change_policy,
    tokens_are_required,
    cached_policy_is_signed_and_expires,
    logout_does_not_escape_the_policy,
    login_checks_the_server_fingerprint,
    signed_statements_are_reused_then_renewed,
);

/// Team "Acme" on plan `plan`: a running server, alice's (super admin) vault and bob's (member).
struct Team {
    clock: TestClock,
    store: Store,
    server: Server,
    fingerprint: String,
    alice: MemberVault,
    bob: MemberVault,
    bob_token: String,
}

fn team(backend: Backend, plan: &str, server_args: &[&str]) -> Team {
    let clock = TestClock::new();
    let store = Store::new(backend);
    let alice_token = store.bootstrap(plan);
    let fingerprint = store.fingerprint();
    let server = Server::start_at(&store, "127.0.0.1:0", server_args, Some(&clock));
    let alice = MemberVault::on_clock(Some(&clock));
    alice.login(&server, &alice_token, &fingerprint);
    let bob = MemberVault::on_clock(Some(&clock));
    let bob_token = alice.invite("bob", "member");
    bob.login(&server, &bob_token, &fingerprint);
    Team {
        clock,
        store,
        server,
        fingerprint,
        alice,
        bob,
        bob_token,
    }
}

fn audit_actions(t: &Team) -> Vec<(String, String)> {
    let out = t.alice.run(&["team", "audit", "--json"]).unwrap();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["actorName"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn admin_controls_export_and_members_obey(backend: Backend) {
    let t = team(backend, "team", &[]);
    // Default: both formats allowed.
    t.bob.export("--plaintext").unwrap();
    t.bob.export("--encrypted").unwrap();

    // Export off: refused, naming the team policy.
    t.alice
        .run(&["team", "policy", "set", "--export", "off"])
        .unwrap();
    let (code, err) = t.bob.export("--encrypted").unwrap_err();
    assert_eq!(code, DENIED, "{err}");
    assert!(
        err.contains("turned off by the policy of team \"Acme\""),
        "{err}"
    );

    // Encrypted only: plaintext refused (naming what is allowed), encrypted works.
    t.alice.set_policy("on", Some("encrypted"));
    let (code, err) = t.bob.export("--plaintext").unwrap_err();
    assert_eq!(code, DENIED);
    assert!(
        err.contains("plaintext export is not allowed") && err.contains("allowed: encrypted"),
        "{err}"
    );
    // Other tools' formats hold values in clear: the plaintext switch covers them.
    for other in ["--format=dotenv", "--format=postman-env"] {
        let (code, err) = t.bob.export(other).unwrap_err();
        assert_eq!(code, DENIED, "{other}: {err}");
        assert!(err.contains("plaintext export is not allowed"), "{err}");
    }
    t.bob.export("--encrypted").unwrap();

    // Members read the policy.
    let shown = t.bob.run(&["team", "policy", "--json"]).unwrap();
    let v: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(v["export"]["enabled"], true);
    assert_eq!(v["export"]["formats"], serde_json::json!(["encrypted"]));
    assert_eq!(v["source"], "server");

    // Every change and every export is in the audit log, with who did it.
    let log = audit_actions(&t);
    let count = |a: &str, who: &str| log.iter().filter(|(x, w)| x == a && w == who).count();
    assert_eq!(count("policy.set", "alice"), 2, "{log:?}");
    assert_eq!(count("vault.export", "bob"), 3, "{log:?}");
    assert_eq!(count("member.add", "alice"), 1, "{log:?}");
    // Members cannot read the audit log.
    let (code, _) = t.bob.run(&["team", "audit"]).unwrap_err();
    assert_eq!(code, DENIED);

    // Admins list the members with their roles; members cannot.
    let out = t.alice.run(&["team", "members", "--json"]).unwrap();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let mut roles: Vec<(String, String)> = v["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap().to_string(),
                m["role"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    roles.sort();
    assert_eq!(
        roles,
        [
            ("alice".to_string(), "super-admin".to_string()),
            ("bob".to_string(), "member".to_string())
        ]
    );
    let (code, _) = t.bob.run(&["team", "members"]).unwrap_err();
    assert_eq!(code, DENIED);
}

fn free_plan_cannot_change_policy(backend: Backend) {
    let t = team(backend, "free", &[]);
    let (code, err) = t
        .alice
        .run(&["team", "policy", "set", "--export", "off"])
        .unwrap_err();
    assert_eq!(code, DENIED, "{err}");
    assert!(err.contains("free plan"), "{err}");
    t.bob.export("--plaintext").unwrap();
    t.bob.export("--encrypted").unwrap();
    // After an upgrade the admin can; after a downgrade the setting no longer applies.
    t.store
        .admin(&["set-plan", "--team", "Acme", "--plan", "team"]);
    t.alice
        .run(&["team", "policy", "set", "--export", "off"])
        .unwrap();
    assert_eq!(t.bob.export("--encrypted").unwrap_err().0, DENIED);
    let before = policy_revision(&t.bob);
    t.store
        .admin(&["set-plan", "--team", "Acme", "--plan", "free"]);
    t.bob.export("--encrypted").unwrap();
    // The plan is part of the signed policy: changing it is a new revision, audited.
    assert!(
        policy_revision(&t.bob) > before,
        "set-plan raises the revision"
    );
    let log = audit_actions(&t);
    assert_eq!(
        log.iter().filter(|(a, _)| a == "team.plan").count(),
        2,
        "{log:?}"
    );
}

fn policy_revision(v: &MemberVault) -> i64 {
    let shown = v.run(&["team", "policy", "--json"]).unwrap();
    let p: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(p["source"], "server", "{shown}");
    p["revision"].as_i64().unwrap()
}

fn members_cannot_change_policy(backend: Backend) {
    let t = team(backend, "enterprise", &[]);
    let (code, err) = t
        .bob
        .run(&["team", "policy", "set", "--export", "off"])
        .unwrap_err();
    assert_eq!(code, DENIED);
    assert!(err.contains("only a team admin can change"), "{err}");
    // The same through the API: 403.
    let bob_token = t.alice.invite("carol", "member");
    let resp = reqwest::blocking::Client::new()
        .put(format!("{}/v1/policy/vault", t.server.url))
        .bearer_auth(&bob_token)
        .json(&serde_json::json!({"export": {"enabled": false, "formats": []}}))
        .send()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 403);
    // Admins may; a member cannot make a super admin, an admin can make members.
    let dave = t.alice.invite("dave", "admin");
    let dv = MemberVault::new();
    dv.login(&t.server, &dave, &t.fingerprint);
    dv.run(&[
        "team",
        "policy",
        "set",
        "--export",
        "on",
        "--formats",
        "plaintext",
    ])
    .unwrap();
    assert_eq!(
        dv.run(&["team", "invite", "eve", "--role", "super-admin"])
            .unwrap_err()
            .0,
        DENIED
    );
    assert_eq!(t.bob.run(&["team", "invite", "eve"]).unwrap_err().0, DENIED);
}

fn tokens_are_required(backend: Backend) {
    let t = team(backend, "team", &[]);
    let http = reqwest::blocking::Client::new();
    let url = format!("{}/v1/policy/vault", t.server.url);
    assert_eq!(
        http.get(&url).send().unwrap().status().as_u16(),
        401,
        "no token"
    );
    for bad in [
        "cft_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "nonsense",
        "",
    ] {
        let s = http
            .get(&url)
            .bearer_auth(bad)
            .send()
            .unwrap()
            .status()
            .as_u16();
        assert_eq!(s, 401, "bad token {bad:?}");
    }
    // A forged token for a real member id.
    let real = t.alice.invite("mallory", "member");
    let forged = format!("{}{}", &real[..real.len() - 4], "AAAA");
    assert_eq!(
        http.get(&url)
            .bearer_auth(&forged)
            .send()
            .unwrap()
            .status()
            .as_u16(),
        401
    );
    assert_eq!(
        http.get(&url)
            .bearer_auth(&real)
            .send()
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    // The CLI: login with a bad token.
    let v = MemberVault::new();
    let (code, err) = v
        .try_login(
            &t.server.url,
            "cft_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            Some(&t.fingerprint),
        )
        .unwrap_err();
    assert_eq!(code, UNAUTHORIZED, "{err}");
    // Oversized bodies are refused.
    let big = "x".repeat(64 * 1024);
    let s = http
        .post(format!("{}/v1/audit/exports", t.server.url))
        .bearer_auth(&real)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .unwrap()
        .status()
        .as_u16();
    assert_eq!(s, 413);
}

/// Rewrites the policy cached in `v` (signed statement edited to allow everything) through the
/// library, as someone editing the vault by hand with its key would.
fn tamper_cached_policy(v: &MemberVault) {
    use base64::Engine;
    use coffer_vault::{KeySource, Vault, VaultLocation};
    let loc = VaultLocation::in_dir(&v.home());
    let mut vault = Vault::open(&loc, &KeySource::File(loc.key_path.clone())).unwrap();
    let mut link = coffer_vault::team::load(&mut vault).unwrap().unwrap();
    let signed: SignedPolicy = link.policy.clone().unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut st: serde_json::Value =
        serde_json::from_slice(&b64.decode(&signed.payload).unwrap()).unwrap();
    st["export"] = serde_json::json!({"enabled": true, "formats": ["encrypted", "plaintext"]});
    link.policy = Some(SignedPolicy {
        payload: b64.encode(serde_json::to_vec(&st).unwrap()),
        signature: signed.signature,
    });
    coffer_vault::team::save(&mut vault, Some(&link)).unwrap();
}

fn cached_policy(v: &MemberVault) -> SignedPolicy {
    use coffer_vault::{KeySource, Vault, VaultLocation};
    let loc = VaultLocation::in_dir(&v.home());
    let mut vault = Vault::open(&loc, &KeySource::File(loc.key_path.clone())).unwrap();
    coffer_vault::team::load(&mut vault)
        .unwrap()
        .unwrap()
        .policy
        .unwrap()
}

fn put_cached_policy(v: &MemberVault, p: SignedPolicy) {
    use coffer_vault::{KeySource, Vault, VaultLocation};
    let loc = VaultLocation::in_dir(&v.home());
    let mut vault = Vault::open(&loc, &KeySource::File(loc.key_path.clone())).unwrap();
    let mut link = coffer_vault::team::load(&mut vault).unwrap().unwrap();
    link.policy = Some(p);
    coffer_vault::team::save(&mut vault, Some(&link)).unwrap();
}

fn cached_policy_is_signed_and_expires(backend: Backend) {
    let t = team(backend, "team", &["--policy-ttl", "8"]);
    t.bob.export("--plaintext").unwrap();
    let lax = cached_policy(&t.bob); // revision 0: everything allowed, genuinely signed
    t.alice.set_policy("on", Some("encrypted"));
    t.bob.export("--encrypted").unwrap(); // fetches and caches the signed policy (revision 1)
    let current = cached_policy(&t.bob);
    let Team {
        server, bob, clock, ..
    } = t;
    server.stop();

    // Server down, cache fresh: obeyed, and said so.
    let out = bob.cmd(&[
        "export",
        "--encrypted",
        "--yes",
        "-o",
        bob.dir.path().join("o1.json").to_str().unwrap(),
    ]);
    let out = out.stdin_bytes(b"");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("could not be asked") && err.contains("Acme"),
        "{err}"
    );
    assert!(
        err.contains("will be sent"),
        "the audit report is queued, and said so: {err}"
    );
    let (code, err) = bob.export("--plaintext").unwrap_err();
    assert_eq!(code, DENIED, "{err}");

    // Rolling the cache back to an older, laxer (but genuinely signed) policy is refused.
    put_cached_policy(&bob, lax);
    let (code, err) = bob.export("--plaintext").unwrap_err();
    assert_eq!(code, DENIED, "{err}");
    assert!(err.contains("older than one already seen"), "{err}");
    put_cached_policy(&bob, current);

    // An edited cache is rejected (fail closed), not obeyed.
    tamper_cached_policy(&bob);
    let (code, err) = bob.export("--plaintext").unwrap_err();
    assert_eq!(code, DENIED, "{err}");
    assert!(err.contains("signature does not match"), "{err}");
    assert_eq!(bob.export("--encrypted").unwrap_err().0, DENIED);

    // Status works offline and says so.
    let status = bob.run(&["team", "status"]).unwrap();
    assert!(status.contains("offline"), "{status}");
    // Expired: refused (time moves past the 8 s TTL; nothing sleeps).
    clock.advance(9);
    let (code, err) = bob.export("--encrypted").unwrap_err();
    assert_eq!(code, DENIED, "{err}");
    assert!(err.contains("cannot confirm the export policy"), "{err}");
}

/// The statement the server sends `token`, and the raw response.
fn fetch_policy(t: &Team, token: &str) -> (serde_json::Value, String) {
    use base64::Engine;
    let body = reqwest::blocking::Client::new()
        .get(format!("{}/v1/policy/vault", t.server.url))
        .bearer_auth(token)
        .send()
        .unwrap()
        .error_for_status()
        .unwrap()
        .text()
        .unwrap();
    let signed: SignedPolicy = serde_json::from_str(&body).unwrap();
    let payload = base64::engine::general_purpose::STANDARD
        .decode(&signed.payload)
        .unwrap();
    (serde_json::from_slice(&payload).unwrap(), body)
}

/// The server signs a statement once per team, revision and quarter of the TTL: the same bytes
/// are sent again meanwhile; a change of policy is sent at once; a statement a quarter of the
/// TTL old is replaced by a fresh one.
fn signed_statements_are_reused_then_renewed(backend: Backend) {
    let t = team(backend, "team", &["--policy-ttl", "40"]);
    let (first, body) = fetch_policy(&t, &t.bob_token);
    let (_, again) = fetch_policy(&t, &t.bob_token);
    assert_eq!(body, again, "the same statement is sent again");
    t.clock.advance(9);
    assert_eq!(
        fetch_policy(&t, &t.bob_token).1,
        body,
        "9 s of 40: still fresh"
    );
    // A change is in the next response, whatever is cached.
    t.alice.set_policy("on", Some("encrypted"));
    let (changed, changed_body) = fetch_policy(&t, &t.bob_token);
    assert_ne!(changed_body, body);
    assert_eq!(changed["revision"], first["revision"].as_i64().unwrap() + 1);
    assert_eq!(fetch_policy(&t, &t.bob_token).1, changed_body);
    // Past a quarter of the TTL, a new statement with a new validity period.
    t.clock.advance(10);
    let (renewed, renewed_body) = fetch_policy(&t, &t.bob_token);
    assert_ne!(renewed_body, changed_body);
    assert_eq!(renewed["revision"], changed["revision"]);
    let expires = |v: &serde_json::Value| {
        coffer_core::Timestamp::parse(v["expiresAt"].as_str().unwrap())
            .unwrap()
            .unix()
    };
    assert_eq!(expires(&renewed) - expires(&changed), 10);
    // Changes by other processes (the operator's command; SQL behind the server's back) are in
    // the very next response: nothing the server keeps outlives a change of the database.
    t.store
        .admin(&["set-plan", "--team", "Acme", "--plan", "enterprise"]);
    assert_eq!(fetch_policy(&t, &t.bob_token).0["plan"], "enterprise");
    t.store.sql(&["UPDATE teams SET name = 'Acme Two'"]);
    assert_eq!(fetch_policy(&t, &t.bob_token).0["teamName"], "Acme Two");
    // Each request is still authenticated: a token given up is refused at once.
    let client = reqwest::blocking::Client::new();
    let released = client
        .delete(format!("{}/v1/session", t.server.url))
        .bearer_auth(&t.bob_token)
        .send()
        .unwrap();
    assert!(released.status().is_success());
    let status = client
        .get(format!("{}/v1/policy/vault", t.server.url))
        .bearer_auth(&t.bob_token)
        .send()
        .unwrap()
        .status();
    assert_eq!(status, reqwest::StatusCode::UNAUTHORIZED);
}

fn logout_does_not_escape_the_policy(backend: Backend) {
    let t = team(backend, "team", &["--policy-ttl", "3"]);
    t.alice
        .run(&["team", "policy", "set", "--export", "off"])
        .unwrap();
    t.bob.export("--encrypted").unwrap_err();
    let out = t.bob.cmd(&["team", "logout"]).stdin_bytes(b"");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && err.contains("still applies"),
        "{err}"
    );
    assert_eq!(
        t.bob.export("--encrypted").unwrap_err().0,
        DENIED,
        "policy lock after logout"
    );
    // The token is revoked on the server.
    let resp = reqwest::blocking::Client::new()
        .get(format!("{}/v1/policy/vault", t.server.url))
        .bearer_auth(&t.bob_token)
        .send()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    // Logging in to another team (here: a fresh server of bob's own, on the free plan) is
    // refused while the vault is bound to Acme.
    let own = Store::new(backend);
    let own_token = own.bootstrap("free");
    let own_server = Server::start(&own, &[]);
    let (code, err) = t
        .bob
        .try_login(&own_server.url, &own_token, Some(&own.fingerprint()))
        .unwrap_err();
    assert_eq!(code, DENIED, "{err}");
    assert!(err.contains("stays bound"), "{err}");
    assert_eq!(t.bob.export("--encrypted").unwrap_err().0, DENIED);
    // Once the release is in effect (policy TTL after logout), the vault is free.
    t.clock.advance(4);
    t.bob.export("--encrypted").unwrap();
    assert!(
        t.bob.run(&["team", "status"]).is_err(),
        "no longer in a team"
    );
    let log = audit_actions(&t);
    assert!(
        log.contains(&("member.release".to_string(), "bob".to_string())),
        "{log:?}"
    );
    // Released members can be invited again under the same name.
    t.alice.invite("bob", "member");
}

fn login_checks_the_server_fingerprint(backend: Backend) {
    let t = team(backend, "team", &[]);
    let token = t.alice.invite("frank", "member");
    let v = MemberVault::new();
    let wrong = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let (code, err) = v.try_login(&t.server.url, &token, Some(wrong)).unwrap_err();
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("not the expected"), "{err}");
    // Without a terminal, a fingerprint is required.
    let (code, _) = v.try_login(&t.server.url, &token, None).unwrap_err();
    assert_eq!(code, 11, "the key cannot be confirmed without a terminal");
    // Plain http to a non-loopback address is refused before any request.
    let (code, err) = v
        .try_login("http://192.0.2.1:8700", &token, Some(wrong))
        .unwrap_err();
    assert_eq!(code, 4, "{err}");
    // Joined vault status shows the pinned fingerprint.
    let status = t.bob.run(&["team", "status", "--json"]).unwrap();
    let s: serde_json::Value = serde_json::from_str(&status).unwrap();
    assert_eq!(s["fingerprint"], t.fingerprint.as_str());
    assert_eq!(s["member"]["role"], "member");
}

#[test]
fn several_servers_share_one_postgres_database() {
    let store = Store::new(Backend::Postgres);
    let alice_token = store.bootstrap("team");
    let fp = store.fingerprint();
    let a = Server::start(&store, &[]);
    let b = Server::start(&store, &[]);
    let alice = MemberVault::new();
    alice.login(&a, &alice_token, &fp);
    let bob = MemberVault::new();
    bob.login(&b, &alice.invite("bob", "member"), &fp);
    // Server b has signed (and keeps) a statement of the policy before the change.
    bob.export("--encrypted").unwrap();
    alice
        .run(&["team", "policy", "set", "--export", "off"])
        .unwrap();
    assert_eq!(
        bob.export("--encrypted").unwrap_err().0,
        DENIED,
        "server b sees server a's change"
    );
    // Both sign with the same key.
    let ka: serde_json::Value = reqwest::blocking::get(format!("{}/v1/server-key", a.url))
        .unwrap()
        .json()
        .unwrap();
    let kb: serde_json::Value = reqwest::blocking::get(format!("{}/v1/server-key", b.url))
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(ka["fingerprint"], kb["fingerprint"]);
    assert_eq!(ka["fingerprint"], fp.as_str());
}

/// A server restored from an old backup sends a genuinely signed but older policy: no path
/// takes it. `team policy set` raised the admin's highest revision (so her export refuses it),
/// and `team policy` shows what is in force (the newer cached policy), not the rolled-back one.
#[test]
fn a_server_restored_from_an_old_backup_cannot_roll_the_policy_back() {
    let t = team(Backend::Sqlite, "team", &[]);
    t.alice.set_policy("on", Some("encrypted")); // revision 1
    let Team {
        clock,
        store,
        server,
        alice,
        bob,
        ..
    } = t;
    let addr = server.addr();
    server.stop();
    let Store::Sqlite(dir) = &store else {
        unreachable!()
    };
    let data = dir.path().join("server");
    let backup = dir.path().join("backup");
    copy_dir(&data, &backup);
    let server = Server::start_at(&store, &addr, &[], Some(&clock));
    // Revision 2: export off. Alice set it; Bob saw it through `team policy`.
    alice
        .run(&["team", "policy", "set", "--export", "off"])
        .unwrap();
    assert_eq!(policy_revision(&bob), 2);
    server.stop();
    std::fs::remove_dir_all(&data).unwrap();
    copy_dir(&backup, &data);
    let _old = Server::start_at(&store, &addr, &[], Some(&clock));

    // Alice never fetched revision 2; she only set it. It still counts.
    let (code, err) = alice.export("--encrypted").unwrap_err();
    assert_eq!(code, DENIED, "{err}");
    assert!(err.contains("older than revision 2"), "{err}");
    // Bob: the policy shown is revision 2 (cached, in force), with the reason.
    let shown = bob.run(&["team", "policy", "--json"]).unwrap();
    let p: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(p["revision"], 2, "{shown}");
    assert_eq!(p["source"], "cache", "{shown}");
    assert_eq!(p["export"]["enabled"], false, "{shown}");
    let (_, err) = bob.export("--encrypted").unwrap_err();
    assert!(err.contains("older than revision 2"), "{err}");
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}
