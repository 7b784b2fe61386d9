//! A real moto server (the AWS API emulator) on a loopback port 0, for the AWS Secrets Manager
//! link tests. Installed by `.ci/test-servers` (run here if missing); the port is the one the
//! server reports in its "Running on" line. Set-up calls go through boto3 in moto's own Python.

#![allow(dead_code)] // each test binary uses part of it

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A running moto server; killed on drop.
pub struct Moto {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    python: PathBuf,
    dir: tempfile::TempDir,
}

/// The keys the set-up scripts use (moto without IAM checks accepts any).
pub const SETUP_KEY_ID: &str = "AKIASETUPSETUPSETUP1";

/// The python of the moto environment `.ci/test-servers` installs (it has `cryptography` too).
pub fn python() -> PathBuf {
    let out = Command::new("bash")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.ci/test-servers"))
        .stderr(Stdio::inherit())
        .output()
        .expect("run .ci/test-servers");
    assert!(
        out.status.success(),
        ".ci/test-servers failed: it installs moto from PyPI (needs python3 with venv)"
    );
    let text = String::from_utf8(out.stdout).unwrap();
    PathBuf::from(text.lines().nth(1).expect("moto's python").trim())
}

impl Moto {
    /// A server that accepts any keys.
    pub fn start() -> Self {
        Self::spawn(None)
    }

    /// A server that checks keys, signatures and IAM policies after the first `setup_actions`
    /// requests (moto's `INITIAL_NO_AUTH_ACTION_COUNT`).
    pub fn start_with_iam(setup_actions: u32) -> Self {
        Self::spawn(Some(setup_actions))
    }

    fn spawn(auth_after: Option<u32>) -> Self {
        let python = python();
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(&python);
        cmd.args(["-m", "moto.server", "-H", "127.0.0.1", "-p", "0"])
            .env_clear()
            .env("HOME", dir.path())
            .env("PATH", "/usr/bin:/bin")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some(n) = auth_after {
            cmd.env("INITIAL_NO_AUTH_ACTION_COUNT", n.to_string());
        }
        let mut child = cmd.spawn().expect("start moto");
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let url = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|l| {
                l.split_once("Running on ")
                    .map(|(_, u)| u.trim().to_string())
            })
            .expect("moto reports where it listens");
        // Keep reading so the server never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Moto {
            child,
            url,
            python,
            dir,
        }
    }

    /// Runs a Python script with `sm`, `iam` and `sts` boto3 clients for this server (keys
    /// `keys`, region us-east-1); returns its stdout, trimmed.
    pub fn boto_as(&self, keys: (&str, &str), script: &str) -> String {
        let prelude = format!(
            "import boto3, json\n\
             kw = dict(endpoint_url={url:?}, region_name='us-east-1', aws_access_key_id={id:?}, aws_secret_access_key={secret:?})\n\
             sm = boto3.client('secretsmanager', **kw)\n\
             iam = boto3.client('iam', **kw)\n\
             sts = boto3.client('sts', **kw)\n",
            url = self.url,
            id = keys.0,
            secret = keys.1,
        );
        let mut child = Command::new(&self.python)
            .arg("-")
            .env_clear()
            .env("HOME", self.dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{prelude}{script}").as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "boto3 script failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// [`Moto::boto_as`] with the set-up keys.
    pub fn boto(&self, script: &str) -> String {
        self.boto_as((SETUP_KEY_ID, "setup-secret"), script)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
