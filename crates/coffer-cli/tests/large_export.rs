//! A vault whose export is larger than the 128 MiB that earlier builds refused (issue 13):
//! `coffer export --encrypted` writes it and `coffer import` reads it back, whole, through the
//! same code path any size takes. The size is `COFFER_TEST_LARGE_EXPORT_MB` megabytes of values
//! (default 110: an encrypted file of about 147 MB), each value just under the 1 MiB limit.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use coffer_core::{AllowedDomains, Secret, SecretContent, SecretName, SecretValue, Timestamp};
use coffer_vault::{KeySource, StoreError, Vault, VaultLocation};
use common::TestVault;

const PASSWORD: &str = "large-export-tangerine-olive-7";
/// Each value: 1,000,000 bytes (the limit is 1,048,576).
const VALUE_BYTES: usize = 1_000_000;

/// Value `i`: recognisable at both ends, different for every secret.
fn value(i: usize) -> String {
    let head = format!("start-{i}-");
    let tail = format!("-end-{i:06}");
    let fill = (b'a' + (i % 26) as u8) as char;
    let mut v = head.clone();
    v.extend(std::iter::repeat_n(
        fill,
        VALUE_BYTES - head.len() - tail.len(),
    ));
    v.push_str(&tail);
    v
}

#[test]
fn an_export_over_128_mib_exports_and_imports_back() {
    let megabytes: usize = std::env::var("COFFER_TEST_LARGE_EXPORT_MB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(110)
        .max(1);
    let n = megabytes;
    let from = TestVault::init();
    {
        let loc = VaultLocation::in_dir(&from.home());
        let mut vault = Vault::open(&loc, &KeySource::File(loc.key_path.clone())).unwrap();
        let now = Timestamp::from_unix(1_800_000_000).unwrap();
        let secrets: Vec<Secret> = (0..n)
            .map(|i| {
                Secret::new(
                    SecretName::parse(&format!("big-{i:04}")).unwrap(),
                    SecretContent::Value(SecretValue::new(value(i)).unwrap()),
                    AllowedDomains::any(),
                    now,
                )
            })
            .collect();
        let refs: Vec<&Secret> = secrets.iter().collect();
        vault
            .write(|r| r.insert_new(&refs).map(|_| ()))
            .map_err(|e: StoreError| e)
            .unwrap();
    }
    let file = from.dir.path().join("big.json");
    from.cmd(&["export", "--encrypted", "-o", file.to_str().unwrap()])
        .env("COFFER_EXPORT_PASSWORD", PASSWORD)
        .assert()
        .success();
    let size = std::fs::metadata(&file).unwrap().len();
    if megabytes >= 110 {
        assert!(
            size > 128 * 1024 * 1024,
            "the export is over the old limit: {size} bytes"
        );
    }

    let to = TestVault::init();
    let out = to
        .cmd(&["import", "--json", file.to_str().unwrap()])
        .env("COFFER_IMPORT_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["added"].as_array().unwrap().len(), n);
    // Every value came back whole (first, middle and last checked byte for byte).
    for i in [0, n / 2, n - 1] {
        let out = to
            .cmd(&["get", "-n", &format!("big-{i:04}")])
            .output()
            .unwrap();
        assert!(out.status.success());
        let got = String::from_utf8(out.stdout).unwrap();
        assert_eq!(got.len(), VALUE_BYTES);
        assert!(got == value(i), "value {i} differs");
    }
}
