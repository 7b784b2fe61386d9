//! `coffer get` on a vault of 10,000 secrets, as a whole process, beside peers doing the
//! equivalent "decrypt one small secret" job in the same run.
//!
//! Run: `cargo bench -p coffer-cli --bench get` (release build). Prints median and p95 per tool
//! and the ratio to `coffer get`. Not a test: nothing here asserts a time.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use support::{Stats, ms, which};

const SECRETS: usize = 10_000;
const RUNS: usize = 200;

fn main() {
    let coffer = env!("CARGO_BIN_EXE_coffer");
    let (dir, home) = support::vault_of(coffer, SECRETS);

    let mut results: Vec<(String, Stats)> = Vec::new();
    let get = |name: &str| {
        let mut c = Command::new(coffer);
        c.args(["get", name]).env("COFFER_HOME", &home);
        c
    };
    results.push((
        "coffer get (10,000 secrets)".into(),
        measure(|| get("secret-5000")),
    ));
    results.push((
        "coffer get, unknown name".into(),
        measure_allow_fail(|| get("absent")),
    ));
    results.push((
        "process spawn floor (/bin/true)".into(),
        measure(|| Command::new("true")),
    ));
    peers(dir.path(), &mut results);

    let base = results[0].1.median;
    println!(
        "{:<44} {:>10} {:>10} {:>8}",
        "command", "median", "p95", "ratio"
    );
    for (name, s) in &results {
        println!(
            "{:<44} {:>8.2}ms {:>8.2}ms {:>7.2}x",
            name,
            ms(s.median),
            ms(s.p95),
            s.median.as_secs_f64() / base.as_secs_f64()
        );
    }
}

/// Equivalent single-secret reads with peers, where installed.
fn peers(dir: &Path, results: &mut Vec<(String, Stats)>) {
    let secret = dir.join("secret.txt");
    std::fs::write(&secret, format!("value-5000-{}", "x".repeat(40))).unwrap();
    if which("age") && which("age-keygen") {
        let id = dir.join("age.key");
        let out = Command::new("age-keygen")
            .arg("-o")
            .arg(&id)
            .output()
            .unwrap();
        let recipient = String::from_utf8_lossy(&out.stderr)
            .split_whitespace()
            .last()
            .unwrap_or_default()
            .to_string();
        let enc = dir.join("secret.age");
        Command::new("age")
            .args(["-r", &recipient, "-o"])
            .arg(&enc)
            .arg(&secret)
            .status()
            .unwrap();
        results.push((
            "age -d -i KEY (X25519, one secret)".into(),
            measure(|| {
                let mut c = Command::new("age");
                c.arg("-d").arg("-i").arg(&id).arg(&enc);
                c
            }),
        ));
    } else {
        eprintln!("age not installed: skipped (apt-get install age)");
    }
    if which("gpg") {
        let gnupg = dir.join("gnupg");
        std::fs::create_dir_all(&gnupg).unwrap();
        let gpg = |c: &mut Command| {
            c.arg("--homedir").arg(&gnupg).args([
                "--batch",
                "--quiet",
                "--pinentry-mode",
                "loopback",
                "--passphrase",
                "bench-only-passphrase",
            ]);
        };
        let enc = dir.join("secret.gpg");
        let mut c = Command::new("gpg");
        gpg(&mut c);
        c.args(["--symmetric", "--output"]).arg(&enc).arg(&secret);
        if c.stderr(Stdio::null()).status().is_ok_and(|s| s.success()) {
            results.push((
                "gpg --decrypt (symmetric, one secret)".into(),
                measure(|| {
                    let mut c = Command::new("gpg");
                    gpg(&mut c);
                    c.arg("--decrypt").arg(&enc);
                    c
                }),
            ));
        }
    }
}

fn measure(make: impl Fn() -> Command) -> Stats {
    support::timed(RUNS, make, true)
}

fn measure_allow_fail(make: impl Fn() -> Command) -> Stats {
    support::timed(RUNS, make, false)
}
