//! Export and import of 1,000 / 10,000 / 100,000 secrets as whole `coffer` processes, beside
//! `age --passphrase` and `gpg --symmetric` encrypting and decrypting the same plaintext JSON, in
//! one run. Reports median wall time, time beyond key derivation (total minus the same command on
//! an empty input) and peak memory (GNU time's maximum resident set size).
//!
//! Run: `cargo bench -p coffer-cli --bench export_import` (needs /usr/bin/time, script, age, gpg;
//! missing peers are skipped). Not a test: nothing here asserts a time.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PASSWORD: &str = "bench-only-tangerine-olive-7";
const SIZES: [usize; 4] = [0, 1_000, 10_000, 100_000];

struct Sample {
    wall: Duration,
    rss_kib: u64,
}

/// Runs `cmd` (optionally feeding `input`) `runs` times; median wall time and peak RSS.
fn measure(runs: usize, make: &dyn Fn() -> Command, input: Option<&str>) -> Sample {
    let mut walls = Vec::new();
    let mut rss = 0;
    for _ in 0..runs {
        let rss_file = tempfile::NamedTempFile::new().unwrap();
        let inner = make();
        let mut c = Command::new("/usr/bin/time");
        c.arg("-f").arg("%M").arg("-o").arg(rss_file.path());
        c.arg(inner.get_program()).args(inner.get_args());
        for (k, v) in inner.get_envs() {
            match v {
                Some(v) => c.env(k, v),
                None => c.env_remove(k),
            };
        }
        c.stdout(Stdio::null()).stderr(Stdio::null());
        c.stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        let t = Instant::now();
        let mut child = c.spawn().unwrap();
        if let Some(i) = input {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(i.as_bytes()).unwrap();
        }
        let status = child.wait().unwrap();
        walls.push(t.elapsed());
        assert!(status.success(), "{:?} failed", inner.get_program());
        let text = std::fs::read_to_string(rss_file.path()).unwrap();
        let kib: u64 = text
            .lines()
            .last()
            .unwrap_or("0")
            .trim()
            .parse()
            .unwrap_or(0);
        rss = rss.max(kib);
    }
    walls.sort();
    Sample {
        wall: walls[walls.len() / 2],
        rss_kib: rss,
    }
}

fn coffer(home: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_coffer"));
    c.args(args)
        .env("COFFER_HOME", home)
        .env("COFFER_EXPORT_PASSWORD", PASSWORD)
        .env("COFFER_IMPORT_PASSWORD", PASSWORD)
        .env_remove("COFFER_EXPORT_KDF");
    c
}

struct Row {
    what: String,
    per_size: Vec<Sample>,
}

fn main() {
    let root = tempfile::tempdir().unwrap();
    let gnupg = root.path().join("gnupg");
    std::fs::create_dir_all(&gnupg).unwrap();
    let (age_ok, gpg_ok) = (
        support::which("age") && support::which("script"),
        support::which("gpg"),
    );
    let mut rows: Vec<Row> = [
        "coffer export --encrypted",
        "coffer import (encrypted)",
        "coffer export --plaintext",
        "age -p (scrypt) encrypt",
        "age -d (scrypt) decrypt",
        "gpg --symmetric encrypt",
        "gpg --decrypt",
    ]
    .iter()
    .map(|w| Row {
        what: w.to_string(),
        per_size: Vec::new(),
    })
    .collect();
    let mut bytes = Vec::new();
    for &n in &SIZES {
        let runs = if n >= 100_000 { 3 } else { 5 };
        let home: PathBuf = root.path().join(format!("v{n}"));
        let st = coffer(&home, &["init"])
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(st.success());
        support::fill(&home, n, |i| format!("service-{i}.api-key"));
        let enc = root.path().join(format!("e{n}.json"));
        let plain = root.path().join(format!("p{n}.json"));
        rows[0].per_size.push(measure(
            runs,
            &|| {
                coffer(
                    &home,
                    &[
                        "export",
                        "--encrypted",
                        "--force",
                        "-o",
                        enc.to_str().unwrap(),
                    ],
                )
            },
            None,
        ));
        let target = root.path().join(format!("t{n}"));
        rows[1].per_size.push(measure(
            runs,
            &|| {
                // A fresh empty vault each time: the import adds every secret.
                let _ = std::fs::remove_dir_all(&target);
                let st = coffer(&target, &["init"])
                    .stderr(Stdio::null())
                    .status()
                    .unwrap();
                assert!(st.success());
                coffer(&target, &["import", enc.to_str().unwrap()])
            },
            None,
        ));
        rows[2].per_size.push(measure(
            runs,
            &|| {
                coffer(
                    &home,
                    &[
                        "export",
                        "--plaintext",
                        "--yes",
                        "--force",
                        "-o",
                        plain.to_str().unwrap(),
                    ],
                )
            },
            None,
        ));
        bytes.push((
            std::fs::metadata(&plain).unwrap().len(),
            std::fs::metadata(&enc).unwrap().len(),
        ));
        let age_out = root.path().join(format!("a{n}.age"));
        if age_ok {
            let typed = format!("{PASSWORD}\n{PASSWORD}\n");
            rows[3].per_size.push(measure(
                runs,
                &|| {
                    let mut c = Command::new("script");
                    c.args([
                        "-qec",
                        &format!("age -p -o {} {}", age_out.display(), plain.display()),
                        "/dev/null",
                    ]);
                    c
                },
                Some(&typed),
            ));
            let decrypted = root.path().join(format!("a{n}.json"));
            rows[4].per_size.push(measure(
                runs,
                &|| {
                    let mut c = Command::new("script");
                    c.args([
                        "-qec",
                        &format!("age -d -o {} {}", decrypted.display(), age_out.display()),
                        "/dev/null",
                    ]);
                    c
                },
                Some(&format!("{PASSWORD}\n")),
            ));
        }
        if gpg_ok {
            let gpg_out = root.path().join(format!("g{n}.gpg"));
            let gpg = |args: &[&str]| {
                let mut c = Command::new("gpg");
                c.arg("--homedir").arg(&gnupg).args([
                    "--batch",
                    "--yes",
                    "--quiet",
                    "--pinentry-mode",
                    "loopback",
                    "--passphrase-fd",
                    "0",
                ]);
                c.args(args);
                c
            };
            rows[5].per_size.push(measure(
                runs,
                &|| {
                    gpg(&[
                        "--symmetric",
                        "--cipher-algo",
                        "AES256",
                        "-o",
                        gpg_out.to_str().unwrap(),
                        plain.to_str().unwrap(),
                    ])
                },
                Some(PASSWORD),
            ));
            let gpg_plain = root.path().join(format!("g{n}.json"));
            rows[6].per_size.push(measure(
                runs,
                &|| {
                    gpg(&[
                        "--decrypt",
                        "-o",
                        gpg_plain.to_str().unwrap(),
                        gpg_out.to_str().unwrap(),
                    ])
                },
                Some(PASSWORD),
            ));
        }
    }

    println!(
        "Export/import benchmark: median wall time, time beyond key derivation (vs 0 secrets), peak RSS"
    );
    println!(
        "(coffer: Argon2id 64 MiB / 3 passes / 4 lanes; age: scrypt work factor chosen by age; gpg: default S2K)\n"
    );
    print!("| command |");
    for n in &SIZES[1..] {
        print!(" {n} secrets |");
    }
    println!();
    println!("|---|{}", "---|".repeat(SIZES.len() - 1));
    for row in &rows {
        if row.per_size.is_empty() {
            continue;
        }
        let base = &row.per_size[0];
        print!(
            "| {} (0 secrets: {:.0} ms, {} MiB) |",
            row.what,
            support::ms(base.wall),
            base.rss_kib / 1024
        );
        for s in &row.per_size[1..] {
            let beyond = s.wall.saturating_sub(base.wall);
            print!(
                " {:.0} ms (+{:.0} ms), {} MiB |",
                support::ms(s.wall),
                support::ms(beyond),
                s.rss_kib / 1024
            );
        }
        println!();
    }
    println!();
    for (n, (p, e)) in SIZES.iter().zip(&bytes) {
        println!("{n} secrets: plaintext export {p} bytes, encrypted export {e} bytes");
    }
}
