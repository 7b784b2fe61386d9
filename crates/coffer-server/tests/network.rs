//! The team server facing a network (issue 12): TLS in the server with a private CA the client
//! pins, reloaded on SIGHUP; plain HTTP only on loopback; slow and many connections do not stop
//! it; a burst of bad tokens is slowed while good tokens still work.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use common::{MemberVault, Store, pki};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};

/// A `coffer-server` started with `args` through `sh` (so `prefix`, e.g. a `ulimit`, applies);
/// its stdout stays open to read what it says later.
struct Running {
    child: Child,
    url: String,
    out: BufReader<ChildStdout>,
}

impl Running {
    fn start(store: &Store, prefix: &str, args: &[&str]) -> Self {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(format!("{prefix} exec \"$0\" \"$@\""))
            .arg(env!("CARGO_BIN_EXE_coffer-server"))
            .args(store.args())
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://") || w.starts_with("https://"))
            .unwrap_or_else(|| panic!("server did not start: {line:?}"))
            .to_string();
        Self { child, url, out }
    }

    /// The next line the server prints.
    fn next_line(&mut self) -> String {
        let mut line = String::new();
        self.out.read_line(&mut line).unwrap();
        line
    }

    fn port(&self) -> u16 {
        self.url.rsplit(':').next().unwrap().parse().unwrap()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn tls_with_a_pinned_private_ca_reloads_on_sighup() {
    let store = Store::new(common::Backend::Sqlite);
    let token = store.bootstrap("team");
    let fp = store.fingerprint();
    let dir = tempfile::tempdir().unwrap();
    let (ca1, cert1, key1) = pki(&["127.0.0.1", "localhost"]);
    let ca1 = write(dir.path(), "ca1.pem", &ca1);
    let cert = write(dir.path(), "cert.pem", &cert1);
    let key = write(dir.path(), "key.pem", &key1);
    // Plain HTTP is for this machine only.
    let (ok, err) = store.admin_status(&["--listen", "0.0.0.0:0"]);
    assert!(!ok && err.contains("plain HTTP"), "{err}");
    let mut server = Running::start(
        &store,
        "",
        &[
            "--listen",
            "127.0.0.1:0",
            "--tls-cert",
            &cert,
            "--tls-key",
            &key,
        ],
    );
    assert!(
        server.url.starts_with("https://127.0.0.1:"),
        "{}",
        server.url
    );
    let alice = MemberVault::new();
    let url = server.url.clone();
    let login = |v: &MemberVault, ca: Option<&str>| {
        let mut args = vec!["team", "login", "--server", &url, "--fingerprint", &fp];
        if let Some(ca) = ca {
            args.extend(["--cacert", ca]);
        }
        v.cmd(&args).env("COFFER_TEAM_TOKEN", &token).result()
    };
    // The private CA is not among the system's roots.
    let (code, err) = login(&alice, None).unwrap_err();
    assert_eq!(code, 10, "{err}");
    assert!(err.to_lowercase().contains("certificate"), "{err}");
    login(&alice, Some(&ca1)).unwrap();
    alice.run(&["team", "members"]).unwrap();
    // A new certificate from another CA, taken on SIGHUP without a restart.
    let (ca2, cert2, key2) = pki(&["127.0.0.1", "localhost"]);
    let ca2 = write(dir.path(), "ca2.pem", &ca2);
    write(dir.path(), "cert.pem", &cert2);
    write(dir.path(), "key.pem", &key2);
    let hup = |c: &Child| {
        assert!(
            Command::new("kill")
                .args(["-HUP", &c.id().to_string()])
                .status()
                .unwrap()
                .success()
        );
    };
    hup(&server.child);
    assert!(server.next_line().contains("TLS certificate reloaded"));
    // Alice's vault pinned the first CA: the new certificate is refused.
    let (code, err) = alice.run(&["team", "members"]).unwrap_err();
    assert_eq!(code, 10, "{err}");
    let carol = MemberVault::new();
    login(&carol, Some(&ca2)).unwrap();
    carol.run(&["team", "members"]).unwrap();
    // A broken key file is not taken: the server keeps serving the certificate it has.
    write(dir.path(), "key.pem", "not a key");
    hup(&server.child);
    assert!(server.next_line().contains("TLS reload failed"));
    carol.run(&["team", "members"]).unwrap();
}

/// A raw HTTP/1.1 request from 127.0.0.1; the status line.
fn status_line(port: u16, request: &str) -> String {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    String::from_utf8_lossy(&buf)
        .lines()
        .next()
        .unwrap_or("")
        .to_string()
}

fn client_from(ip: &str) -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .local_address(ip.parse::<std::net::IpAddr>().unwrap())
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .unwrap()
}

#[test]
fn slow_connections_and_bad_tokens_do_not_stop_the_server() {
    let store = Store::new(common::Backend::Sqlite);
    let token = store.bootstrap("team");
    let member_id = token.split('_').nth(1).unwrap().to_string();
    // 256 descriptors, as on a small host; headers must come within 2 s.
    let server = Running::start(
        &store,
        "ulimit -n 256 &&",
        &["--listen", "127.0.0.1:0", "--header-timeout", "2"],
    );
    let base = server.url.clone();
    let me = |c: &reqwest::blocking::Client, t: &str| {
        c.get(format!("{base}/v1/me"))
            .bearer_auth(t)
            .send()
            .unwrap()
    };

    // A burst of bad tokens from one address: 20 answers 401, then 429 with Retry-After, even
    // for a good token from that address; a good token from elsewhere still works.
    let attacker = client_from("127.0.0.2");
    for i in 0..20 {
        let r = me(&attacker, &format!("cft_nosuch{i}_{}", "x".repeat(43)));
        assert_eq!(r.status(), 401, "attempt {i}");
    }
    let r = me(&attacker, &format!("cft_nosuch99_{}", "x".repeat(43)));
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3).contains(&wait), "Retry-After {wait}");
    assert_eq!(me(&attacker, &token).status(), 429);
    let good = client_from("127.0.0.1");
    assert_eq!(me(&good, &token).status(), 200);
    // Wrong secrets for one member id, each from another address: after 10, 429 for that id;
    // the member's own token still works (no lockout).
    for i in 0..10 {
        let c = client_from(&format!("127.0.1.{}", i + 1));
        let r = me(&c, &format!("cft_{member_id}_{}", "y".repeat(43)));
        assert_eq!(r.status(), 401, "attempt {i}");
    }
    let r = me(
        &client_from("127.0.1.50"),
        &format!("cft_{member_id}_{}", "z".repeat(43)),
    );
    assert_eq!(r.status(), 429);
    assert_eq!(me(&good, &token).status(), 200);

    // 300 connections that send half a request, from one address: the server keeps 64 of them
    // (the rest are closed as they come) and closes those after the header timeout; /v1/health
    // answers all along.
    let port = server.port();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let target: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let mut slow = Vec::new();
        for _ in 0..300 {
            let sock = tokio::net::TcpSocket::new_v4().unwrap();
            sock.bind("127.0.0.3:0".parse().unwrap()).unwrap();
            let Ok(mut s) = sock.connect(target).await else {
                continue;
            };
            let _ = s
                .write_all(b"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                .await;
            slow.push(s);
        }
        assert!(slow.len() >= 250, "{} connected", slow.len());
        let health = tokio::task::spawn_blocking(move || {
            status_line(
                port,
                "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            )
        })
        .await
        .unwrap();
        assert!(health.contains("200"), "{health}");
        // Every slow connection is closed by the server within the header timeout (plus slack):
        // reading gives end of file or a reset, never a hang.
        for s in &mut slow {
            let mut b = [0u8; 64];
            let r = tokio::time::timeout(std::time::Duration::from_secs(15), s.read(&mut b)).await;
            match r {
                Ok(Ok(n)) => assert!(
                    n == 0 || b.starts_with(b"HTTP/1.1 408"),
                    "{}",
                    String::from_utf8_lossy(&b[..n])
                ),
                Ok(Err(_)) => {}
                Err(_) => panic!("a slow connection was still open after 15 s"),
            }
        }
    });
    // And the server still answers.
    let health = status_line(
        port,
        "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    );
    assert!(health.contains("200"), "{health}");
}
