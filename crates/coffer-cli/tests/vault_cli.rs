//! End-to-end tests of the vault commands, each in its own COFFER_HOME.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use common::{TestVault, fails_with, mode};
use predicates::prelude::*;

const NOT_FOUND: i32 = 3;
const INVALID: i32 = 4;
const NO_VAULT: i32 = 5;
const WRONG_KEY: i32 = 6;
const CONFLICT: i32 = 8;
const CANCELLED: i32 = 11;

#[test]
fn init_creates_private_vault_and_key_and_says_where() {
    let v = TestVault::new();
    v.cmd(&["init"])
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::contains(v.key_file().display().to_string()))
        .stderr(predicate::str::contains("cannot be recovered"));
    assert_eq!(mode(&v.db()), 0o600);
    assert_eq!(mode(&v.key_file()), 0o600);
    assert_eq!(mode(&v.home()), 0o700);
    assert!(v.key_text().starts_with("coffer-key-1-"));
    let err = fails_with(&mut v.cmd(&["init"]), CONFLICT);
    assert!(err.contains("already exists"));
}

#[test]
fn default_location_follows_xdg() {
    let v = TestVault::new();
    let mut c = v.cmd(&["init"]);
    c.env_remove("COFFER_HOME");
    c.assert().success();
    assert!(v.dir.path().join(".local/share/coffer/vault.db").exists());
    assert!(v.dir.path().join(".config/coffer/vault.key").exists());
}

#[test]
fn every_command_reports_an_uninitialised_vault() {
    let v = TestVault::new();
    for args in [
        &["get", "x"][..],
        &["list"],
        &["set", "x"],
        &["rm", "x"],
        &["rename", "x", "y"],
        &["key", "show"],
        &["reset", "--yes"],
    ] {
        let err = fails_with(&mut v.cmd(args), NO_VAULT);
        assert!(err.contains("no vault at"), "{args:?}: {err}");
        assert!(err.contains("coffer init"), "{args:?}: {err}");
    }
}

#[test]
fn set_get_from_stdin_and_value_file() {
    let v = TestVault::init();
    v.cmd(&["set", "stripe"])
        .write_stdin("sk_live_abc\n")
        .assert()
        .success()
        .stdout("")
        .stderr("Added secret \"stripe\".\n");
    assert_eq!(v.get("stripe"), "sk_live_abc\n");
    let f = v.dir.path().join("value.txt");
    std::fs::write(&f, "from-file\r\n").unwrap();
    v.cmd(&["set", "stripe", "--value-file", f.to_str().unwrap()])
        .assert()
        .success()
        .stderr("Updated secret \"stripe\".\n");
    assert_eq!(v.get("stripe"), "from-file\n");
    // Multi-line values survive, minus one trailing newline.
    v.set("pem", "line1\nline2\n\n");
    assert_eq!(v.get("pem"), "line1\nline2\n\n");
}

#[test]
fn values_never_come_from_argv() {
    let v = TestVault::init();
    let err = fails_with(&mut v.cmd(&["set", "x", "the-value"]), 2);
    assert!(err.contains("unexpected argument"), "{err}");
    assert!(
        !err.contains("the-value"),
        "a value typed on the command line is not echoed: {err}"
    );
    let err = fails_with(&mut v.cmd(&["set", "x", "--bogus-flag"]), 2);
    assert!(err.contains("--bogus-flag"), "flags are shown: {err}");
    let err = fails_with(&mut v.cmd(&["rename", "a"]), 2);
    assert!(
        err.contains("<NEW>"),
        "the missing argument is named: {err}"
    );
}

#[test]
fn set_refuses_bad_input_without_changing_anything() {
    let v = TestVault::init();
    let err = fails_with(v.cmd(&["set", "bad name"]).write_stdin("v"), INVALID);
    assert!(
        err.contains("secret name contains ' '") && err.contains("1-128"),
        "{err}"
    );
    fails_with(v.cmd(&["set", "-lead"]).write_stdin("v"), 2);
    fails_with(v.cmd(&["set", "--", "-lead"]).write_stdin("v"), INVALID);
    let long = "a".repeat(129);
    fails_with(v.cmd(&["set", &long]).write_stdin("v"), INVALID);
    let err = fails_with(
        v.cmd(&[
            "set",
            "x",
            "--allowed-domains",
            "api.example.com,exa mple.com",
        ])
        .write_stdin("v"),
        INVALID,
    );
    assert!(err.contains("\"exa mple.com\""), "{err}");
    let err = fails_with(
        v.cmd(&["set", "x", "--allowed-domains", "https://x.com/path"])
            .write_stdin("v"),
        INVALID,
    );
    assert!(err.contains("paths"), "{err}");
    let err = fails_with(v.cmd(&["set", "x"]).write_stdin("\n"), INVALID);
    assert!(err.contains("empty"), "{err}");
    let err = fails_with(v.cmd(&["set", "x"]).write_stdin(vec![0xff, 0xfe]), INVALID);
    assert!(err.contains("UTF-8"), "{err}");
    v.cmd(&["list", "--json"])
        .assert()
        .success()
        .stdout("{\"version\":1,\"secrets\":[]}\n");
}

#[test]
fn allowed_domains_set_keep_and_clear() {
    let v = TestVault::init();
    v.cmd(&[
        "set",
        "api",
        "--allowed-domains",
        "API.example.com, *.example.org,http://localhost:8080",
    ])
    .write_stdin("one")
    .assert()
    .success();
    let list = |v: &TestVault| {
        let out = v.cmd(&["list", "--json"]).output().unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        doc["secrets"][0]["allowedDomains"].clone()
    };
    let expected = serde_json::json!(["api.example.com", "*.example.org", "http://localhost:8080"]);
    assert_eq!(list(&v), expected);
    v.set("api", "two");
    assert_eq!(list(&v), expected, "updating the value keeps the domains");
    v.cmd(&["set", "api", "--clear-domains"])
        .write_stdin("three")
        .assert()
        .success();
    assert_eq!(list(&v), serde_json::json!([]));
    assert_eq!(v.get("api"), "three\n");
}

#[test]
fn list_shows_metadata_never_values() {
    let v = TestVault::init();
    v.cmd(&["set", "zeta", "--allowed-domains", "api.zeta.io"])
        .write_stdin("zeta-value-123")
        .assert()
        .success();
    v.set("alpha", "alpha-value-456");
    let out = v.cmd(&["list"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("NAME"));
    assert!(lines[1].starts_with("alpha ") && lines[1].contains("(any)"));
    assert!(lines[2].starts_with("zeta ") && lines[2].contains("api.zeta.io"));
    assert!(!text.contains("value-"), "no value in list output");
    let json = v.cmd(&["list", "--json"]).output().unwrap().stdout;
    let doc: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let first = &doc["secrets"][0];
    assert_eq!(first["name"], "alpha");
    assert_eq!(first["linked"], false);
    assert!(first["link"].is_null());
    assert!(first["createdAt"].as_str().unwrap().ends_with('Z'));
    assert!(!String::from_utf8_lossy(&json).contains("value-"));
}

#[test]
fn unknown_secrets_are_reported() {
    let v = TestVault::init();
    for args in [
        &["get", "nope"][..],
        &["rm", "nope"],
        &["rename", "nope", "other"],
    ] {
        let err = fails_with(&mut v.cmd(args), NOT_FOUND);
        assert!(err.contains("no secret named \"nope\""), "{err}");
    }
}

#[test]
fn rm_and_rename() {
    let v = TestVault::init();
    v.set("a", "1");
    v.set("b", "2");
    let err = fails_with(&mut v.cmd(&["rename", "a", "b"]), CONFLICT);
    assert!(err.contains("\"b\" already exists"));
    assert_eq!(v.get("b"), "2\n", "a failed rename changes nothing");
    v.cmd(&["rename", "a", "c"]).assert().success();
    fails_with(&mut v.cmd(&["get", "a"]), NOT_FOUND);
    assert_eq!(v.get("c"), "1\n");
    v.cmd(&["rm", "c"])
        .assert()
        .success()
        .stderr("Removed secret \"c\".\n");
    fails_with(&mut v.cmd(&["get", "c"]), NOT_FOUND);
    assert_eq!(v.get("b"), "2\n");
}

#[test]
fn names_are_case_sensitive() {
    let v = TestVault::init();
    v.set("Token", "upper");
    v.set("token", "lower");
    assert_eq!(v.get("Token"), "upper\n");
    assert_eq!(v.get("token"), "lower\n");
}

#[test]
fn wrong_missing_and_malformed_keys() {
    let v = TestVault::init();
    v.set("a", "1");
    let other = format!("coffer-key-1-{}", "ab".repeat(32));
    let err = fails_with(
        v.cmd(&["get", "a"]).env("COFFER_VAULT_KEY", &other),
        WRONG_KEY,
    );
    assert!(
        err.contains("the vault key does not match this vault"),
        "{err}"
    );
    let err = fails_with(
        v.cmd(&["list"]).env("COFFER_VAULT_KEY", "hunter2"),
        WRONG_KEY,
    );
    assert!(!err.contains("hunter2"), "a bad key is never echoed: {err}");
    // A wrong key never changes data.
    fails_with(
        v.cmd(&["set", "a"])
            .env("COFFER_VAULT_KEY", &other)
            .write_stdin("x"),
        WRONG_KEY,
    );
    assert_eq!(v.get("a"), "1\n");

    let key = v.key_text();
    std::fs::remove_file(v.key_file()).unwrap();
    let err = fails_with(&mut v.cmd(&["get", "a"]), NO_VAULT);
    assert!(
        err.contains("no vault key") && err.contains("coffer reset"),
        "{err}"
    );
    // The key from the environment works.
    let out = v
        .cmd(&["get", "a"])
        .env("COFFER_VAULT_KEY", &key)
        .output()
        .unwrap();
    assert_eq!(out.stdout, b"1\n");
    // And from another file.
    let elsewhere = v.dir.path().join("backup.key");
    std::fs::write(&elsewhere, format!("{key}\n")).unwrap();
    v.cmd(&["--key-file", elsewhere.to_str().unwrap(), "get", "a"])
        .assert()
        .success()
        .stdout("1\n");
}

#[test]
fn init_with_key_from_environment_writes_no_key_file() {
    let v = TestVault::new();
    let key = format!("coffer-key-1-{}", "0f".repeat(32));
    v.cmd(&["init"])
        .env("COFFER_VAULT_KEY", &key)
        .assert()
        .success()
        .stderr(predicate::str::contains("COFFER_VAULT_KEY"));
    assert!(!v.key_file().exists());
    v.cmd(&["set", "a"])
        .env("COFFER_VAULT_KEY", &key)
        .write_stdin("1")
        .assert()
        .success();
    fails_with(&mut v.cmd(&["get", "a"]), NO_VAULT);
}

#[test]
fn key_show_and_save() {
    let v = TestVault::init();
    let key = v.key_text();
    v.cmd(&["key", "show"])
        .assert()
        .success()
        .stdout(format!("{key}\n"));
    let copy = v.dir.path().join("copy.key");
    v.cmd(&["key", "save", copy.to_str().unwrap()])
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(&copy).unwrap().trim(), key);
    assert_eq!(mode(&copy), 0o600);
    let err = fails_with(
        &mut v.cmd(&["key", "save", copy.to_str().unwrap()]),
        CONFLICT,
    );
    assert!(err.contains("--force"), "{err}");
    v.cmd(&["key", "save", "--force", copy.to_str().unwrap()])
        .assert()
        .success();
    // The key is not shown when it does not open the vault.
    let other = format!("coffer-key-1-{}", "cd".repeat(32));
    fails_with(
        v.cmd(&["key", "show"]).env("COFFER_VAULT_KEY", &other),
        WRONG_KEY,
    );
}

#[test]
fn reset_needs_confirmation_then_deletes_everything_with_a_new_key() {
    let v = TestVault::init();
    v.set("a", "1");
    let old_key = v.key_text();
    let err = fails_with(&mut v.cmd(&["reset"]), CANCELLED);
    assert!(err.contains("--yes"), "{err}");
    assert_eq!(v.get("a"), "1\n", "nothing changed without confirmation");
    // Works without the key: that is its purpose.
    std::fs::remove_file(v.key_file()).unwrap();
    v.cmd(&["reset", "--yes"])
        .assert()
        .success()
        .stderr(predicate::str::contains("Deleted 1 secret."));
    let new_key = v.key_text();
    assert_ne!(new_key, old_key);
    assert_eq!(mode(&v.key_file()), 0o600);
    v.cmd(&["list", "--json"])
        .assert()
        .success()
        .stdout("{\"version\":1,\"secrets\":[]}\n");
    fails_with(
        v.cmd(&["list"]).env("COFFER_VAULT_KEY", &old_key),
        WRONG_KEY,
    );
    v.set("b", "2");
    assert_eq!(v.get("b"), "2\n");
}

#[test]
fn usage_errors_are_two_lines() {
    let v = TestVault::init();
    let err = fails_with(&mut v.cmd(&["frobnicate"]), 2);
    assert!(err.contains("frobnicate"));
    v.cmd(&["--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Exit codes"));
}
