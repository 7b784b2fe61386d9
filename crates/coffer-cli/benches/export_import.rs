//! Export and import at 1 / 1,000 / 10,000 / 100,000 / 1,000,000 secrets as whole `coffer`
//! processes, beside `age` (X25519 recipient) and `gpg --symmetric` encrypting and decrypting the
//! same plaintext export, in one run. The secrets follow issue 13's mix: names of 10-30
//! characters, values of 20-200, allowed domains on 30%, links on 5%.
//!
//! For each command: median wall time, time beyond the 1-secret run (key derivation and process
//! start), peak memory (GNU time's maximum resident set size) and, for import and export, peak
//! memory over the file's size.
//!
//! Run: `cargo bench -p coffer-cli --bench export_import` (needs /usr/bin/time; `age` and `gpg`
//! are used when installed). `COFFER_BENCH_SIZES=1,1000,10000` picks the sizes (the 1-secret
//! baseline is always run). Not a test: nothing here asserts a time.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PASSWORD: &str = "bench-only-tangerine-olive-7";

#[derive(Clone, Copy)]
struct Sample {
    wall: Duration,
    rss_kib: u64,
}

/// Runs `prepare()` then times `make()` (feeding `input`), `runs` times: median wall time and
/// peak RSS. Preparation is not timed.
fn measure(
    runs: usize,
    prepare: &dyn Fn(),
    make: &dyn Fn() -> Command,
    input: Option<&str>,
) -> Sample {
    let mut walls = Vec::new();
    let mut rss = 0;
    for _ in 0..runs {
        prepare();
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
        c.stdout(Stdio::null()).stderr(Stdio::piped());
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
        let out = child.wait_with_output().unwrap();
        walls.push(t.elapsed());
        assert!(
            out.status.success(),
            "{:?} {:?} failed: {}",
            inner.get_program(),
            inner.get_args().collect::<Vec<_>>(),
            String::from_utf8_lossy(&out.stderr)
        );
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

fn init(home: &Path) {
    let st = coffer(home, &["init"])
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
}

/// Copies the vault directory `from` to `to` (replacing it).
fn copy_vault(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

const ROWS: [&str; 11] = [
    "coffer export --encrypted",
    "coffer export --plaintext",
    "coffer import, empty vault",
    "coffer import, every secret identical",
    "coffer import --on-duplicate replace",
    "coffer import --dry-run",
    "coffer list --json",
    "age -e -r (X25519) encrypt",
    "age -d -i decrypt",
    "gpg --symmetric encrypt",
    "gpg --decrypt",
];

fn main() {
    let mut sizes: Vec<usize> = std::env::var("COFFER_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').map(|n| n.trim().parse().unwrap()).collect())
        .unwrap_or_else(|| vec![1_000, 10_000, 100_000, 1_000_000]);
    sizes.retain(|&n| n != 1);
    sizes.insert(0, 1);
    let root = tempfile::tempdir().unwrap();
    let gnupg = root.path().join("gnupg");
    std::fs::create_dir_all(&gnupg).unwrap();
    let (age_ok, gpg_ok) = (
        support::which("age") && support::which("age-keygen"),
        support::which("gpg"),
    );
    let identity = root.path().join("age-key.txt");
    let mut recipient = String::new();
    if age_ok {
        let out = Command::new("age-keygen")
            .arg("-o")
            .arg(&identity)
            .output()
            .unwrap();
        assert!(out.status.success());
        recipient = String::from_utf8_lossy(&out.stderr)
            .trim()
            .trim_start_matches("Public key: ")
            .to_string();
    }
    // results[row][size]
    let mut results: Vec<Vec<Option<Sample>>> = vec![Vec::new(); ROWS.len()];
    let mut bytes = Vec::new();
    for &n in &sizes {
        let runs = match n {
            0..=10_000 => 5,
            10_001..=100_000 => 3,
            _ => 1,
        };
        eprintln!("{n} secrets: filling two vaults");
        // A: the vault exported; B: the same names with other values (for replace).
        let a: PathBuf = root.path().join(format!("a{n}"));
        let b: PathBuf = root.path().join(format!("b{n}"));
        init(&a);
        support::fill_with(&a, n, |i| support::realistic(i, 0));
        init(&b);
        support::fill_with(&b, n, |i| support::realistic(i, 1));
        let enc = root.path().join(format!("e{n}.json"));
        let plain = root.path().join(format!("p{n}.json"));
        let target = root.path().join(format!("t{n}"));
        let none = || {};
        let mut row = 0;
        let mut record = |s: Option<Sample>| {
            results[row].push(s);
            row += 1;
        };
        eprintln!("{n} secrets: coffer");
        let e = &[
            "export",
            "--encrypted",
            "--force",
            "-o",
            enc.to_str().unwrap(),
        ];
        record(Some(measure(runs, &none, &|| coffer(&a, e), None)));
        let p = &[
            "export",
            "--plaintext",
            "--yes",
            "--force",
            "-o",
            plain.to_str().unwrap(),
        ];
        record(Some(measure(runs, &none, &|| coffer(&a, p), None)));
        bytes.push((
            std::fs::metadata(&plain).unwrap().len(),
            std::fs::metadata(&enc).unwrap().len(),
        ));
        let import = &["import", enc.to_str().unwrap()];
        let fresh = || {
            let _ = std::fs::remove_dir_all(&target);
            init(&target);
        };
        record(Some(measure(
            runs,
            &fresh,
            &|| coffer(&target, import),
            None,
        )));
        record(Some(measure(runs, &none, &|| coffer(&a, import), None)));
        let replace = &["import", "--on-duplicate", "replace", enc.to_str().unwrap()];
        let changed = || copy_vault(&b, &target);
        record(Some(measure(
            runs,
            &changed,
            &|| coffer(&target, replace),
            None,
        )));
        let dry = &["import", "--dry-run", enc.to_str().unwrap()];
        record(Some(measure(runs, &none, &|| coffer(&a, dry), None)));
        record(Some(measure(
            runs,
            &none,
            &|| coffer(&a, &["list", "--json"]),
            None,
        )));
        eprintln!("{n} secrets: peers");
        let age_out = root.path().join(format!("a{n}.age"));
        if age_ok {
            record(Some(measure(
                runs,
                &none,
                &|| {
                    let mut c = Command::new("age");
                    c.args(["-e", "-r", &recipient, "-o"])
                        .arg(&age_out)
                        .arg(&plain);
                    c
                },
                None,
            )));
            record(Some(measure(
                runs,
                &none,
                &|| {
                    let mut c = Command::new("age");
                    c.args(["-d", "-i"])
                        .arg(&identity)
                        .arg("-o")
                        .arg(root.path().join("age-plain.json"))
                        .arg(&age_out);
                    c
                },
                None,
            )));
        } else {
            record(None);
            record(None);
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
            record(Some(measure(
                runs,
                &none,
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
            )));
            let gpg_plain = root.path().join("gpg-plain.json");
            record(Some(measure(
                runs,
                &none,
                &|| {
                    gpg(&[
                        "--decrypt",
                        "-o",
                        gpg_plain.to_str().unwrap(),
                        gpg_out.to_str().unwrap(),
                    ])
                },
                Some(PASSWORD),
            )));
        } else {
            record(None);
            record(None);
        }
        for d in [&a, &b, &target] {
            let _ = std::fs::remove_dir_all(d);
        }
    }

    println!(
        "Export/import benchmark (release, whole processes): median wall time, time beyond the same command on 1 secret (+), peak RSS"
    );
    println!(
        "(coffer: Argon2id 64 MiB / 3 passes / 4 lanes; age: X25519 recipient; gpg: default S2K, AES256)\n"
    );
    print!("| command | 1 secret |");
    for n in &sizes[1..] {
        print!(" {n} secrets |");
    }
    println!();
    println!("|---|---|{}", "---|".repeat(sizes.len() - 1));
    for (what, per_size) in ROWS.iter().zip(&results) {
        let Some(Some(base)) = per_size.first() else {
            continue;
        };
        print!(
            "| {what} | {:.0} ms, {} MiB |",
            support::ms(base.wall),
            base.rss_kib / 1024
        );
        for s in per_size[1..].iter().flatten() {
            let beyond = s.wall.saturating_sub(base.wall);
            print!(
                " {:.0} ms (+{:.0}), {} MiB |",
                support::ms(s.wall),
                support::ms(beyond),
                s.rss_kib / 1024
            );
        }
        println!();
    }
    println!();
    println!(
        "| secrets | plaintext export | encrypted export | µs per secret beyond 1 (export enc / import empty / identical / replace) | peak RSS ÷ encrypted file (export / import) |"
    );
    println!("|---|---|---|---|---|");
    for (k, (n, (p, e))) in sizes.iter().zip(&bytes).enumerate().skip(1) {
        let per = |row: usize| {
            let (s, base) = (results[row][k].unwrap(), results[row][0].unwrap());
            s.wall.saturating_sub(base.wall).as_secs_f64() * 1e6 / *n as f64
        };
        let ratio = |row: usize| results[row][k].unwrap().rss_kib as f64 * 1024.0 / *e as f64;
        // Beyond the 1-secret run: what the secrets cost, without the KDF's 64 MiB.
        let beyond = |row: usize| {
            results[row][k]
                .unwrap()
                .rss_kib
                .saturating_sub(results[row][0].unwrap().rss_kib) as f64
                * 1024.0
                / *e as f64
        };
        println!(
            "| {n} | {p} B | {e} B | {:.1} / {:.1} / {:.1} / {:.1} | {:.2} / {:.2} (beyond 1 secret: {:.2} / {:.2}) |",
            per(0),
            per(2),
            per(3),
            per(4),
            ratio(0),
            ratio(2),
            beyond(0),
            beyond(2)
        );
    }
}
