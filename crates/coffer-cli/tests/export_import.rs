//! Export and import end to end, through the real `coffer` binary: every source, every
//! duplicate strategy, and bad input that must never change the vault.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use coffer_core::link::LinkRepr;
use coffer_core::{ExternalLink, SecretContent, SecretName};
use coffer_vault::ops::set::{DomainChange, SetRequest, set};
use coffer_vault::{KeySource, Vault, VaultLocation};
use common::{TestVault, fails_with, handmade, mode};
use serde_json::Value;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

const PASSWORD: &str = "tangerine-olive-7";
const LOW_KDF: &str = "m=8192,t=1,p=1";
const INVALID: i32 = 4;
const INTEGRITY: i32 = 7;
const CONFLICT: i32 = 8;
const IO: i32 = 10;
const CANCELLED: i32 = 11;
const UNSUPPORTED: i32 = 12;

/// A vault with three secrets: one restricted to domains with a value per environment, one plain
/// and disabled, one linked (the link is created through the library, as the CLI for links comes
/// later).
fn vault_with_three() -> TestVault {
    let v = TestVault::init();
    v.cmd(&[
        "set",
        "stripe",
        "--allowed-domains",
        "api.stripe.com,*.stripe.com",
    ])
    .write_stdin("sk_live_abc123")
    .assert()
    .success();
    v.cmd(&[
        "set",
        "stripe",
        "--env",
        "prod",
        "--allowed-domains",
        "api.stripe.com",
    ])
    .write_stdin("sk_live_prod_789")
    .assert()
    .success();
    v.cmd(&["set", "stripe", "--env", "dev"])
        .write_stdin("sk_test_dev_012")
        .assert()
        .success();
    v.set("github", "ghp_token_456");
    v.cmd(&["disable", "github"]).assert().success();
    let loc = VaultLocation::in_dir(&v.home());
    let mut vault = Vault::open(&loc, &KeySource::File(loc.key_path.clone())).unwrap();
    set(
        &mut vault,
        SetRequest {
            name: SecretName::parse("db-password").unwrap(),
            content: SecretContent::Link(
                ExternalLink::new(LinkRepr::HashicorpVault {
                    mount: "secret".into(),
                    path: "team/db".into(),
                    key: "password".into(),
                })
                .unwrap(),
            ),
            domains: DomainChange::Set(
                coffer_core::AllowedDomains::parse_list("db.internal.example.com").unwrap(),
            ),
            environment: None,
        },
    )
    .unwrap();
    v
}

use common::contents as snapshot;

fn export(v: &TestVault, kind: &str, to: &Path) {
    let mut c = v.cmd(&["export", kind, "-o", to.to_str().unwrap(), "--yes"]);
    c.env("COFFER_EXPORT_PASSWORD", PASSWORD)
        .env("COFFER_EXPORT_KDF", LOW_KDF);
    c.assert().success();
    assert_eq!(mode(to), 0o600);
}

fn import(v: &TestVault, args: &[&str]) -> assert_cmd::Command {
    let mut full = vec!["import"];
    full.extend_from_slice(args);
    let mut c = v.cmd(&full);
    c.env("COFFER_IMPORT_PASSWORD", PASSWORD);
    c
}

fn clear(v: &TestVault) {
    v.cmd(&["clear", "--yes"]).assert().success();
    assert_eq!(snapshot(v), serde_json::json!([]));
}

/// Export, clear, import from `source`: every field must come back equal.
fn roundtrip(kind: &str, source: impl Fn(&TestVault, &Path) -> Vec<String>) {
    let v = vault_with_three();
    let before = snapshot(&v);
    assert_eq!(before.as_array().unwrap().len(), 3);
    let text = before.to_string();
    assert!(
        text.contains("\"disabled\":true") && text.contains("sk_live_prod_789"),
        "the round trip covers state and environments: {text}"
    );
    let file = v.dir.path().join("export.json");
    export(&v, kind, &file);
    clear(&v);
    let args = source(&v, &file);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = import(&v, &args).output().unwrap();
    let err = common::stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("3 added"), "{err}");
    assert!(
        err.contains("db-password (hashicorp-vault)"),
        "re-authentication listed: {err}"
    );
    assert_eq!(snapshot(&v), before, "every field of every secret survives");
}

#[test]
fn roundtrip_encrypted_file() {
    roundtrip("--encrypted", |_, f| vec![f.display().to_string()]);
}

#[test]
fn roundtrip_plaintext_file() {
    roundtrip("--plaintext", |_, f| vec![f.display().to_string()]);
}

#[test]
fn roundtrip_folder() {
    roundtrip("--encrypted", |v, f| {
        let dir = v.dir.path().join("exports");
        std::fs::create_dir(&dir).unwrap();
        std::fs::rename(f, dir.join("vault.JSON")).unwrap();
        std::fs::write(dir.join("notes.txt"), "not an export, ignored").unwrap();
        vec![dir.display().to_string()]
    });
}

#[test]
fn roundtrip_stdin() {
    let v = vault_with_three();
    let before = snapshot(&v);
    let file = v.dir.path().join("export.json");
    export(&v, "--encrypted", &file);
    clear(&v);
    import(&v, &["-"])
        .write_stdin(std::fs::read(&file).unwrap())
        .assert()
        .success();
    assert_eq!(snapshot(&v), before);
}

/// A tiny HTTP server on loopback: `/export.json` serves `body`, `/page` serves HTML, anything
/// else is 404. Runs until the test process ends.
fn serve(body: Vec<u8>) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut req = [0u8; 4096];
            let n = s.read(&mut req).unwrap_or(0);
            let line = String::from_utf8_lossy(&req[..n])
                .lines()
                .next()
                .unwrap_or("")
                .to_string();
            let (status, content): (&str, &[u8]) = if line.starts_with("GET /export.json") {
                ("200 OK", &body)
            } else if line.starts_with("GET /page") {
                ("200 OK", b"<html><body>hello</body></html>")
            } else {
                ("404 Not Found", b"not found")
            };
            let _ = write!(
                s,
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                content.len()
            );
            let _ = s.write_all(content);
        }
    });
    format!("http://{addr}")
}

#[test]
fn roundtrip_link_on_loopback_and_bad_links() {
    let v = vault_with_three();
    let before = snapshot(&v);
    let file = v.dir.path().join("export.json");
    export(&v, "--encrypted", &file);
    let base = serve(std::fs::read(&file).unwrap());
    clear(&v);
    import(&v, &[&format!("{base}/export.json?token=abc")])
        .assert()
        .success();
    assert_eq!(snapshot(&v), before);
    // The scheme is case-insensitive: `HTTP://` is a link, not a file name.
    clear(&v);
    let upper = base.replacen("http://", "HTTP://", 1);
    import(&v, &[&format!("{upper}/export.json")])
        .assert()
        .success();
    assert_eq!(snapshot(&v), before);

    let err = fails_with(&mut import(&v, &[&format!("{base}/missing")]), IO);
    assert!(err.contains("404"), "{err}");
    let err = fails_with(&mut import(&v, &[&format!("{base}/page")]), INVALID);
    assert!(
        err.contains("is not valid JSON"),
        "an HTML page is not an export: {err}"
    );
    let err = fails_with(
        &mut import(&v, &["http://example.com/export.json"]),
        INVALID,
    );
    assert!(err.contains("loopback"), "{err}");
    assert_eq!(snapshot(&v), before, "bad links change nothing");
}

fn git(dir: &Path, args: &[&str]) {
    let out = StdCommand::new("git")
        .args([
            "-c",
            "user.email=test@example.com",
            "-c",
            "user.name=test",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A bare repository holding `exports/vault.json` on branch `main` and tag `v1`.
fn bare_repo(root: &Path, export_file: &Path) -> PathBuf {
    let bare = root.join("remote.git");
    let work = root.join("work");
    std::fs::create_dir_all(&work).unwrap();
    git(root, &["init", "--quiet", "--bare", bare.to_str().unwrap()]);
    git(&work, &["init", "--quiet"]);
    std::fs::create_dir(work.join("exports")).unwrap();
    std::fs::copy(export_file, work.join("exports/vault.json")).unwrap();
    git(&work, &["add", "."]);
    git(&work, &["commit", "--quiet", "-m", "export"]);
    git(&work, &["tag", "v1"]);
    git(
        &work,
        &["push", "--quiet", bare.to_str().unwrap(), "HEAD:main", "v1"],
    );
    bare
}

#[test]
fn roundtrip_git_repository() {
    let v = vault_with_three();
    let before = snapshot(&v);
    let file = v.dir.path().join("export.json");
    export(&v, "--encrypted", &file);
    let bare = bare_repo(v.dir.path(), &file);
    let url = bare.to_str().unwrap();
    clear(&v);
    let out = import(
        &v,
        &[
            "--git",
            url,
            "--ref",
            "main",
            "--path",
            "exports/vault.json",
        ],
    )
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert_eq!(snapshot(&v), before);
    // The folder form, at a tag, is identical now: nothing to do.
    let out = import(&v, &["--git", url, "--ref", "v1", "--path", "exports"])
        .output()
        .unwrap();
    assert!(
        common::stderr(&out).contains("3 identical"),
        "{}",
        common::stderr(&out)
    );
    // Refusals.
    let err = fails_with(
        &mut import(&v, &["--git", "ext::sh -c touch% /tmp/coffer-pwned"]),
        INVALID,
    );
    assert!(err.contains("remote-helper"), "{err}");
    assert!(!Path::new("/tmp/coffer-pwned").exists());
    fails_with(
        &mut import(&v, &["--git", url, "--path", "../etc"]),
        INVALID,
    );
    let err = fails_with(
        &mut import(&v, &["--git", url, "--ref", "no-such-branch"]),
        IO,
    );
    assert!(err.contains("git clone failed"), "{err}");
    assert_eq!(snapshot(&v), before);
}

/// A plaintext export with the given secrets (name, value) written by hand.
fn value_of(v: &TestVault, name: &str) -> String {
    v.get(name).trim_end().to_string()
}

#[test]
fn duplicates_each_strategy() {
    for (flag, expect_a, expect_a2) in [
        ("skip", "old-a", None),
        ("replace", "new-a", None),
        ("keep-both", "old-a", Some("new-a")),
    ] {
        let v = TestVault::init();
        v.set("a", "old-a");
        v.set("same", "same-value");
        let f = handmade(
            &v,
            "in.json",
            &[("a", "new-a"), ("same", "same-value"), ("fresh", "f")],
        );
        let out = import(&v, &[&f, "--on-duplicate", flag]).output().unwrap();
        let err = common::stderr(&out);
        assert!(out.status.success(), "{flag}: {err}");
        assert!(
            err.contains("1 identical") && err.contains("1 added"),
            "{flag}: {err}"
        );
        assert_eq!(value_of(&v, "a"), expect_a, "{flag}");
        assert_eq!(value_of(&v, "fresh"), "f");
        match expect_a2 {
            Some(val) => {
                assert_eq!(value_of(&v, "a-2"), val);
                assert!(err.contains("a -> a-2"), "{err}");
            }
            None => {
                fails_with(&mut v.cmd(&["get", "a-2"]), 3);
            }
        }
    }
}

#[test]
fn keep_both_picks_the_next_free_name() {
    let v = TestVault::init();
    v.set("a", "1");
    v.set("a-2", "2");
    let f = handmade(&v, "in.json", &[("a", "3"), ("a-3", "taken-by-import")]);
    import(&v, &[&f, "--on-duplicate", "keep-both"])
        .assert()
        .success();
    assert_eq!(
        value_of(&v, "a-4"),
        "3",
        "a-2 in the vault and a-3 in the import are taken"
    );
    assert_eq!(value_of(&v, "a-3"), "taken-by-import");
}

#[test]
fn duplicates_without_a_terminal_or_flag_change_nothing() {
    let v = TestVault::init();
    v.set("a", "old");
    let before = snapshot(&v);
    let f = handmade(&v, "in.json", &[("a", "new"), ("b", "new-b")]);
    let err = fails_with(&mut import(&v, &[&f]), CONFLICT);
    assert!(
        err.contains("1 duplicate secret: a (vault); nothing was imported"),
        "{err}"
    );
    assert!(err.contains("--on-duplicate"), "{err}");
    assert_eq!(snapshot(&v), before, "not even the new secret b was added");
}

#[test]
fn duplicates_inside_the_import_itself() {
    let v = TestVault::init();
    let f = handmade(
        &v,
        "in.json",
        &[
            ("x", "first"),
            ("x", "second"),
            ("y", "same"),
            ("y", "same"),
        ],
    );
    let out = import(&v, &[&f, "--dry-run", "--json"]).output().unwrap();
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    let statuses: Vec<&str> = plan["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["new", "duplicate", "new", "identical"]);
    assert_eq!(plan["items"][1]["against"], "import");
    assert_eq!(plan["items"][1]["changes"], serde_json::json!(["value"]));
    fails_with(&mut import(&v, &[&f]), CONFLICT);
    import(&v, &[&f, "--on-duplicate", "replace"])
        .assert()
        .success();
    assert_eq!(value_of(&v, "x"), "second");
    assert_eq!(value_of(&v, "y"), "same");
}

#[test]
fn dry_run_changes_nothing_and_reports_changes() {
    let v = TestVault::init();
    v.cmd(&["set", "a", "--allowed-domains", "old.example.com"])
        .write_stdin("old")
        .assert()
        .success();
    let before = snapshot(&v);
    let f = handmade(&v, "in.json", &[("a", "new"), ("b", "b")]);
    let out = import(&v, &[&f, "--dry-run"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("duplicate  a  value, allowedDomains differ from the vault's"),
        "{text}"
    );
    assert!(text.contains("new        b"), "{text}");
    assert!(
        !text.contains("new-value") && !text.contains("old"),
        "plans never show values: {text}"
    );
    assert_eq!(snapshot(&v), before);
}

#[test]
fn duplicates_report_state_and_environment_changes() {
    let v = vault_with_three();
    let file = v.dir.path().join("export.json");
    export(&v, "--plaintext", &file);
    v.cmd(&["enable", "github"]).assert().success();
    v.cmd(&["rm", "stripe", "--env", "dev"]).assert().success();
    let out = import(&v, &[file.to_str().unwrap(), "--dry-run", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = plan.to_string();
    let item = |name: &str| {
        plan["secrets"]
            .as_array()
            .or_else(|| plan["items"].as_array())
            .unwrap_or_else(|| panic!("plan shape: {text}"))
            .iter()
            .find(|i| i["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(
        item("github")["changes"],
        serde_json::json!(["enabled"]),
        "{text}"
    );
    assert_eq!(
        item("stripe")["changes"],
        serde_json::json!(["environments"]),
        "{text}"
    );
    assert!(!text.contains("sk_"), "plans never show values: {text}");
}

#[test]
fn import_with_clear_is_one_transaction() {
    let v = TestVault::init();
    v.set("old", "1");
    let f = handmade(&v, "in.json", &[("new", "2")]);
    fails_with(&mut import(&v, &[&f, "--clear"]), CANCELLED);
    assert_eq!(value_of(&v, "old"), "1");
    import(&v, &[&f, "--clear", "--yes"]).assert().success();
    fails_with(&mut v.cmd(&["get", "old"]), 3);
    assert_eq!(value_of(&v, "new"), "2");
}

#[test]
fn export_rules() {
    let v = vault_with_three();
    let f = v.dir.path().join("e.json");
    // No format chosen and no terminal.
    fails_with(&mut v.cmd(&["export", "-o", f.to_str().unwrap()]), 2);
    // Weak or missing passwords.
    for weak in ["short", "aaaaaaaaaaaaaa", "password1234", "123456789012"] {
        let err = fails_with(
            v.cmd(&["export", "--encrypted", "-o", f.to_str().unwrap()])
                .env("COFFER_EXPORT_PASSWORD", weak),
            INVALID,
        );
        assert!(!err.contains(weak), "the password is never echoed: {err}");
    }
    fails_with(
        &mut v.cmd(&["export", "--encrypted", "-o", f.to_str().unwrap()]),
        INVALID,
    );
    // Password from a file.
    let pw = v.dir.path().join("pw.txt");
    std::fs::write(&pw, format!("{PASSWORD}\n")).unwrap();
    v.cmd(&[
        "export",
        "--encrypted",
        "-o",
        f.to_str().unwrap(),
        "--password-file",
        pw.to_str().unwrap(),
    ])
    .env("COFFER_EXPORT_KDF", LOW_KDF)
    .assert()
    .success();
    let text = std::fs::read_to_string(&f).unwrap();
    for secret in ["sk_live_abc123", "ghp_token_456", "stripe", "team/db"] {
        assert!(!text.contains(secret), "encrypted export hides {secret}");
    }
    // No overwrite without --force.
    let err = fails_with(
        &mut v.cmd(&["export", "--plaintext", "--yes", "-o", f.to_str().unwrap()]),
        CONFLICT,
    );
    assert!(err.contains("--force"), "{err}");
    assert_eq!(std::fs::read_to_string(&f).unwrap(), text);
    // Plaintext needs --yes without a terminal.
    let p = v.dir.path().join("p.json");
    fails_with(
        &mut v.cmd(&["export", "--plaintext", "-o", p.to_str().unwrap()]),
        CANCELLED,
    );
    assert!(!p.exists());
    v.cmd(&[
        "export",
        "--plaintext",
        "--yes",
        "--force",
        "-o",
        f.to_str().unwrap(),
    ])
    .assert()
    .success();
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
    assert_eq!(doc["format"], "coffer-vault-export");
    assert_eq!(doc["encrypted"], false);
    assert_eq!(doc["secretCount"], 3);
    let linked = doc["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "db-password")
        .unwrap();
    assert!(
        linked.get("value").is_none(),
        "a linked secret exports its link, not a value"
    );
    assert_eq!(linked["link"]["provider"], "hashicorp-vault");
    assert_eq!(mode(&f), 0o600);
    let leftovers: Vec<_> = std::fs::read_dir(v.dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "no temp files left");
}

/// Runs `coffer import FILE` on a vault and checks it fails with `code`, one error line, and
/// leaves the vault as it was.
fn refused(v: &TestVault, before: &Value, content: &[u8], code: i32) -> String {
    let f = v.dir.path().join("bad.json");
    std::fs::write(&f, content).unwrap();
    let err = fails_with(
        &mut import(v, &[f.to_str().unwrap(), "--on-duplicate", "replace"]),
        code,
    );
    assert_eq!(&snapshot(v), before);
    err
}

#[test]
fn bad_input_never_changes_the_vault() {
    let v = vault_with_three();
    let good = v.dir.path().join("good.json");
    export(&v, "--encrypted", &good);
    v.set("github", "changed-after-export");
    let before = snapshot(&v);
    let bytes = std::fs::read(&good).unwrap();
    let text = String::from_utf8(bytes.clone()).unwrap();

    let err = fails_with(
        import(&v, &[good.to_str().unwrap()]).env("COFFER_IMPORT_PASSWORD", "tangerine-olive-8"),
        INTEGRITY,
    );
    assert!(
        err.contains("wrong password, or the file was altered"),
        "{err}"
    );
    let tampered = text.replacen("\"tool\": \"coffer", "\"tool\": \"Coffer", 1);
    let err2 = refused(&v, &before, tampered.as_bytes(), INTEGRITY);
    assert_eq!(
        err.lines().next().map(|l| l.replace("good.json", "")),
        err2.lines().next().map(|l| l.replace("bad.json", "")),
        "wrong password and tampering give the same error"
    );
    let err = refused(&v, &before, &bytes[..bytes.len() / 2], INVALID);
    assert!(err.contains("truncated"), "{err}");
    refused(
        &v,
        &before,
        b"{\"format\": \"coffer-vault-export\", \"version\": 1,",
        INVALID,
    );
    let err = refused(&v, &before, b"[{\"name\": \"x\"}]", INVALID);
    assert!(err.contains("not a Coffer vault export"), "{err}");
    let v2 = text
        .replacen("\"version\": 2,", "\"version\": 3,", 1)
        .replacen("coffer 0.1.0", "coffer 7.0.0", 1);
    let err = refused(&v, &before, v2.as_bytes(), UNSUPPORTED);
    assert!(err.contains("coffer 7.0.0"), "{err}");
    let hostile = text.replacen("\"memoryKib\": 8192", "\"memoryKib\": 4294967295", 1);
    let started = std::time::Instant::now();
    let err = refused(&v, &before, hostile.as_bytes(), INVALID);
    assert!(err.contains("memory"), "{err}");
    assert!(started.elapsed().as_secs() < 5, "refused before deriving");
    // A file over the 1 GiB limit is refused by its size, without being read (sparse: it
    // takes no disk).
    let huge = v.dir.path().join("huge.json");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len((1 << 30) + 1)
        .unwrap();
    let err = fails_with(&mut import(&v, &[huge.to_str().unwrap()]), INVALID);
    assert!(err.contains("larger than"), "{err}");
    assert_eq!(snapshot(&v), before);
}

#[test]
fn every_flipped_byte_of_an_export_is_refused_and_changes_nothing() {
    let v = TestVault::init();
    v.cmd(&["set", "k", "--allowed-domains", "a.io"])
        .write_stdin("v")
        .assert()
        .success();
    let good = v.dir.path().join("good.json");
    export(&v, "--encrypted", &good);
    clear(&v);
    v.set("other", "untouched");
    let before = snapshot(&v);
    let bytes = std::fs::read(&good).unwrap();
    let bad = v.dir.path().join("bad.json");
    for i in 0..bytes.len() {
        let mut b = bytes.clone();
        b[i] ^= 0x01;
        std::fs::write(&bad, &b).unwrap();
        let out = import(&v, &[bad.to_str().unwrap(), "--on-duplicate", "replace"])
            .output()
            .unwrap();
        assert!(!out.status.success(), "byte {i} flipped was accepted");
        let err = common::stderr(&out);
        assert_eq!(err.lines().count(), 2, "byte {i}: {err}");
        assert!(err.starts_with("error: "), "byte {i}: {err}");
    }
    assert_eq!(snapshot(&v), before);
}

#[test]
fn an_interrupt_ends_with_two_lines_and_code_130() {
    let v = TestVault::init();
    // A link that never answers. Readiness: coffer has connected (so it runs, its handler is
    // installed and it is blocked reading the answer) before the signal is sent.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (connected, wait_connected) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let held = listener.accept();
        connected.send(()).unwrap();
        // Held open (unanswered) until the test process ends.
        std::mem::forget(held);
    });
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("coffer"))
        .args(["import", &format!("http://{addr}/hang.json")])
        .env("COFFER_HOME", v.home())
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_connected.recv().unwrap();
    let killed = StdCommand::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.lines().collect::<Vec<_>>(),
        [
            "error: interrupted",
            "hint: temporary files were removed; the vault holds all of a change or none of it"
        ]
    );
}

/// Imports `f` keeping both, and checks the one duplicate was found already kept.
fn keeping_both_adds_no_copy(v: &TestVault, f: &str) {
    let out = import(v, &[f, "--on-duplicate", "keep-both"])
        .output()
        .unwrap();
    let err = common::stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("0 kept both") && err.contains("1 identical"),
        "{err}"
    );
}

#[test]
fn keeping_both_twice_does_not_pile_up_copies() {
    let v = TestVault::init();
    v.set("a", "mine");
    let f = handmade(&v, "in.json", &[("a", "theirs")]);
    import(&v, &[&f, "--on-duplicate", "keep-both"])
        .assert()
        .success();
    keeping_both_adds_no_copy(&v, &f);
    assert_eq!(value_of(&v, "a-2"), "theirs");
    fails_with(&mut v.cmd(&["get", "a-3"]), 3);
}

#[test]
fn an_earlier_copy_is_found_past_a_deleted_one() {
    // a-2 held something else and was deleted; a-3 holds what comes in again.
    let v = TestVault::init();
    v.set("a", "mine");
    v.set("a-2", "other");
    v.set("a-3", "theirs");
    v.cmd(&["rm", "a-2"]).assert().success();
    let f = handmade(&v, "in.json", &[("a", "theirs")]);
    keeping_both_adds_no_copy(&v, &f);
    fails_with(&mut v.cmd(&["get", "a-2"]), 3);
    // Something new is kept under the first free name.
    let g = handmade(&v, "in2.json", &[("a", "newer")]);
    import(&v, &[&g, "--on-duplicate", "keep-both"])
        .assert()
        .success();
    assert_eq!(value_of(&v, "a-2"), "newer");
}
