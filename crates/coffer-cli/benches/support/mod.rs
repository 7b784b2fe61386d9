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

/// Inserts `n` secrets made by `make(i)` into the vault in `home`, in transactions of 50,000.
pub fn fill_with(home: &Path, n: usize, make: impl Fn(usize) -> Secret) {
    let loc = VaultLocation::in_dir(home);
    let mut vault = Vault::open(&loc, &KeySource::File(loc.key_path.clone())).unwrap();
    for start in (0..n).step_by(50_000) {
        let batch: Vec<Secret> = (start..n.min(start + 50_000)).map(&make).collect();
        let refs: Vec<&Secret> = batch.iter().collect();
        vault
            .write(|records| records.insert_new(&refs).map(|_| ()))
            .unwrap();
    }
}

/// A deterministic pseudo-random number for secret `i` and purpose `salt` (SplitMix64).
pub fn mix(i: usize, salt: u64) -> u64 {
    let mut z = (i as u64)
        .wrapping_add(salt.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A realistic secret number `i` (the mix of issue 13): a unique name of 10-30 characters, a
/// value of 20-200 characters (`variant` changes every value), allowed domains on 30%, a link
/// instead of a value on 5%.
pub fn realistic(i: usize, variant: u64) -> Secret {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
    let text = |len: usize, salt: u64| -> String {
        (0..len)
            .map(|k| ALPHABET[(mix(i * 256 + k, salt) % ALPHABET.len() as u64) as usize] as char)
            .collect()
    };
    let prefix = format!("s{i:07}");
    let name_len = 10 + (mix(i, 1) % 21) as usize;
    let name = format!("{prefix}.{}", text(name_len - prefix.len() - 1, 2));
    let content = if mix(i, 3) % 100 < 5 {
        SecretContent::Link(
            serde_json::from_value(serde_json::json!({
                "provider": "aws-secrets-manager",
                "secretArn": format!("arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/{i}-AbCdEf"),
                "jsonKey": "password",
            }))
            .unwrap(),
        )
    } else {
        let len = 20 + (mix(i, 4) % 181) as usize;
        SecretContent::Value(SecretValue::new(text(len, 5 + variant)).unwrap())
    };
    let domains = if mix(i, 6) % 100 < 30 {
        AllowedDomains::parse_list(&format!("api{}.example.com", i % 97)).unwrap()
    } else {
        AllowedDomains::any()
    };
    let now = Timestamp::from_unix(1_790_000_000 + i as i64).unwrap();
    Secret {
        name: SecretName::parse(&name).unwrap(),
        content,
        allowed_domains: domains,
        disabled: false,
        environments: Default::default(),
        created_at: now,
        updated_at: now,
    }
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
