//! The tamper-evident audit log (issue 12), on SQLite and PostgreSQL: rows edited, deleted,
//! reordered or rewritten with a fresh chain directly in the database are found by
//! `coffer-server audit verify` and by `coffer team audit --verify`, which name the first broken
//! entry; a server database rolled back as a whole is found by the admin's pinned head; and a
//! vault put back from an older copy of its file is flagged in the log.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

#[macro_use]
mod common;

use common::{Backend, MemberVault, Server, Store};

on_both_backends!(
    edited_deleted_reordered_and_rewritten_rows_are_found,
    a_vault_restored_from_an_older_file_is_flagged,
);

const INTEGRITY: i32 = 7;

struct Team {
    store: Store,
    _server: Server,
    alice: MemberVault,
    bob: MemberVault,
}

/// Team "Acme": alice (super admin) and bob (member), and a few entries in the log.
fn team(backend: Backend) -> Team {
    let store = Store::new(backend);
    let alice_token = store.bootstrap("team");
    let fingerprint = store.fingerprint();
    let server = Server::start(&store, &[]);
    let alice = MemberVault::new();
    alice.login(&server, &alice_token, &fingerprint);
    let bob = MemberVault::new();
    let bob_token = alice.invite("bob", "member");
    bob.login(&server, &bob_token, &fingerprint);
    alice.set_policy("on", Some("encrypted"));
    bob.export("--encrypted").unwrap();
    alice.set_policy("on", Some("encrypted,plaintext"));
    bob.export("--plaintext").unwrap();
    Team {
        store,
        _server: server,
        alice,
        bob,
    }
}

fn team_id(t: &Team) -> String {
    t.store.sql(&["SELECT id FROM teams WHERE name = 'Acme'"])[0][0].clone()
}

/// Both checks pass.
fn intact(t: &Team) {
    let (ok, err) = t.store.admin_status(&["audit", "verify"]);
    assert!(ok, "server check: {err}");
    assert!(err.contains("chain intact"), "{err}");
    t.alice.run(&["team", "audit", "--verify"]).unwrap();
}

/// Both checks fail, naming entry `seq` and `what`.
fn broken(t: &Team, seq: i64, what: &str) {
    let (ok, err) = t.store.admin_status(&["audit", "verify"]);
    assert!(!ok, "server check passed after: {what}");
    assert!(
        err.contains(&format!("entry {seq}")) && err.contains(what),
        "server check, {what}: {err}"
    );
    let (code, err) = t.alice.run(&["team", "audit", "--verify"]).unwrap_err();
    assert_eq!(code, INTEGRITY, "{err}");
    assert!(
        err.contains(&format!("entry {seq}")) && err.contains(what),
        "client check, {what}: {err}"
    );
}

fn edited_deleted_reordered_and_rewritten_rows_are_found(backend: Backend) {
    let t = team(backend);
    let team = team_id(&t);
    let n: i64 = t.store.sql(&[&format!(
        "SELECT COUNT(*) FROM audit_log WHERE team_id = '{team}'"
    )])[0][0]
        .parse()
        .unwrap();
    assert!(n >= 6, "{n} entries");
    intact(&t);
    let entries = t.alice.run(&["team", "audit"]).unwrap();
    assert!(entries.contains("vault.export"), "{entries}");

    // Edited: bob's export turned into another format.
    let row = |seq: i64| {
        t.store.sql(&[&format!(
            "SELECT detail, hash FROM audit_log WHERE team_id = '{team}' AND seq = {seq}"
        )])[0]
            .clone()
    };
    let original = row(3);
    let edited = r#"{"tampered":true}"#;
    t.store.sql(&[&format!(
        "UPDATE audit_log SET detail = '{edited}' WHERE team_id = '{team}' AND seq = 3"
    )]);
    broken(&t, 3, "edited");
    // Rewritten: the same edit with its hash recomputed (anyone can compute SHA-256) but
    // without the signing key.
    let fields = t.store.sql(&[&format!(
        "SELECT at_micros, actor_id, actor_name, action, prev_hash FROM audit_log WHERE team_id = '{team}' AND seq = 3"
    )])[0]
        .clone();
    let prev: [u8; 32] = coffer_core::hex::decode(&fields[4])
        .unwrap()
        .try_into()
        .unwrap();
    let link = coffer_core::audit::Link {
        team_id: &team,
        seq: 3,
        at_micros: fields[0].parse().unwrap(),
        actor_id: (!fields[1].is_empty()).then_some(fields[1].as_str()),
        actor_name: (!fields[2].is_empty()).then_some(fields[2].as_str()),
        action: &fields[3],
        detail: edited,
    };
    let rehashed = coffer_core::hex::encode(&link.hash(&prev));
    t.store.sql(&[&format!(
        "UPDATE audit_log SET hash = '{rehashed}' WHERE team_id = '{team}' AND seq = 3"
    )]);
    broken(&t, 3, "signature");
    t.store.sql(&[&format!(
        "UPDATE audit_log SET detail = '{}', hash = '{}' WHERE team_id = '{team}' AND seq = 3",
        original[0], original[1]
    )]);
    intact(&t);

    // Deleted from the middle, then put back.
    let keep = format!(
        "CREATE TABLE kept AS SELECT * FROM audit_log WHERE team_id = '{team}' AND seq = 3"
    );
    t.store.sql(&[
        &keep,
        &format!("DELETE FROM audit_log WHERE team_id = '{team}' AND seq = 3"),
    ]);
    broken(&t, 4, "deleted");
    t.store.sql(&[
        "INSERT INTO audit_log SELECT * FROM kept",
        "DROP TABLE kept",
    ]);
    intact(&t);

    // Reordered: entries 4 and 5 swap places.
    let swap = |a: i64, b: i64| {
        t.store.sql(&[
            &format!("UPDATE audit_log SET seq = -1 WHERE team_id = '{team}' AND seq = {a}"),
            &format!("UPDATE audit_log SET seq = {a} WHERE team_id = '{team}' AND seq = {b}"),
            &format!("UPDATE audit_log SET seq = {b} WHERE team_id = '{team}' AND seq = -1"),
        ]);
    };
    swap(4, 5);
    broken(&t, 4, "moved");
    swap(4, 5);
    intact(&t);

    // The last entry deleted: the head still says where the log ends.
    let last = n;
    t.store.sql(&[
        &format!(
            "CREATE TABLE kept AS SELECT * FROM audit_log WHERE team_id = '{team}' AND seq = {last}"
        ),
        &format!("DELETE FROM audit_log WHERE team_id = '{team}' AND seq = {last}"),
    ]);
    broken(&t, last, "deleted from the end");
    // The head rolled back with it: the server's own check cannot tell, but alice verified the
    // longer chain before and her vault pinned its head.
    let prev_hash = t.store.sql(&[&format!(
        "SELECT hash FROM audit_log WHERE team_id = '{team}' AND seq = {}",
        last - 1
    )])[0][0]
        .clone();
    t.store.sql(&[&format!(
        "UPDATE audit_heads SET seq = {}, hash = '{prev_hash}' WHERE team_id = '{team}'",
        last - 1
    )]);
    let (ok, err) = t.store.admin_status(&["audit", "verify"]);
    assert!(ok, "a consistent shorter chain: {err}");
    let (code, err) = t.alice.run(&["team", "audit", "--verify"]).unwrap_err();
    assert_eq!(code, INTEGRITY, "{err}");
    assert!(err.contains("rolled back"), "{err}");
    // Put back, the log goes on growing and checking out.
    t.store.sql(&[
        "INSERT INTO audit_log SELECT * FROM kept",
        "DROP TABLE kept",
        &format!(
            "UPDATE audit_heads SET seq = {last}, hash = (SELECT hash FROM audit_log WHERE team_id = '{team}' AND seq = {last}) WHERE team_id = '{team}'"
        ),
    ]);
    t.bob.export("--encrypted").unwrap();
    intact(&t);
    // The JSON Lines export: every entry, then the head.
    let lines = t.alice.run(&["team", "audit", "--jsonl"]).unwrap();
    let lines: Vec<serde_json::Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len() as i64, n + 2);
    assert_eq!(lines.last().unwrap()["head"]["seq"], n + 1);
    assert_eq!(lines[0]["seq"], 1);
}

fn a_vault_restored_from_an_older_file_is_flagged(backend: Backend) {
    let t = team(backend);
    let db = t.bob.home().join("vault.db");
    let old = std::fs::read(&db).unwrap();
    let out = t.bob.cmd(&["set", "newer"]).stdin_bytes(b"v");
    assert!(out.status.success());
    t.bob.export("--encrypted").unwrap();
    // Bob's vault file put back as it was (records and digest together: a valid vault).
    std::fs::write(&db, old).unwrap();
    t.bob.run(&["verify"]).unwrap();
    t.bob.export("--encrypted").unwrap();
    let log: serde_json::Value =
        serde_json::from_str(&t.alice.run(&["team", "audit", "--json"]).unwrap()).unwrap();
    let exports: Vec<serde_json::Value> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "vault.export")
        .map(|e| serde_json::from_str(e["detail"].as_str().unwrap()).unwrap())
        .collect();
    let last = exports.last().unwrap();
    let before = &exports[exports.len() - 2];
    assert!(before.get("vaultRolledBack").is_none(), "{before}");
    assert_eq!(last["vaultRolledBack"], true, "{last}");
    assert!(last["vaultChanges"].as_i64() < before["vaultChanges"].as_i64());
    assert_eq!(last["vaultChangesSeen"], before["vaultChanges"]);
}
