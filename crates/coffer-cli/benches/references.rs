//! The cost of using secrets through references, on a vault of 10,000 secrets, as whole
//! processes in one run: `coffer run -- true` beside `env true` (the floor: a process that sets
//! up an environment and starts a command), and `coffer inject` of a 100-reference template
//! beside `envsubst` rendering the same template from plain environment variables (no vault, no
//! decryption). `op run` is not installed here and 1Password publishes no timing, so it is not in
//! the table.
//!
//! Run: `cargo bench -p coffer-cli --bench references` (release build). Not a test: nothing here
//! asserts a time.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod support;

use std::process::Command;
use support::{Stats, ms, timed, which};

const SECRETS: usize = 10_000;
const REFERENCES: usize = 100;
const RUNS: usize = 100;

fn main() {
    let coffer = env!("CARGO_BIN_EXE_coffer");
    // Every secret is allowed for api.example.com only, so each resolution checks a domain.
    let (dir, home) = support::vault_of(coffer, SECRETS);
    let names: Vec<String> = (0..REFERENCES)
        .map(|i| format!("secret-{}", i * (SECRETS / REFERENCES)))
        .collect();
    let template = dir.path().join("template.txt");
    let text: String = names
        .iter()
        .enumerate()
        .map(|(i, n)| format!("KEY_{i}={{{{vault:{n}}}}}\n"))
        .collect();
    std::fs::write(&template, &text).unwrap();
    let plain_template = dir.path().join("plain.txt");
    let plain: String = (0..REFERENCES)
        .map(|i| format!("KEY_{i}=${{V{i}}}\n"))
        .collect();
    std::fs::write(&plain_template, &plain).unwrap();

    let coffer_cmd = |args: &[&str]| {
        let mut c = Command::new(coffer);
        c.args(args).env("COFFER_HOME", &home);
        c
    };
    let mut rows: Vec<(String, Stats)> = Vec::new();
    rows.push((
        "env true (floor)".into(),
        timed(
            RUNS,
            || {
                let mut c = Command::new("env");
                c.arg("true");
                c
            },
            true,
        ),
    ));
    rows.push((
        "coffer run -- true (no reference)".into(),
        timed(RUNS, || coffer_cmd(&["run", "--", "true"]), true),
    ));
    rows.push((
        "coffer run -- true (1 reference)".into(),
        timed(
            RUNS,
            || {
                let mut c = coffer_cmd(&["run", "--for", "https://api.example.com", "--", "true"]);
                c.env("TOKEN", "{{vault:secret-5000}}");
                c
            },
            true,
        ),
    ));
    rows.push((
        format!("coffer run -- true ({REFERENCES} references)"),
        timed(
            RUNS,
            || {
                let mut c = coffer_cmd(&["run", "--for", "https://api.example.com", "--", "true"]);
                for (i, n) in names.iter().enumerate() {
                    c.env(format!("KEY_{i}"), format!("{{{{vault:{n}}}}}"));
                }
                c
            },
            true,
        ),
    ));
    if which("envsubst") {
        rows.push((
            format!("envsubst, {REFERENCES} variables (no vault)"),
            timed(
                RUNS,
                || {
                    let mut c = Command::new("sh");
                    c.arg("-c")
                        .arg(format!("envsubst < {}", plain_template.display()));
                    for i in 0..REFERENCES {
                        c.env(format!("V{i}"), format!("sk_live_{i:08}"));
                    }
                    c
                },
                true,
            ),
        ));
    }
    rows.push((
        format!("coffer inject, {REFERENCES} references"),
        timed(
            RUNS,
            || {
                coffer_cmd(&[
                    "inject",
                    "--for",
                    "https://api.example.com",
                    "-i",
                    template.to_str().unwrap(),
                ])
            },
            true,
        ),
    ));
    let floor = rows[0].1.median;
    println!(
        "{:<44} {:>10} {:>10} {:>12}",
        "command", "median", "p95", "over floor"
    );
    for (name, s) in &rows {
        println!(
            "{:<44} {:>8.2}ms {:>8.2}ms {:>10.2}ms",
            name,
            ms(s.median),
            ms(s.p95),
            ms(s.median.saturating_sub(floor))
        );
    }
}
