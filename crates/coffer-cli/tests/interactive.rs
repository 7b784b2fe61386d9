//! The terminal flows (hidden prompts, per-duplicate questions, format choice), driven through
//! a pseudo-terminal by util-linux `script`, with the answers typed in advance.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use common::TestVault;
use std::io::Write;
use std::process::{Command, Stdio};

const PASSWORD: &str = "tangerine-olive-7";

/// `script` running the shell command `line` on a new pseudo-terminal in `v`'s vault, with
/// piped stdin (typed input) and stdout (everything the terminal shows).
fn terminal(v: &TestVault, line: &str) -> Command {
    let mut c = Command::new("script");
    c.args(["-qec", line, "/dev/null"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", v.dir.path())
        .env("COFFER_HOME", v.home())
        .env("TERM", "dumb")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// Runs `coffer ARGS` on a terminal, typing `input`; returns (success, everything shown).
fn on_terminal(v: &TestVault, args: &str, input: &str, env: &[(&str, &str)]) -> (bool, String) {
    let bin = assert_cmd::cargo::cargo_bin("coffer");
    let mut c = terminal(v, &format!("{} {args}", bin.display()));
    for (k, val) in env {
        c.env(k, val);
    }
    let mut child = c
        .spawn()
        .expect("util-linux `script` is needed for terminal tests");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn set_reads_a_hidden_value_from_the_terminal() {
    let v = TestVault::init();
    let (ok, shown) = on_terminal(&v, "set typed", "typed-value\n", &[]);
    assert!(ok, "{shown}");
    assert!(shown.contains("Value for typed (hidden)"), "{shown}");
    assert_eq!(v.get("typed"), "typed-value\n");
}

#[test]
fn export_asks_format_and_password_twice_then_import_asks_each_duplicate() {
    let v = TestVault::init();
    v.set("a", "old-a");
    v.set("b", "old-b");
    v.set("c", "old-c");
    let file = v.dir.path().join("e.json");
    let input = format!("\nshort\n{PASSWORD}\n{PASSWORD}x\n{PASSWORD}\n{PASSWORD}\n");
    let (ok, shown) = on_terminal(
        &v,
        &format!("export -o {}", file.display()),
        &input,
        &[("COFFER_EXPORT_KDF", "m=8192,t=1,p=1")],
    );
    assert!(ok, "{shown}");
    assert!(
        shown.contains("[E]ncrypted with a password (recommended)"),
        "{shown}"
    );
    assert!(
        shown.contains("at least 12 are required"),
        "a weak password is refused: {shown}"
    );
    assert!(
        shown.contains("do not match"),
        "a mistyped repeat is caught: {shown}"
    );
    assert!(shown.contains("(encrypted)"), "{shown}");

    for (n, val) in [("a", "new-a"), ("b", "new-b"), ("c", "new-c")] {
        v.set(n, val);
    }
    // Wrong password once, then right; then: replace a, keep both for b and all the rest.
    let input = format!("wrong-password-1\n{PASSWORD}\nr\nK\n");
    let (ok, shown) = on_terminal(&v, &format!("import {}", file.display()), &input, &[]);
    assert!(ok, "{shown}");
    assert!(shown.contains("does not open"), "{shown}");
    assert!(shown.contains("3 duplicates found"), "{shown}");
    assert!(
        shown.contains("1 replaced") && shown.contains("2 kept both"),
        "{shown}"
    );
    assert_eq!(v.get("a"), "old-a\n");
    assert_eq!(v.get("b"), "new-b\n");
    assert_eq!(v.get("b-2"), "old-b\n");
    assert_eq!(v.get("c-2"), "old-c\n");
}

#[test]
fn reset_and_plaintext_export_ask_before_acting() {
    let v = TestVault::init();
    v.set("a", "1");
    let file = v.dir.path().join("p.json");
    let (ok, shown) = on_terminal(
        &v,
        &format!("export --plaintext -o {}", file.display()),
        "n\n",
        &[],
    );
    assert!(!ok && shown.contains("in clear"), "{shown}");
    assert!(!file.exists());
    let (ok, shown) = on_terminal(&v, "reset", "\n", &[]);
    assert!(!ok && shown.contains("permanently deletes"), "{shown}");
    assert_eq!(v.get("a"), "1\n");
    let (ok, shown) = on_terminal(&v, "reset", "y\n", &[]);
    assert!(ok, "{shown}");
    common::fails_with(&mut v.cmd(&["get", "a"]), 3);
}

/// Ctrl-C typed at a hidden prompt: the interrupt's two lines, exit 130, and the terminal's echo
/// back on for whatever runs next in that terminal.
#[test]
fn ctrl_c_at_a_hidden_prompt_is_an_interrupt_and_restores_echo() {
    use std::io::Read;
    let v = TestVault::init();
    let bin = assert_cmd::cargo::cargo_bin("coffer");
    // The shell ignores SIGINT so that it lives on to report coffer's code and the terminal.
    let script = v.dir.path().join("typed.sh");
    std::fs::write(
        &script,
        format!(
            "trap '' INT\necho \"tty=$(tty)\"\n'{}' set typed\necho \"code=$?\"\nstty -a\n",
            bin.display()
        ),
    )
    .unwrap();
    let mut child = terminal(&v, &format!("sh '{}'", script.display()))
        .spawn()
        .expect("util-linux `script` is needed for terminal tests");
    let mut stdout = child.stdout.take().unwrap();
    let mut shown = Vec::new();
    let mut chunk = [0u8; 4096];
    while !String::from_utf8_lossy(&shown).contains("(hidden)") {
        let n = stdout.read(&mut chunk).unwrap();
        assert!(
            n > 0,
            "the prompt never came: {}",
            String::from_utf8_lossy(&shown)
        );
        shown.extend_from_slice(&chunk[..n]);
    }
    // Readiness: the prompt has turned the terminal's echo off (asked of the terminal itself).
    let text = String::from_utf8_lossy(&shown).into_owned();
    let tty = text
        .split("tty=")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .expect("the terminal's name")
        .to_string();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let out = Command::new("stty")
            .args(["-a", "-F", &tty])
            .output()
            .unwrap();
        let flags = String::from_utf8_lossy(&out.stdout).into_owned();
        if flags.split_whitespace().any(|w| w == "-echo") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "echo never went off: {flags}"
        );
    }
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"\x03").unwrap();
    stdin.flush().unwrap();
    stdout.read_to_end(&mut shown).unwrap();
    drop(stdin);
    child.wait().unwrap();
    let shown = String::from_utf8_lossy(&shown);
    assert!(shown.contains("error: interrupted"), "{shown}");
    assert!(!shown.contains("cannot read"), "{shown}");
    assert!(shown.contains("code=130"), "{shown}");
    let words: Vec<&str> = shown.split([' ', ';', '\r', '\n']).collect();
    assert!(
        words.contains(&"echo") && !words.contains(&"-echo"),
        "echo is back on: {shown}"
    );
    common::fails_with(&mut v.cmd(&["get", "typed"]), 3);
}
