//! The server's signing key is sealed in the database under a key from outside it (issue 12): a
//! dump of the database holds no usable seed, another sealing key is refused, a seed an older
//! server stored in clear is sealed at the next start, and PostgreSQL will not start without the
//! sealing key.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

#[macro_use]
mod common;

use base64::Engine;
use common::{Backend, Store, coffer_server};
use std::process::Command;

on_both_backends!(
    the_signing_key_is_sealed_outside_the_database,
    a_version_1_database_is_sealed_and_chained_once,
);

fn stored(store: &Store) -> String {
    store.sql(&["SELECT signing_seed FROM server_identity WHERE id = 1"])[0][0].clone()
}

/// `coffer-server ARGS` on `store` with its usual arguments but `--sealing-key-file` replaced.
fn with_key(store: &Store, key: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let mut base = store.args();
    if let Some(i) = base.iter().position(|a| a == "--sealing-key-file") {
        base.drain(i..i + 2);
    }
    base.extend(["--sealing-key-file".to_string(), key.display().to_string()]);
    base.extend(args.iter().map(|a| a.to_string()));
    coffer_server(&base.iter().map(String::as_str).collect::<Vec<_>>())
}

fn the_signing_key_is_sealed_outside_the_database(backend: Backend) {
    let store = Store::new(backend);
    store.bootstrap("team");
    let fingerprint = store.fingerprint();
    let sealed = stored(&store);
    assert!(sealed.starts_with("sealed-1:"), "{sealed}");
    // Another sealing key opens nothing, and says so.
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.key");
    let (ok, _, _) = with_key(&store, &other, &["keygen", other.to_str().unwrap()]);
    assert!(ok);
    let (ok, _, err) = with_key(&store, &other, &["fingerprint"]);
    assert!(!ok);
    assert!(err.contains("sealed under another key"), "{err}");
    assert_eq!(stored(&store), sealed, "nothing rewritten");
    // keygen never replaces a key file.
    let (ok, _, err) = with_key(&store, &other, &["keygen", other.to_str().unwrap()]);
    assert!(!ok && err.contains("exists"), "{err}");
    // A seed stored in clear now (so as to sign with a key its writer knows) is refused.
    let planted = coffer_core::policy::ServerSigningKey::generate();
    let clear = base64::engine::general_purpose::STANDARD.encode(*planted.seed());
    store.sql(&[&format!(
        "UPDATE server_identity SET signing_seed = '{clear}' WHERE id = 1"
    )]);
    let (ok, err) = store.admin_status(&["fingerprint"]);
    assert!(!ok && err.contains("stored in clear"), "{err}");
    store.sql(&[&format!(
        "UPDATE server_identity SET signing_seed = '{sealed}' WHERE id = 1"
    )]);
    assert_eq!(store.fingerprint(), fingerprint);
    if let Backend::Postgres = backend {
        // PostgreSQL replicas must be given the key.
        let mut base = store.args();
        let i = base.iter().position(|a| a == "--sealing-key-file").unwrap();
        base.drain(i..i + 2);
        let out = Command::new(env!("CARGO_BIN_EXE_coffer-server"))
            .args(base)
            .arg("fingerprint")
            .env_remove("COFFER_SERVER_KEY")
            .env_remove("COFFER_SERVER_KEY_FILE")
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("coffer-server keygen"), "{err}");
    }
}

/// A database as a server before schema version 2 left it (key in clear, entries unchained) is
/// brought to version 2 once: the key sealed, the entries chained and signed; a row added later
/// without a place in the chain is reported, never signed.
fn a_version_1_database_is_sealed_and_chained_once(backend: Backend) {
    let store = Store::new(backend);
    store.bootstrap("team");
    let legacy = coffer_core::policy::ServerSigningKey::generate();
    let clear = base64::engine::general_purpose::STANDARD.encode(*legacy.seed());
    store.sql(&[
        "DROP INDEX audit_team_seq",
        "DROP TABLE audit_heads",
        "DROP TABLE vault_anchors",
        "ALTER TABLE audit_log DROP COLUMN seq",
        "ALTER TABLE audit_log DROP COLUMN prev_hash",
        "ALTER TABLE audit_log DROP COLUMN hash",
        "ALTER TABLE audit_log DROP COLUMN signature",
        "DELETE FROM schema_migrations WHERE version = 2",
        &format!("UPDATE server_identity SET signing_seed = '{clear}' WHERE id = 1"),
    ]);
    // The migration keeps the old key (policies signed before still verify), sealed now.
    assert_eq!(store.fingerprint(), legacy.public().fingerprint());
    assert!(stored(&store).starts_with("sealed-1:"));
    let (ok, err) = store.admin_status(&["audit", "verify"]);
    assert!(ok && err.contains("1 entries, chain intact"), "{err}");
    // A row put in directly, without a place in the chain, is reported and stays unsigned,
    // however often the server starts.
    let team = store.sql(&["SELECT id FROM teams"])[0][0].clone();
    store.sql(&[&format!(
        "INSERT INTO audit_log (id, team_id, at_micros, actor_id, actor_name, action, detail) \
         VALUES ('forged', '{team}', 1, NULL, NULL, 'policy.set', '{{}}')"
    )]);
    for _ in 0..2 {
        let (ok, err) = store.admin_status(&["audit", "verify"]);
        assert!(!ok && err.contains("outside the chain"), "{err}");
    }
    let signature = store.sql(&["SELECT signature FROM audit_log WHERE id = 'forged'"]);
    assert_eq!(signature[0][0], "", "never signed");
}
