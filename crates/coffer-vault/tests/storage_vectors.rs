//! The committed sample vaults (`tests/vectors/storage/vault-v1.db` and `vault-v4.db`, written by
//! the `gen_vectors` example) must open and read the same forever; their altered twins must not.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use coffer_core::{SecretContent, SecretName};
use coffer_vault::ops::{get::get, list::list};
use coffer_vault::{Classify, ErrorKind, KeySource, Vault, VaultLocation};
use std::path::PathBuf;

fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/storage")
}

/// A private copy of a vector database (opening may write beside it).
fn open_copy(db: &str) -> (tempfile::TempDir, Result<Vault, coffer_vault::OpenError>) {
    let dir = tempfile::tempdir().unwrap();
    let loc = VaultLocation::in_dir(dir.path());
    std::fs::copy(vectors().join(db), &loc.db_path).unwrap();
    let key_file = if db.starts_with("vault-v4") {
        "vault-v4.key"
    } else {
        "vault-v1.key"
    };
    let key = KeySource::File(vectors().join(key_file));
    let v = Vault::open(&loc, &key);
    (dir, v)
}

fn name(s: &str) -> SecretName {
    SecretName::parse(s).unwrap()
}

#[test]
fn sample_vault_v1_opens_and_reads() {
    let (_dir, v) = open_copy("vault-v1.db");
    let mut v = v.unwrap();
    let all = list(&mut v).unwrap();
    let names: Vec<&str> = all.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["github-token", "op-stripe", "stripe-live"]);
    assert_eq!(
        all[2].allowed_domains.to_string(),
        "api.stripe.com,*.stripe.com"
    );
    // Stored as "https://api.stripe.com:8443"; https is the default scheme, so it reads back
    // in canonical form.
    assert_eq!(all[1].allowed_domains.to_string(), "api.stripe.com:8443");
    assert_eq!(all[1].link.as_ref().unwrap().provider(), "one-password");
    match get(&mut v, &name("stripe-live")).unwrap().content {
        SecretContent::Value(val) => assert_eq!(val.expose(), "sk_live_51Hvector"),
        SecretContent::Link(_) => panic!("stripe-live is a value"),
    }
}

#[test]
fn sample_vault_v1_is_migrated_in_place() {
    let (dir, v) = open_copy("vault-v1.db");
    drop(v.unwrap());
    let conn = rusqlite::Connection::open(dir.path().join("vault.db")).unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, 4);
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'sealed_state'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 1);
    // The committed file itself is still version 1: it is the input of this test forever.
    let orig = rusqlite::Connection::open(vectors().join("vault-v1.db")).unwrap();
    let v1: i64 = orig
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(v1, 1);
}

#[test]
fn sample_vault_v1_refuses_other_keys_and_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let loc = VaultLocation::in_dir(dir.path());
    std::fs::copy(vectors().join("vault-v1.db"), &loc.db_path).unwrap();
    let wrong = KeySource::Env(format!("coffer-key-1-{}", "00".repeat(32)).into());
    assert_eq!(
        Vault::open(&loc, &wrong).unwrap_err().kind(),
        ErrorKind::WrongKey
    );
    // A wrong key never writes: not even the schema migration runs.
    let version: i64 = rusqlite::Connection::open(&loc.db_path)
        .unwrap()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, 1, "still the v1 file after a wrong key");
    assert_eq!(
        std::fs::read(&loc.db_path).unwrap(),
        std::fs::read(vectors().join("vault-v1.db")).unwrap(),
        "byte for byte"
    );

    let (_dir, v) = open_copy("vault-v1-tampered.db");
    let mut v = v.expect("the key still matches; one record is altered");
    assert_eq!(list(&mut v).unwrap_err().kind(), ErrorKind::Integrity);
}

#[test]
fn sample_vault_v1_gets_a_digest_and_verifies() {
    let (_dir, v) = open_copy("vault-v1.db");
    let r = coffer_vault::ops::verify::verify(&mut v.unwrap()).unwrap();
    assert_eq!((r.secrets, r.states, r.changes), (3, 0, 0));
}

#[test]
fn sample_vault_v4_opens_with_its_history() {
    use coffer_vault::ops::{history, undo};
    let (_dir, v) = open_copy("vault-v4.db");
    let mut v = v.unwrap();
    let names: Vec<String> = list(&mut v)
        .unwrap()
        .iter()
        .map(|s| s.name.to_string())
        .collect();
    assert_eq!(names, ["new-name", "stripe-live"]);
    let (entries, retention) = history::list(&mut v).unwrap();
    let what: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| (e.command.as_str(), e.detail.as_str()))
        .collect();
    assert_eq!(
        what,
        [("rename", "old-name -> new-name"), ("rm", "github-token")]
    );
    assert_eq!(retention, history::Retention::default());
    let r = coffer_vault::ops::verify::verify(&mut v).unwrap();
    assert_eq!((r.secrets, r.states, r.changes), (2, 4, 5));
    // The oldest entry still undoes: the removed secret comes back.
    let plan = undo::plan(&mut v, Some(entries[1].id)).unwrap();
    undo::apply(&mut v, &plan, &[]).unwrap();
    match get(&mut v, &name("github-token")).unwrap().content {
        SecretContent::Value(val) => assert_eq!(val.expose(), "ghp_v4vector"),
        SecretContent::Link(_) => panic!("a value"),
    }
}

#[test]
fn sample_vault_v4_altered_twins_are_inconsistent() {
    use coffer_vault::StoreError;
    for db in ["vault-v4-row-deleted.db", "vault-v4-history-deleted.db"] {
        let (_dir, v) = open_copy(db);
        let mut v = v.expect("the key matches");
        if db.contains("history") {
            // Every record is there and authenticates on its own...
            assert!(get(&mut v, &name("stripe-live")).is_ok());
        }
        // ...but the set is not the one the vault wrote.
        let err = list(&mut v).unwrap_err();
        assert!(
            matches!(
                err,
                coffer_vault::ops::list::ListError::Store(StoreError::Inconsistent)
            ),
            "{db}: {err:?}"
        );
        assert_eq!(err.kind(), ErrorKind::Inconsistent);
    }
    let (_dir, v) = open_copy("vault-v4-digest-deleted.db");
    let err = get(&mut v.unwrap(), &name("stripe-live")).unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::Inconsistent,
        "every command: {err:?}"
    );
}
