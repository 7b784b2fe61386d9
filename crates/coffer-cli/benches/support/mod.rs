//! Shared by the benchmarks: filling a vault quickly through the library, timing whole
//! processes, finding peers.
#![allow(dead_code)] // each benchmark uses part of this

use coffer_core::{AllowedDomains, Secret, SecretContent, SecretName, SecretValue, Timestamp};
use coffer_vault::{KeySource, StoreError, Vault, VaultLocation};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A temporary directory holding a vault (`DIR/vault`) of `n` secrets named `secret-I`, made
/// by the `coffer` binary at `coffer`.
pub fn vault_of(coffer: &str, n: usize) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("vault");
    init(coffer, &home);
    fill(&home, n, |i| format!("secret-{i}"));
    (dir, home)
}

/// A new vault in `home`, made by the `coffer` binary at `coffer`.
pub fn init(coffer: &str, home: &Path) {
    let status = Command::new(coffer)
        .args(["init"])
        .env("COFFER_HOME", home)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
}

/// Inserts `n` secrets named `name(i)` with ~50-byte values into the vault in `home`, in one
/// transaction.
pub fn fill(home: &Path, n: usize, name: impl Fn(usize) -> String) {
    let loc = VaultLocation::in_dir(home);
    let mut vault = Vault::open(&loc, &KeySource::File(loc.key_path.clone())).unwrap();
    let now = Timestamp::now();
    vault
        .write(|records| {
            for i in 0..n {
                records.insert(&Secret {
                    name: SecretName::parse(&name(i)).unwrap(),
                    content: SecretContent::Value(
                        SecretValue::new(format!("sk_live_{i:08}_{}", "x".repeat(32))).unwrap(),
                    ),
                    allowed_domains: AllowedDomains::parse_list("api.example.com").unwrap(),
                    disabled: false,
                    environments: Default::default(),
                    created_at: now,
                    updated_at: now,
                })?;
            }
            Ok::<_, StoreError>(())
        })
        .unwrap();
}

/// Whether `tool` is on PATH.
pub fn which(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Milliseconds.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Median and 95th percentile of whole-process wall times.
pub struct Stats {
    pub median: Duration,
    pub p95: Duration,
}

/// Runs `make()` `runs` times (after 5 warm-up runs), stdin/stdout/stderr null; with
/// `must_succeed`, a failing run aborts the benchmark.
pub fn timed(runs: usize, make: impl Fn() -> Command, must_succeed: bool) -> Stats {
    let mut times = Vec::with_capacity(runs);
    for i in 0..runs + 5 {
        let mut c = make();
        c.stdout(Stdio::null())
            .stderr(Stdio::null())
            .stdin(Stdio::null());
        let t = Instant::now();
        let status = c.status().unwrap();
        let dt = t.elapsed();
        assert!(!must_succeed || status.success(), "{c:?} failed");
        if i >= 5 {
            times.push(dt);
        }
    }
    times.sort();
    Stats {
        median: times[times.len() / 2],
        p95: times[times.len() * 95 / 100],
    }
}
