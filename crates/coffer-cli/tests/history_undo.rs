//! Undo and the vault digest from the command line (issue 12): every destructive command can be
//! undone to byte-identical secrets, a crash in the middle leaves old-or-new with a consistent
//! history, snapshots stay sealed and out of exports, and a tampered set of rows is reported.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use common::{TestVault, at_rest_contains, contents, fails_with, handmade};
use serde_json::Value;

/// A vault with secrets that use every field a record can hold.
fn filled() -> TestVault {
    let v = TestVault::init();
    v.set("stripe-live", "sk_live_history_1");
    v.set("github-token", "ghp_history_2");
    v.cmd(&[
        "set",
        "db-password",
        "--allowed-domains",
        "db.example.com,*.internal.example.com",
    ])
    .write_stdin("pw_history_3")
    .assert()
    .success();
    v.cmd(&["set", "db-password", "--env", "prod"])
        .write_stdin("pw_history_prod")
        .assert()
        .success();
    v.cmd(&["disable", "github-token"]).assert().success();
    v
}

fn history(v: &TestVault) -> Value {
    let out = v.cmd(&["history", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn undo(v: &TestVault, args: &[&str]) -> Value {
    let mut a = vec!["undo", "--json"];
    a.extend_from_slice(args);
    let out = v.cmd(&a).output().unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn verify_ok(v: &TestVault) -> Value {
    let out = v.cmd(&["verify", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn each_destructive_command_then_undo_gives_back_identical_secrets() {
    let steps: &[(&str, &[&str])] = &[
        ("clear", &["clear", "--yes"]),
        ("rm", &["rm", "stripe-live"]),
        ("rm --env", &["rm", "db-password", "--env", "prod"]),
        ("rename", &["rename", "stripe-live", "stripe-old"]),
    ];
    for (what, args) in steps {
        let v = filled();
        let before = contents(&v);
        v.cmd(args).assert().success();
        assert_ne!(contents(&v), before, "{what} changed something");
        let done = undo(&v, &[]);
        assert!(done["result"]["recorded"].is_u64(), "{what}: {done}");
        assert_eq!(
            contents(&v),
            before,
            "{what} undone: byte-identical secrets"
        );
        verify_ok(&v);
        // The undo is itself undoable: undoing it redoes the change.
        let after_undo = contents(&v);
        undo(&v, &[]);
        assert_ne!(contents(&v), after_undo, "{what}: undo of the undo");
        undo(&v, &[]);
        assert_eq!(contents(&v), before, "{what}: and back again");
    }
}

#[test]
fn imports_that_clear_or_replace_are_undone_including_what_they_added() {
    for args in [
        &["--clear", "--yes"][..],
        &["--on-duplicate", "replace"][..],
    ] {
        let v = filled();
        let before = contents(&v);
        let file = handmade(
            &v,
            "in.json",
            &[("stripe-live", "sk_live_imported"), ("brand-new", "fresh")],
        );
        let mut a = vec!["import", file.as_str()];
        a.extend_from_slice(args);
        v.cmd(&a).assert().success();
        assert_eq!(common::value(&v, "stripe-live"), "sk_live_imported");
        let entry = &history(&v)["entries"][0];
        assert_eq!(entry["command"], "import", "{entry}");
        let done = undo(&v, &[]);
        let removed = &done["result"]["removed"];
        assert_eq!(removed, &serde_json::json!(["brand-new"]), "{done}");
        assert_eq!(contents(&v), before, "{args:?} undone");
    }
}

#[test]
fn a_secret_changed_since_is_a_conflict_with_the_import_choices() {
    let v = filled();
    v.cmd(&["rm", "stripe-live"]).assert().success();
    v.set("stripe-live", "sk_live_newer");
    let plan = undo(&v, &["--dry-run"]);
    assert_eq!(plan["plan"]["items"][0]["action"], "conflict", "{plan}");
    assert_eq!(common::value(&v, "stripe-live"), "sk_live_newer", "dry run");
    let err = fails_with(&mut v.cmd(&["undo"]), 8);
    assert!(
        err.contains("stripe-live") && err.contains("--on-conflict"),
        "{err}"
    );
    let done = undo(&v, &["--on-conflict", "keep-both"]);
    assert_eq!(done["result"]["keptBoth"][0]["storedAs"], "stripe-live-2");
    assert_eq!(common::value(&v, "stripe-live"), "sk_live_newer");
    assert_eq!(common::value(&v, "stripe-live-2"), "sk_live_history_1");
    // A change that is itself undone twice over is a no-op the second time.
    let v = filled();
    v.cmd(&["rm", "stripe-live"]).assert().success();
    v.set("stripe-live", "sk_live_history_1");
    let out = v.cmd(&["undo"]).output().unwrap();
    assert!(out.status.success());
    assert!(common::stderr(&out).contains("Nothing to undo"));
}

#[test]
fn skipping_a_conflict_never_takes_away_the_only_copy_of_a_value() {
    // Renamed, then a new secret under the old name: undoing with "skip" keeps the new secret,
    // and must keep the renamed one too (the old value lives only there).
    let v = filled();
    v.cmd(&["rename", "stripe-live", "stripe-old"])
        .assert()
        .success();
    v.set("stripe-live", "sk_live_brand_new");
    let done = undo(&v, &["--on-conflict", "skip"]);
    assert_eq!(
        done["result"]["keptAdded"],
        serde_json::json!(["stripe-old"]),
        "{done}"
    );
    assert_eq!(common::value(&v, "stripe-old"), "sk_live_history_1");
    assert_eq!(common::value(&v, "stripe-live"), "sk_live_brand_new");
    // With "replace", the undo is whole: the old name back, the renamed copy gone.
    let v = filled();
    v.cmd(&["rename", "stripe-live", "stripe-old"])
        .assert()
        .success();
    v.set("stripe-live", "sk_live_brand_new");
    let done = undo(&v, &["--on-conflict", "replace"]);
    assert_eq!(
        done["result"]["removed"],
        serde_json::json!(["stripe-old"]),
        "{done}"
    );
    assert_eq!(common::value(&v, "stripe-live"), "sk_live_history_1");
}

/// Runs `coffer ARGS` until it reports that it is paused inside its write transaction (test
/// builds: `COFFER_TEST_PAUSE_AT`), then kills it with SIGKILL.
fn kill_9_before_commit(v: &TestVault, args: &[&str]) {
    use std::io::BufRead;
    #[allow(deprecated)] // the function form is the one that gives a std Command to kill
    let bin = assert_cmd::cargo::cargo_bin("coffer");
    let mut child = std::process::Command::new(bin)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", v.dir.path())
        .env("COFFER_HOME", v.home())
        .env("COFFER_TEST_PAUSE_AT", "before-commit")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut said = String::new();
    for line in std::io::BufReader::new(child.stderr.take().unwrap()).lines() {
        let line = line.unwrap();
        said.push_str(&line);
        if line.contains("paused at before-commit") {
            break;
        }
    }
    assert!(said.contains("paused at before-commit"), "{args:?}: {said}");
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9),
        "{args:?}"
    );
}

#[test]
fn a_crash_inside_a_snapshotted_change_leaves_the_old_vault_and_history() {
    let v = filled();
    v.cmd(&["rm", "github-token"]).assert().success();
    let before = contents(&v);
    let history_before = history(&v);
    let file = handmade(&v, "in.json", &[("stripe-live", "sk_live_crash")]);
    for args in [
        vec!["clear", "--yes"],
        vec!["rm", "stripe-live"],
        vec!["rename", "stripe-live", "x"],
        vec!["import", file.as_str(), "--clear", "--yes"],
        vec!["import", file.as_str(), "--on-duplicate", "replace"],
        vec!["undo"],
        vec!["history", "--purge", "--yes"],
    ] {
        // Test builds stop after every write of the change and its snapshot, just before the
        // commit, and say so; then they get kill -9.
        kill_9_before_commit(&v, &args);
        assert_eq!(contents(&v), before, "{args:?}: the old vault");
        assert_eq!(history(&v), history_before, "{args:?}: the old history");
        verify_ok(&v);
    }
    // Without the crash, the same change commits, history and all.
    v.cmd(&["clear", "--yes"]).assert().success();
    assert_eq!(contents(&v), serde_json::json!([]));
    assert_eq!(
        history(&v)["entries"].as_array().unwrap().len(),
        history_before["entries"].as_array().unwrap().len() + 1
    );
}

#[test]
fn snapshots_are_sealed_and_never_exported() {
    let v = filled();
    v.cmd(&["rm", "stripe-live"]).assert().success();
    v.cmd(&["rename", "db-password", "db-pass"])
        .assert()
        .success();
    // The history holds the removed value, sealed: the file shows neither it nor its name.
    for needle in [
        "sk_live_history_1",
        "stripe-live",
        "pw_history_3",
        "db-password",
    ] {
        assert!(!at_rest_contains(&v, needle), "{needle} in clear at rest");
    }
    let exported = contents(&v).to_string();
    assert!(!exported.contains("sk_live_history_1") && !exported.contains("stripe-live"));
    let out = v.cmd(&["history"]).output().unwrap();
    let shown = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        common::stderr(&out)
    );
    assert!(shown.contains("stripe-live"), "names are shown: {shown}");
    assert!(!shown.contains("sk_live_history_1"), "values never");
    assert!(!history(&v).to_string().contains("sk_live_history_1"));
}

#[test]
fn retention_is_bounded_by_count_and_age_and_purge_empties_it() {
    let v = TestVault::init();
    let clock = v.dir.path().join("clock");
    let at = |secs: i64| std::fs::write(&clock, secs.to_string()).unwrap();
    let cmd = |args: &[&str]| {
        let mut c = v.cmd(args);
        c.env("COFFER_TEST_CLOCK", &clock);
        c
    };
    at(1_800_000_000);
    for i in 0..5 {
        cmd(&["set", &format!("s{i}")])
            .write_stdin("v")
            .assert()
            .success();
        cmd(&["rm", &format!("s{i}")]).assert().success();
    }
    let h = history(&v);
    assert_eq!(h["entries"].as_array().unwrap().len(), 5);
    assert_eq!(
        h["retention"],
        serde_json::json!({"keep": 20, "maxAgeDays": 30})
    );
    cmd(&["history", "--keep", "3"]).assert().success();
    let ids: Vec<u64> = history(&v)["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids.len(), 3);
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    // Thirty-one days later, the next change drops everything older than 30 days.
    at(1_800_000_000 + 31 * 86_400);
    cmd(&["set", "late"]).write_stdin("v").assert().success();
    cmd(&["rm", "late"]).assert().success();
    assert_eq!(history(&v)["entries"].as_array().unwrap().len(), 1);
    fails_with(&mut cmd(&["history", "--keep", "5000"]), 4);
    cmd(&["history", "--purge", "--yes"]).assert().success();
    assert_eq!(history(&v)["entries"], serde_json::json!([]));
    fails_with(&mut cmd(&["undo"]), 3);
    verify_ok(&v);
}

#[test]
fn a_row_deleted_behind_coffers_back_is_reported_until_accepted() {
    let v = filled();
    let conn = rusqlite::Connection::open(v.db()).unwrap();
    conn.execute(
        "DELETE FROM secrets WHERE id = (SELECT id FROM secrets LIMIT 1)",
        [],
    )
    .unwrap();
    drop(conn);
    for args in [
        &["list"][..],
        &["export", "--plaintext", "--yes", "-o", "-"],
        &["verify"],
    ] {
        let err = fails_with(&mut v.cmd(args), 7);
        assert!(err.contains("do not match its digest"), "{args:?}: {err}");
        assert!(err.contains("coffer verify --accept"), "{args:?}: {err}");
    }
    fails_with(&mut v.cmd(&["verify", "--accept"]), 11);
    v.cmd(&["verify", "--accept", "--yes"]).assert().success();
    assert_eq!(contents(&v).as_array().unwrap().len(), 2);
    assert_eq!(verify_ok(&v)["secrets"], 2);
}
