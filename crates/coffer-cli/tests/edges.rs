//! Edges found by review and adversarial runs (issue 7): each test failed before its fix.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use common::{TestVault, fails_with, handmade};
use std::io::Read;
use std::os::unix::fs::FileTypeExt;
use std::path::Path;
use std::process::{Command, Stdio};

const INVALID: i32 = 4;

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// `kill -9` the moment anything appears in the output directory: whatever is there must be
/// the complete export, never a partial (temporary) file.
#[test]
fn kill_9_during_an_export_leaves_no_partial_file() {
    let v = TestVault::init();
    let big = "v".repeat(4096);
    let secrets: Vec<(String, &str)> = (0..1500).map(|i| (format!("s{i}"), big.as_str())).collect();
    let refs: Vec<(&str, &str)> = secrets.iter().map(|(n, s)| (n.as_str(), *s)).collect();
    let src = handmade(&v, "src.json", &refs);
    v.cmd(&["import", &src]).assert().success();
    for round in 0..3 {
        let out_dir = v.dir.path().join(format!("out{round}"));
        std::fs::create_dir(&out_dir).unwrap();
        let target = out_dir.join("vault.json");
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("coffer"))
            .args(["export", "--plaintext", "--yes", "-o"])
            .arg(&target)
            .env_clear()
            .env("COFFER_HOME", v.home())
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let appeared = loop {
            let seen = entries(&out_dir);
            if !seen.is_empty() {
                child.kill().unwrap();
                break seen;
            }
            if child.try_wait().unwrap().is_some() {
                break entries(&out_dir);
            }
        };
        child.wait().unwrap();
        assert_eq!(
            appeared,
            ["vault.json"],
            "round {round}: the first name to appear is the export"
        );
        assert_eq!(
            entries(&out_dir),
            ["vault.json"],
            "round {round}: nothing else left"
        );
        let doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&target).unwrap()).unwrap();
        assert_eq!(
            doc["secrets"].as_array().unwrap().len(),
            1500,
            "round {round}: complete"
        );
    }
}

/// A FIFO or device given to `-o` is written into, never replaced; `-o /dev/stdout` is `-o -`.
#[test]
fn export_into_a_fifo_or_dev_stdout_writes_in_place() {
    let v = TestVault::init();
    v.set("a", "value-a");
    let fifo = v.dir.path().join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    for force in [false, true] {
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || {
                let mut s = String::new();
                std::fs::File::open(fifo)
                    .unwrap()
                    .read_to_string(&mut s)
                    .unwrap();
                s
            })
        };
        let mut args = vec![
            "export",
            "--plaintext",
            "--yes",
            "-o",
            fifo.to_str().unwrap(),
        ];
        if force {
            args.push("--force");
        }
        let out = v.cmd(&args).output().unwrap();
        assert!(out.status.success(), "{}", common::stderr(&out));
        let got = reader.join().unwrap();
        assert!(got.contains("value-a"), "the reader got the export: {got}");
        let meta = std::fs::metadata(&fifo).unwrap();
        assert!(meta.file_type().is_fifo(), "still a FIFO (force: {force})");
    }
    let out = v
        .cmd(&["export", "--plaintext", "--yes", "-o", "/dev/stdout"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("value-a"));
    // Stdout redirected to a file: /dev/stdout leads to a regular file through /proc; it is
    // written through (with or without --force), and /dev/stdout itself is never replaced.
    for force in [false, true] {
        let file = v.dir.path().join(format!("redirected-{force}.json"));
        let mut args = vec!["export", "--plaintext", "--yes", "-o", "/dev/stdout"];
        if force {
            args.push("--force");
        }
        let status = std::process::Command::new(assert_cmd::cargo::cargo_bin("coffer"))
            .args(&args)
            .env_clear()
            .env("COFFER_HOME", v.home())
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&file).unwrap())
            .status()
            .unwrap();
        assert!(status.success(), "force: {force}");
        assert!(std::fs::read_to_string(&file).unwrap().contains("value-a"));
        let link = std::fs::symlink_metadata("/dev/stdout").unwrap();
        assert!(link.file_type().is_symlink(), "/dev/stdout is still a link");
    }
    let err = fails_with(
        &mut v.cmd(&[
            "export",
            "--plaintext",
            "--yes",
            "-o",
            v.dir.path().to_str().unwrap(),
        ]),
        INVALID,
    );
    assert!(err.contains("is a directory"), "{err}");
}

/// File names from a folder are untrusted: control characters cannot rewrite the plan.
#[test]
fn hostile_file_names_cannot_rewrite_what_is_shown() {
    let v = TestVault::init();
    v.set("stripe", "mine");
    let dir = v.dir.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    let hostile = "\x1b[2K\ridentical  stripe  \x1b]0;owned\x07\u{202e}.json";
    let src = handmade(&v, "plain.json", &[("stripe", "theirs")]);
    std::fs::rename(&src, dir.join(hostile)).unwrap();
    let out = v
        .cmd(&["import", dir.to_str().unwrap(), "--dry-run"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    let shown = String::from_utf8_lossy(&out.stdout).into_owned() + &common::stderr(&out);
    for bad in ['\x1b', '\r', '\x07', '\u{202e}'] {
        assert!(
            !shown.contains(bad),
            "{bad:?} reached the terminal: {shown:?}"
        );
    }
    assert!(shown.contains("duplicate"), "{shown}");
    assert!(shown.contains("\\e[2K\\r"), "shown as escapes: {shown}");
    // The same file, refused: its name in the error line is escaped too.
    std::fs::write(dir.join(hostile), b"{}").unwrap();
    let err = fails_with(&mut v.cmd(&["import", dir.to_str().unwrap()]), INVALID);
    assert!(!err.contains('\x1b') && !err.contains('\r'), "{err:?}");
}

const NOT_FOUND: i32 = 3;
const NO_KEY: i32 = 5;
const INTEGRITY: i32 = 7;

#[test]
fn messages_say_what_happened() {
    let v = TestVault::init();
    // 10 MiB: the limit and what it is for, not a wrong size and a lesson in piping.
    let err = fails_with(
        v.cmd(&["set", "big"]).write_stdin(vec![b'x'; 10 << 20]),
        INVALID,
    );
    assert!(err.contains("1 MiB") && !err.contains("1048579"), "{err}");
    assert!(err.contains("key, token or password"), "{err}");
    let err = fails_with(
        v.cmd(&["set", "bin"]).write_stdin(vec![0xff, 0xfe, 0x00]),
        INVALID,
    );
    assert!(err.contains("base64"), "{err}");
    // Renaming to the same name is refused, not a success with a warning.
    v.set("a", "1");
    let err = fails_with(&mut v.cmd(&["rename", "a", "a"]), INVALID);
    assert!(err.contains("nothing to rename"), "{err}");
    // A name ending in '.' is quoted, not run into the sentence's full stop.
    v.cmd(&["set", "a."])
        .write_stdin("x")
        .assert()
        .success()
        .stderr("Added secret \"a.\".\n");
}

#[test]
fn a_record_whose_ciphertext_changed_type_is_an_integrity_error() {
    let v = TestVault::init();
    v.set("a", "value-a");
    let conn = rusqlite::Connection::open(v.db()).unwrap();
    conn.execute(
        "UPDATE secrets SET ciphertext = CAST(ciphertext AS TEXT)",
        [],
    )
    .unwrap();
    drop(conn);
    let err = fails_with(&mut v.cmd(&["get", "a"]), INTEGRITY);
    assert!(err.contains("integrity"), "{err}");
}

#[test]
fn a_refused_link_names_its_field_and_rule() {
    let v = TestVault::init();
    let doc = serde_json::json!({"format": "coffer-vault-export", "version": 1, "encrypted": false,
        "tool": "coffer 0.1.0", "exportedAt": "2026-01-03T00:00:00Z", "secretCount": 1,
        "secrets": [{"name": "db", "link": {"provider": "hashicorp-vault", "mount": "secret",
            "path": "../etc", "key": "password"}, "allowedDomains": [],
            "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-02T00:00:00Z"}]});
    let f = v.dir.path().join("link.json");
    std::fs::write(&f, doc.to_string()).unwrap();
    let err = fails_with(&mut v.cmd(&["import", f.to_str().unwrap()]), INVALID);
    assert!(err.contains("secrets[0].link"), "{err}");
    assert!(err.contains("hashicorp-vault"), "{err}");
    let v0 = doc.to_string().replace("\"version\":1", "\"version\":0");
    std::fs::write(&f, v0).unwrap();
    let err = fails_with(&mut v.cmd(&["import", f.to_str().unwrap()]), INVALID);
    assert!(!err.contains("newer"), "{err}");
}

#[test]
fn quiet_surprises_are_said_out_loud() {
    use std::os::unix::fs::PermissionsExt;
    // An empty COFFER_VAULT_KEY is an error, not silently ignored.
    let v = TestVault::init();
    v.set("a", "1");
    let err = fails_with(v.cmd(&["get", "a"]).env("COFFER_VAULT_KEY", ""), NO_KEY);
    assert!(err.contains("COFFER_VAULT_KEY is set but empty"), "{err}");
    // A key file others can read is used, with a warning like ssh's.
    std::fs::set_permissions(v.key_file(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = v.cmd(&["get", "a"]).output().unwrap();
    assert!(out.status.success());
    let err = common::stderr(&out);
    assert!(
        err.contains("warning:") && err.contains("chmod 600"),
        "{err}"
    );
    // A password file ending in two newlines: neither is part of the password.
    let pw = v.dir.path().join("pw");
    std::fs::write(&pw, "tangerine-olive-7\n\n").unwrap();
    let file = v.dir.path().join("e.json");
    v.cmd(&[
        "export",
        "--encrypted",
        "-o",
        file.to_str().unwrap(),
        "--password-file",
    ])
    .arg(&pw)
    .env("COFFER_EXPORT_KDF", "m=8192,t=1,p=1")
    .assert()
    .success();
    let out = v
        .cmd(&["import", file.to_str().unwrap(), "--dry-run"])
        .env("COFFER_IMPORT_PASSWORD", "tangerine-olive-7")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    // `init` into an existing directory open to others makes it private.
    let w = TestVault::new();
    std::fs::create_dir(w.home()).unwrap();
    std::fs::set_permissions(w.home(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = w.cmd(&["init"]).output().unwrap();
    assert!(out.status.success());
    assert_eq!(common::mode(&w.home()), 0o700);
    assert!(common::stderr(&out).contains("readable only by you"));
}

#[test]
fn domains_change_without_the_value() {
    let v = TestVault::init();
    v.cmd(&["set", "stripe", "--allowed-domains", "api.stripe.com"])
        .write_stdin("sk_live_1")
        .assert()
        .success();
    v.cmd(&["domains", "stripe"])
        .assert()
        .success()
        .stdout("api.stripe.com\n");
    // No terminal, no value on stdin: only the domains change.
    v.cmd(&["domains", "stripe", "--set", "*.stripe.com,api.stripe.com"])
        .assert()
        .success();
    v.cmd(&["domains", "stripe"])
        .assert()
        .success()
        .stdout("api.stripe.com\n*.stripe.com\n");
    v.cmd(&["domains", "stripe", "--clear"]).assert().success();
    v.cmd(&["domains", "stripe"]).assert().success().stdout("");
    assert_eq!(v.get("stripe"), "sk_live_1\n", "the value is untouched");
    fails_with(&mut v.cmd(&["domains", "nope", "--clear"]), NOT_FOUND);
    fails_with(
        &mut v.cmd(&["domains", "stripe", "--set", "http://"]),
        INVALID,
    );
    fails_with(
        &mut v.cmd(&["domains", "stripe", "--set", "a.io", "--clear"]),
        2,
    );
}

#[test]
fn get_no_newline_is_byte_exact() {
    let v = TestVault::init();
    v.set("a", "exact");
    v.cmd(&["get", "--no-newline", "a"])
        .assert()
        .success()
        .stdout("exact");
    v.cmd(&["get", "a", "-n"])
        .assert()
        .success()
        .stdout("exact");
}

#[test]
fn completions_cover_every_command() {
    let v = TestVault::new();
    for shell in ["bash", "zsh", "fish"] {
        let out = v.cmd(&["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8(out.stdout).unwrap();
        for cmd in [
            "init",
            "set",
            "get",
            "domains",
            "export",
            "import",
            "team",
            "completions",
        ] {
            assert!(text.contains(cmd), "{shell} completes {cmd}");
        }
        if shell == "bash" {
            let f = v.dir.path().join("coffer.bash");
            std::fs::write(&f, &text).unwrap();
            let ok = Command::new("bash").arg("-n").arg(&f).status().unwrap();
            assert!(ok.success(), "the bash script parses");
        }
    }
    fails_with(&mut v.cmd(&["completions", "tcsh"]), 2);
}

#[test]
fn a_file_link_gets_the_path_as_its_hint() {
    let v = TestVault::init();
    let f = handmade(&v, "in.json", &[("a", "1")]);
    let err = fails_with(&mut v.cmd(&["import", &format!("file://{f}")]), INVALID);
    assert!(
        err.contains(&format!("give the path without file://: coffer import {f}")),
        "{err}"
    );
    v.cmd(&["import", &f]).assert().success();
}

#[test]
fn a_fifo_is_refused_not_waited_on_and_folders_have_a_total_limit() {
    let v = TestVault::init();
    let dir = v.dir.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    let fifo = dir.join("pipe.json");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    // Named directly: refused at once (no writer will ever come).
    let err = fails_with(&mut v.cmd(&["import", fifo.to_str().unwrap()]), INVALID);
    assert!(err.contains("not a regular file"), "{err}");
    // Inside a folder: skipped like any other non-file; the real export is imported.
    handmade(&v, "in/a.json", &[("a", "1")]);
    v.cmd(&["import", dir.to_str().unwrap()]).assert().success();
    // Three sparse 400 MiB files: each under the per-file limit (1 GiB), together over the
    // total (1 GiB); refused from their sizes, before anything is read.
    let big = v.dir.path().join("big");
    std::fs::create_dir(&big).unwrap();
    for i in 0..3 {
        std::fs::File::create(big.join(format!("{i}.json")))
            .unwrap()
            .set_len(400 << 20)
            .unwrap();
    }
    let err = fails_with(&mut v.cmd(&["import", big.to_str().unwrap()]), INVALID);
    assert!(err.contains("together"), "{err}");
}

/// A fake `git` first on PATH: it records its environment, then blocks for good (with a child
/// of its own, `tail -f /dev/null`) until killed. Readiness comes through a FIFO it writes its
/// pids into; nothing waits on a timer.
fn fake_git(v: &TestVault) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let bin = v.dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let env_dump = v.dir.path().join("git-env");
    let ready = v.dir.path().join("git-ready");
    assert!(
        Command::new("mkfifo")
            .arg(&ready)
            .status()
            .unwrap()
            .success()
    );
    let script = format!(
        "#!/bin/sh\nenv > '{}'\ntail -f /dev/null &\necho \"$$ $!\" > '{}'\nwait\n",
        env_dump.display(),
        ready.display()
    );
    let git = bin.join("git");
    std::fs::write(&git, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&git, std::fs::Permissions::from_mode(0o755)).unwrap();
    (bin, env_dump, ready)
}

fn gone(pid: &str) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        // A zombie waiting for its new parent to reap it is dead too.
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z'),
    }
}

#[test]
fn git_sees_no_coffer_secrets_and_dies_with_coffer() {
    let v = TestVault::init();
    let (bin, env_dump, ready) = fake_git(&v);
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let key = std::fs::read_to_string(v.key_file()).unwrap();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("coffer"))
        .args(["import", "--git", "https://example.com/secrets.git"])
        .env_clear()
        .env("PATH", path)
        .env("HOME", v.dir.path())
        .env("COFFER_HOME", v.home())
        .env("COFFER_VAULT_KEY", key.trim())
        .env("COFFER_IMPORT_PASSWORD", "import-password-SECRET")
        .env("COFFER_EXPORT_PASSWORD", "export-password-SECRET")
        .env("COFFER_TEAM_TOKEN", "cft_team_token_SECRET")
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pids = String::new();
    std::fs::File::open(&ready)
        .unwrap()
        .read_to_string(&mut pids)
        .unwrap();
    let env = std::fs::read_to_string(&env_dump).unwrap();
    assert!(!env.contains("COFFER_"), "git saw: {env}");
    assert!(!env.contains("SECRET"), "git saw: {env}");
    // SIGTERM to coffer alone: git and its child go with it.
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    // SIGKILL is delivered asynchronously: wait (bounded) for the processes to end.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    for pid in pids.split_whitespace() {
        while !gone(pid) {
            assert!(
                std::time::Instant::now() < deadline,
                "process {pid} outlived coffer"
            );
            std::thread::yield_now();
        }
    }
}

/// git's own last line ("fatal: Could not read from remote repository.") comes after the reason
/// ssh gave: the error keeps both.
#[test]
fn a_git_failure_keeps_the_reason_ssh_gave() {
    let v = TestVault::init();
    let bin = v.dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let git = bin.join("git");
    std::fs::write(
        &git,
        "#!/bin/sh\necho 'Cloning into repo...' >&2\necho 'ssh: Could not resolve hostname nohost.invalid: Name or service not known' >&2\necho 'fatal: Could not read from remote repository.' >&2\nexit 128\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&git, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let err = fails_with(
        v.cmd(&["import", "--git", "git@nohost.invalid:me/secrets.git"])
            .env("PATH", path),
        10,
    );
    assert!(
        err.contains("Could not resolve hostname nohost.invalid"),
        "{err}"
    );
    assert!(
        err.contains("Could not read from remote repository"),
        "{err}"
    );
}
