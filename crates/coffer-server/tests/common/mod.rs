//! Test harness: a real `coffer-server` process on a loopback port, over SQLite in a temp dir or
//! a private PostgreSQL cluster (initdb + pg_ctl in a temp dir, loopback port), driven by the
//! real `coffer` CLI.
#![allow(dead_code)]
// Test helpers: a failed unwrap here is a failed test.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use tempfile::TempDir;

/// One scenario, instantiated for each backend: `mod NAME { fn sqlite(); fn postgres(); }`
/// calling `NAME(Backend)`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn sqlite() {
                super::$name(super::Backend::Sqlite)
            }
            #[test]
            fn postgres() {
                super::$name(super::Backend::Postgres)
            }
        }
    )*};
}

pub const PASSWORD: &str = "tangerine-olive-7";

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where the server keeps its data.
pub enum Store {
    Sqlite(TempDir),
    Postgres(PgCluster),
}

impl Store {
    pub fn new(b: Backend) -> Self {
        match b {
            Backend::Sqlite => Store::Sqlite(tempfile::tempdir().unwrap()),
            Backend::Postgres => Store::Postgres(PgCluster::start()),
        }
    }

    pub fn args(&self) -> Vec<String> {
        match self {
            Store::Sqlite(d) => vec![
                "--data".into(),
                d.path().join("server").display().to_string(),
            ],
            Store::Postgres(pg) => vec![
                "--database".into(),
                pg.url.clone(),
                "--sealing-key-file".into(),
                pg.sealing_key.display().to_string(),
            ],
        }
    }

    /// `coffer-server ARGS` against this store; stdout.
    pub fn admin(&self, args: &[&str]) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_coffer-server"))
            .args(self.args())
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "coffer-server {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// Creates team "Acme" with super admin "alice"; returns her token.
    pub fn bootstrap(&self, plan: &str) -> String {
        self.admin(&[
            "bootstrap",
            "--team",
            "Acme",
            "--admin",
            "alice",
            "--plan",
            plan,
        ])
    }

    pub fn fingerprint(&self) -> String {
        self.admin(&["fingerprint"])
    }

    /// `coffer-server ARGS` against this store: (success, stderr).
    pub fn admin_status(&self, args: &[&str]) -> (bool, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_coffer-server"))
            .args(self.args())
            .args(args)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn url(&self) -> String {
        match self {
            Store::Sqlite(d) => format!(
                "sqlite://{}",
                d.path().join("server/coffer-server.db").display()
            ),
            Store::Postgres(pg) => pg.url.clone(),
        }
    }

    /// Runs SQL on the database behind the server's back (as someone with access to the
    /// database but not the signing key would); the rows of the last statement, each column
    /// as text (NULL as "").
    pub fn sql(&self, statements: &[&str]) -> Vec<Vec<String>> {
        use sqlx::Row;
        sqlx::any::install_default_drivers();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&self.url())
                .await
                .unwrap();
            let mut rows = Vec::new();
            for s in statements {
                rows = sqlx::query(sqlx::AssertSqlSafe(*s))
                    .fetch_all(&mut conn)
                    .await
                    .unwrap_or_else(|e| panic!("{s}: {e}"));
            }
            rows.iter()
                .map(|r| {
                    (0..r.columns().len())
                        .map(|i| {
                            r.try_get::<String, _>(i)
                                .or_else(|_| r.try_get::<i64, _>(i).map(|n| n.to_string()))
                                .unwrap_or_default()
                        })
                        .collect()
                })
                .collect()
        })
    }
}

fn is_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

fn pg_bin(name: &str) -> PathBuf {
    let in_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join(name))
        .find(|p| p.exists());
    if let Some(p) = in_path {
        return p;
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path().join("bin").join(name))
        .filter(|p| p.exists())
        .collect();
    found.sort();
    found.pop().unwrap_or_else(|| {
        panic!(
            "PostgreSQL's {name} is not installed: `apt-get install postgresql` (.ci/run does this)"
        )
    })
}

/// Runs a PostgreSQL program as the `postgres` user when we are root (initdb refuses root).
fn pg_cmd(name: &str) -> Command {
    let bin = pg_bin(name);
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin);
        c
    } else {
        Command::new(bin)
    }
}

fn run(mut c: Command, what: &str) {
    let out = c.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A private PostgreSQL cluster on a Unix socket in its own directory, stopped and removed on
/// drop.
pub struct PgCluster {
    dir: TempDir,
    pub url: String,
    _key_dir: TempDir,
    /// The sealing key file every server of this cluster is given.
    pub sealing_key: PathBuf,
}

impl PgCluster {
    pub fn start() -> Self {
        Self::start_with(None)
    }

    /// A cluster that also listens on TCP `127.0.0.1:port` with TLS: `cert` and `key` (PEM) are
    /// its certificate and key. Returns it and the port.
    pub fn start_tls(cert: &str, key: &str) -> (Self, u16) {
        // PostgreSQL cannot take port 0: try free ports until one starts.
        for _ in 0..5 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            if let Ok(c) = std::panic::catch_unwind(|| Self::start_with(Some((cert, key, port)))) {
                return (c, port);
            }
        }
        panic!("PostgreSQL with TLS did not start on any of 5 free ports");
    }

    fn start_with(tls: Option<(&str, &str, u16)>) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("coffer-pg-")
            .tempdir()
            .unwrap();
        if is_root() {
            run(
                {
                    let mut c = Command::new("chown");
                    c.arg("postgres:").arg(dir.path());
                    c
                },
                "chown",
            );
        }
        let data = dir.path().join("data");
        let mut init = pg_cmd("initdb");
        init.args(["-D"]).arg(&data).args([
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        ]);
        run(init, "initdb");
        // A Unix socket in the cluster's own directory and, by default, no TCP port: nothing to
        // race for.
        let mut options = format!(
            "-k {} -c fsync=off -c max_connections=200",
            dir.path().display()
        );
        match tls {
            None => options.push_str(" -c listen_addresses=''"),
            Some((cert, key, port)) => {
                for (name, text) in [("server.crt", cert), ("server.key", key)] {
                    let f = data.join(name);
                    std::fs::write(&f, text).unwrap();
                    std::fs::set_permissions(
                        &f,
                        std::os::unix::fs::PermissionsExt::from_mode(0o600),
                    )
                    .unwrap();
                    if is_root() {
                        run(
                            {
                                let mut c = Command::new("chown");
                                c.arg("postgres:").arg(&f);
                                c
                            },
                            "chown",
                        );
                    }
                }
                options.push_str(&format!(
                    " -c listen_addresses=127.0.0.1 -p {port} -c ssl=on -c ssl_cert_file=server.crt -c ssl_key_file=server.key"
                ));
            }
        }
        let mut start = pg_cmd("pg_ctl");
        start
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(dir.path().join("log"))
            .arg("-o")
            .arg(options)
            .args(["-w", "-t", "60", "start"]);
        run(start, "pg_ctl start");
        // The key that seals the server's signing key in the database, shared by every server
        // of this cluster (as replicas share it).
        let key_dir = tempfile::tempdir().unwrap();
        let sealing_key = key_dir.path().join("sealing.key");
        let mut keygen = Command::new(env!("CARGO_BIN_EXE_coffer-server"));
        keygen.arg("keygen").arg(&sealing_key);
        run(keygen, "coffer-server keygen");
        Self {
            url: format!(
                "postgres://postgres@localhost/postgres?host={}",
                dir.path().display()
            ),
            dir,
            _key_dir: key_dir,
            sealing_key,
        }
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let mut stop = pg_cmd("pg_ctl");
        stop.arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let _ = stop.status();
    }
}

/// A running `coffer-server`, killed on drop.
pub struct Server {
    child: Child,
    pub url: String,
}

impl Server {
    pub fn start(store: &Store, extra: &[&str]) -> Self {
        Self::start_at(store, "127.0.0.1:0", extra, None)
    }

    /// Starts on `listen` (e.g. the address of a server that was stopped, to stand in for it),
    /// on the test clock `clock` if given.
    pub fn start_at(
        store: &Store,
        listen: &str,
        extra: &[&str],
        clock: Option<&TestClock>,
    ) -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_coffer-server"));
        if let Some(c) = clock {
            cmd.env("COFFER_TEST_CLOCK", &c.path);
        }
        let mut child = cmd
            .args(store.args())
            .args(["--listen", listen])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("server did not start: {line:?}"))
            .to_string();
        Self { child, url }
    }

    /// `host:port` the server listens on.
    pub fn addr(&self) -> String {
        self.url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string()
    }

    /// Stops the server (as a crash would).
    pub fn stop(mut self) {
        self.kill();
    }

    /// Kills the server with SIGKILL and waits for it to be gone.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `coffer` binary built beside this test.
pub fn coffer_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe.parent().unwrap().parent().unwrap().join("coffer");
    assert!(
        bin.exists(),
        "{} is missing: run the tests with `cargo test --workspace` (it builds the CLI)",
        bin.display()
    );
    bin
}

/// A clock for a test's server and vaults: a file holding Unix seconds that both binaries read
/// (debug builds honour `COFFER_TEST_CLOCK`), so time moves only when the test moves it.
pub struct TestClock {
    _dir: TempDir,
    pub path: PathBuf,
    now: std::cell::Cell<i64>,
}

impl TestClock {
    /// Starts at the real time now, and stays there.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("now");
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        std::fs::write(&path, now.to_string()).unwrap();
        Self {
            _dir: dir,
            path,
            now: std::cell::Cell::new(now),
        }
    }

    /// Moves time forward by `secs`.
    pub fn advance(&self, secs: i64) {
        self.now.set(self.now.get() + secs);
        std::fs::write(&self.path, self.now.get().to_string()).unwrap();
    }
}

/// A vault of one team member, with one secret.
pub struct MemberVault {
    pub dir: TempDir,
    clock: Option<PathBuf>,
}

impl MemberVault {
    pub fn new() -> Self {
        Self::on_clock(None)
    }

    /// A vault whose `coffer` runs on the test clock `clock`, if given.
    pub fn on_clock(clock: Option<&TestClock>) -> Self {
        let v = Self {
            dir: tempfile::tempdir().unwrap(),
            clock: clock.map(|c| c.path.clone()),
        };
        v.run(&["init"]).expect("coffer init");
        let out = v.cmd(&["set", "api-key"]).stdin_bytes(b"value-123");
        assert!(out.status.success());
        v
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("vault")
    }

    fn base(&self, args: &[&str]) -> Command {
        let mut c = Command::new(coffer_bin());
        c.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("COFFER_HOME", self.home())
            .env("COFFER_EXPORT_PASSWORD", PASSWORD)
            .env("COFFER_EXPORT_KDF", "m=8192,t=1,p=1");
        if let Some(clock) = &self.clock {
            c.env("COFFER_TEST_CLOCK", clock);
        }
        c
    }

    pub fn cmd(&self, args: &[&str]) -> Cmd {
        Cmd(self.base(args))
    }

    /// Starts `coffer ui --no-open` on this vault; returns it and the address it printed.
    pub fn ui(&self) -> (std::process::Child, String) {
        use std::io::BufRead;
        let mut child = self
            .base(&["ui", "--no-open"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap()
            .to_string();
        (child, url)
    }

    /// Runs `coffer ARGS`; Ok(stdout) on success, Err((code, stderr)) on failure.
    pub fn run(&self, args: &[&str]) -> Result<String, (i32, String)> {
        self.cmd(args).result()
    }

    /// `COFFER_TEAM_TOKEN=TOKEN coffer team login --server URL [--fingerprint FP]`.
    pub fn try_login(
        &self,
        url: &str,
        token: &str,
        fingerprint: Option<&str>,
    ) -> Result<String, (i32, String)> {
        let mut args = vec!["team", "login", "--server", url];
        if let Some(fp) = fingerprint {
            args.extend(["--fingerprint", fp]);
        }
        self.cmd(&args).env("COFFER_TEAM_TOKEN", token).result()
    }

    pub fn login(&self, server: &Server, token: &str, fingerprint: &str) {
        self.try_login(&server.url, token, Some(fingerprint))
            .expect("login");
    }

    /// `coffer team policy set --export ON_OFF [--formats FORMATS]` (must succeed).
    pub fn set_policy(&self, export: &str, formats: Option<&str>) {
        let mut args = vec!["team", "policy", "set", "--export", export];
        if let Some(f) = formats {
            args.extend(["--formats", f]);
        }
        self.run(&args).expect("policy set");
    }

    /// Invites a member through this (admin) vault; returns the new token.
    pub fn invite(&self, name: &str, role: &str) -> String {
        self.run(&["team", "invite", name, "--role", role])
            .expect("invite")
            .trim()
            .to_string()
    }

    /// `coffer export KIND -o FILE` into this vault's directory.
    pub fn export(&self, kind: &str) -> Result<String, (i32, String)> {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let out: &Path = &self.dir.path().join(format!("export-{n}.json"));
        self.run(&["export", kind, "--yes", "-o", out.to_str().unwrap()])
    }
}

pub struct Cmd(Command);

impl Cmd {
    pub fn env(mut self, k: &str, v: &str) -> Self {
        self.0.env(k, v);
        self
    }

    pub fn stdin_bytes(mut self, input: &[u8]) -> Output {
        use std::io::Write;
        self.0
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self.0.spawn().unwrap();
        child.stdin.take().unwrap().write_all(input).unwrap();
        child.wait_with_output().unwrap()
    }

    pub fn result(mut self) -> Result<String, (i32, String)> {
        let out = self.0.stdin(Stdio::null()).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            assert_eq!(
                err.lines().count(),
                2,
                "one error line and one hint line: {err}"
            );
            Err((out.status.code().unwrap_or(-1), err))
        }
    }
}

/// A CA's PEM, and a certificate it signed for `names` (IP addresses or DNS names) with its key
/// (both PEM): a private PKI made in the test, no fixtures.
pub fn pki(names: &[&str]) -> (String, String, String) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Coffer server test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::from_params(&ca_params, &ca_key);
    let key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    (ca.pem(), leaf.pem(), key.serialize_pem())
}

/// `coffer-server ARGS`: (success, stdout trimmed, stderr).
pub fn coffer_server(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_coffer-server"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).trim().to_string(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
