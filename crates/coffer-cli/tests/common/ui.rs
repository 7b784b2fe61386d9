//! A real `coffer ui` on loopback for tests: port 0, the address read from its first line of
//! output (printed once the port is bound, so no waiting), stopped when dropped.
#![allow(dead_code)]
#![allow(clippy::unwrap_used)]

use super::TestVault;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

pub struct UiServer {
    pub child: Child,
    /// `http://127.0.0.1:PORT/?token=…`
    pub start_url: String,
    pub port: u16,
}

impl UiServer {
    pub fn start(v: &TestVault, extra: &[&str]) -> Self {
        let mut args = vec!["--no-open"];
        args.extend(extra);
        Self::spawn(v, &args, &[])
    }

    /// `coffer ui ARGS` with extra environment variables (`PATH` among them replaces the
    /// inherited one).
    pub fn spawn(v: &TestVault, args: &[&str], env: &[(&str, std::ffi::OsString)]) -> Self {
        let mut c = Command::new(assert_cmd::cargo::cargo_bin("coffer"));
        c.arg("ui")
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", v.dir.path())
            .env("COFFER_HOME", v.home())
            .env("COFFER_EXPORT_KDF", "m=8192,t=1,p=1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, val) in env {
            c.env(k, val);
        }
        let mut child = c.spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let start_url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_string();
        let port = start_url
            .trim_start_matches("http://127.0.0.1:")
            .split('/')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        Self {
            child,
            start_url,
            port,
        }
    }

    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin())
    }

    /// Stops the server with SIGTERM and returns its stderr.
    pub fn stop(mut self) -> (std::process::ExitStatus, String) {
        rustix::process::kill_process(
            rustix::process::Pid::from_child(&self.child),
            rustix::process::Signal::TERM,
        )
        .unwrap();
        let status = self.child.wait().unwrap();
        let mut err = String::new();
        std::io::Read::read_to_string(self.child.stderr.as_mut().unwrap(), &mut err).unwrap();
        (status, err)
    }
}

impl Drop for UiServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
