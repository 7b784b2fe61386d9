//! Test helpers: each test gets its own vault directory and a clean environment.
#![allow(dead_code)]
// Test helpers: a failed unwrap here is a failed test.
#![allow(clippy::unwrap_used)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

pub struct TestVault {
    pub dir: TempDir,
}

impl TestVault {
    /// A fresh, uninitialised vault directory.
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// A fresh vault, initialised.
    pub fn init() -> Self {
        let v = Self::new();
        v.cmd(&["init"]).assert().success();
        v
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("vault")
    }

    pub fn db(&self) -> PathBuf {
        self.home().join("vault.db")
    }

    pub fn key_file(&self) -> PathBuf {
        self.home().join("vault.key")
    }

    /// `coffer ARGS` in this vault with no inherited Coffer variables and no terminal.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::cargo_bin("coffer").unwrap();
        c.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("COFFER_HOME", self.home())
            .write_stdin("");
        c
    }

    /// Stores `value` under `name` through stdin.
    pub fn set(&self, name: &str, value: &str) {
        self.cmd(&["set", name])
            .write_stdin(value)
            .assert()
            .success();
    }

    pub fn get(&self, name: &str) -> String {
        let out = self.cmd(&["get", name]).output().unwrap();
        assert!(
            out.status.success(),
            "get {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn key_text(&self) -> String {
        std::fs::read_to_string(self.key_file())
            .unwrap()
            .trim()
            .to_string()
    }
}

/// A secret's value as `get` prints it, without the one newline it ends with.
pub fn value(v: &TestVault, name: &str) -> String {
    let out = v.get(name);
    out.strip_suffix('\n').unwrap_or(&out).to_string()
}

/// `coffer import --dry-run --json ARGS`, with `COFFER_IMPORT_PASSWORD` if given: the plan.
pub fn import_plan(v: &TestVault, args: &[&str], password: Option<&str>) -> serde_json::Value {
    let mut all = vec!["import", "--dry-run", "--json"];
    all.extend_from_slice(args);
    let mut c = v.cmd(&all);
    if let Some(p) = password {
        c.env("COFFER_IMPORT_PASSWORD", p);
    }
    let out = c.output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The secret names of an import plan, in order.
pub fn plan_names(plan: &serde_json::Value) -> Vec<String> {
    plan["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_string())
        .collect()
}

/// Mode bits of a file.
pub fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// Stderr of a finished command as text.
pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts the one-error-line-one-hint-line shape and the exit code; returns stderr.
pub fn fails_with(c: &mut Command, code: i32) -> String {
    let out = c.output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(code), "stderr: {err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "one error and one hint line, got: {err}");
    assert!(lines[0].starts_with("error: "), "{err}");
    assert!(lines[1].starts_with("hint: "), "{err}");
    assert!(out.stdout.is_empty(), "nothing on stdout on failure");
    err
}

/// A plaintext export written by hand: `secrets` as (name, value) pairs, in `v`'s directory.
pub fn handmade(v: &TestVault, file: &str, secrets: &[(&str, &str)]) -> String {
    let items: Vec<serde_json::Value> = secrets
        .iter()
        .map(|(n, val)| {
            serde_json::json!({"name": n, "value": val, "allowedDomains": [],
                "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-02T00:00:00Z"})
        })
        .collect();
    let doc = serde_json::json!({"format": "coffer-vault-export", "version": 1, "encrypted": false,
        "tool": "coffer 0.1.0", "exportedAt": "2026-01-03T00:00:00Z", "secretCount": items.len(),
        "secrets": items});
    let p = v.dir.path().join(file);
    std::fs::write(&p, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    p.display().to_string()
}

/// Unix seconds now.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Unix seconds of an RFC 3339 UTC time `YYYY-MM-DDTHH:MM:SSZ` (days from the civil calendar).
pub fn unix_time(s: &str) -> i64 {
    let n = |a: usize, b: usize| s[a..b].parse::<i64>().unwrap();
    let (y, m, d) = (n(0, 4), n(5, 7), n(8, 10));
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + (153 * m + 2) / 5 + d - 1;
    (era * 146_097 + doe - 719_468) * 86_400 + n(11, 13) * 3600 + n(14, 16) * 60 + n(17, 19)
}

/// Decodes `application/x-www-form-urlencoded` text (`%XX`, `+`), for the fakes.
pub fn form_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap_or(b'?'));
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).to_string()
}

/// Whether `needle` is anywhere in the vault's database files, in clear.
pub fn at_rest_contains(v: &TestVault, needle: &str) -> bool {
    ["vault.db", "vault.db-wal"].iter().any(|f| {
        std::fs::read(v.home().join(f))
            .map(|b| String::from_utf8_lossy(&b).contains(needle))
            .unwrap_or(false)
    })
}

/// The vault's full content (every field of every secret), via a plaintext export to stdout.
pub fn contents(v: &TestVault) -> serde_json::Value {
    let out = v
        .cmd(&["export", "--plaintext", "--yes", "-o", "-"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["secrets"].clone()
}
