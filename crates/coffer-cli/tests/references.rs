//! `{{vault:NAME}}` at work: `coffer request` against real HTTP(S) servers on loopback,
//! `coffer run` with a real child, `coffer inject` and `coffer refs` (issue 8).
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;
#[path = "common/http.rs"]
mod http;

use common::{TestVault, fails_with, stderr};
use http::TestServer;
use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;

const UNRESOLVED: i32 = 14;
const ONE: &str = "sk_one_value_7f3a";
const MASK: &str = "<concealed by coffer>";

fn set(v: &TestVault, name: &str, value: &str, domains: &str) {
    let mut c = v.cmd(&["set", name]);
    if !domains.is_empty() {
        c.args(["--allowed-domains", domains]);
    }
    c.write_stdin(value).assert().success();
}

/// `coffer request URL ARGS` with the server's CA and every test name mapped to loopback. Proxy
/// variables point at a port where nothing listens: a request that used them would fail.
fn request(v: &TestVault, s: &TestServer, url: &str, args: &[&str]) -> assert_cmd::Command {
    let mut c = v.cmd(&["request", url, "--cacert", s.ca_pem.to_str().unwrap()]);
    for var in [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
    ] {
        c.env(var, "http://127.0.0.1:9");
    }
    for name in http::NAMES {
        c.args(["--resolve", &format!("{name}:{}:127.0.0.1", s.port)]);
    }
    c.args(args);
    c
}

fn bearer() -> [&'static str; 2] {
    ["-H", "Authorization: Bearer {{vault:one}}"]
}

#[test]
fn a_secret_goes_to_its_allowed_domain_and_nowhere_else() {
    let s = TestServer::https();
    let v = TestVault::init();
    set(&v, "one", ONE, &format!("api.one.test:{}", s.port));
    let out = request(
        &v,
        &s,
        &format!("https://api.one.test:{}/echo", s.port),
        &bearer(),
    )
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let seen = s.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].host, format!("api.one.test:{}", s.port));
    assert!(
        seen[0].raw.contains(&format!("Bearer {ONE}")),
        "{}",
        seen[0].raw
    );
    // The echoed request comes back concealed.
    let body = String::from_utf8(out.stdout).unwrap();
    assert!(body.contains(&format!("Bearer {MASK}")), "{body}");
    assert!(!body.contains(ONE));

    // The same reference to another host: refused before any connection.
    let before = s.connections();
    let err = fails_with(
        &mut request(
            &v,
            &s,
            &format!("https://api.two.test:{}/echo", s.port),
            &bearer(),
        ),
        UNRESOLVED,
    );
    assert!(
        err.contains(&format!(
            "one: not allowed for https://api.two.test:{}",
            s.port
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("allowed: api.one.test:{}", s.port)),
        "{err}"
    );
    assert!(!err.contains(ONE));
    assert_eq!(
        s.connections(),
        before,
        "no byte may leave for a refused host"
    );
}

#[test]
fn wildcards_ports_and_schemes_are_exact() {
    let s = TestServer::https();
    let plain = TestServer::http();
    let v = TestVault::init();
    set(&v, "one", ONE, &format!("*.one.test:{}", s.port));
    let url = |host: &str| format!("https://{host}:{}/echo", s.port);
    request(&v, &s, &url("a.one.test"), &bearer())
        .assert()
        .success();
    request(&v, &s, &url("b.a.one.test"), &bearer())
        .assert()
        .success();
    assert_eq!(s.seen().len(), 2);
    let before = s.connections();
    let err = fails_with(
        &mut request(&v, &s, &url("one.test"), &bearer()),
        UNRESOLVED,
    );
    assert!(err.contains("not allowed for https://one.test"), "{err}");
    assert_eq!(s.connections(), before);

    // Another port than the entry's.
    let other = TestServer::https();
    fails_with(
        &mut request(
            &v,
            &other,
            &format!("https://a.one.test:{}/", other.port),
            &bearer(),
        ),
        UNRESOLVED,
    );
    assert_eq!(other.connections(), 0);
    // An entry without a port allows 443 only.
    set(&v, "one", ONE, "api.one.test");
    fails_with(
        &mut request(&v, &s, &url("api.one.test"), &bearer()),
        UNRESOLVED,
    );
    assert_eq!(s.connections(), before);

    // https entry, http request: refused; an http:// entry allows http.
    set(&v, "one", ONE, &format!("api.one.test:{}", plain.port));
    let http_url = format!("http://api.one.test:{}/echo", plain.port);
    let err = fails_with(&mut request(&v, &plain, &http_url, &bearer()), UNRESOLVED);
    assert!(
        err.contains(&format!("http://api.one.test:{}", plain.port)),
        "{err}"
    );
    assert_eq!(plain.connections(), 0);
    set(
        &v,
        "one",
        ONE,
        &format!("http://api.one.test:{}", plain.port),
    );
    request(&v, &plain, &http_url, &bearer()).assert().success();
    assert!(plain.seen()[0].raw.contains(ONE));
}

#[test]
fn redirects_carry_a_secret_only_where_it_is_allowed() {
    let s = TestServer::https();
    let v = TestVault::init();
    set(&v, "one", ONE, &format!("*.one.test:{}", s.port));
    let to_two = format!(
        "https://a.one.test:{0}/redirect?to=https://api.two.test:{0}/echo",
        s.port
    );
    // Without -L the redirect is shown, not followed.
    let out = request(&v, &s, &to_two, &bearer()).output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "moved\n");
    // With -L, not to a host the secret may not reach.
    let err = fails_with(
        &mut request(
            &v,
            &s,
            &to_two,
            &["-L", "-H", "Authorization: Bearer {{vault:one}}"],
        ),
        UNRESOLVED,
    );
    assert!(err.contains("redirect to https://api.two.test"), "{err}");
    assert!(err.contains("one (allowed: *.one.test"), "{err}");
    assert!(s.seen().iter().all(|r| r.host.starts_with("a.one.test")));
    // To an allowed host it is followed, with the secret.
    let to_b = format!(
        "https://a.one.test:{0}/redirect?to=https://b.a.one.test:{0}/echo",
        s.port
    );
    let out = request(
        &v,
        &s,
        &to_b,
        &["-L", "-H", "Authorization: Bearer {{vault:one}}"],
    )
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let last = s.seen().pop().unwrap();
    assert!(last.host.starts_with("b.a.one.test"));
    assert!(last.raw.contains(ONE));
}

#[test]
fn unknown_and_disabled_secrets_stop_the_request() {
    let s = TestServer::https();
    let v = TestVault::init();
    set(&v, "one", ONE, "");
    let url = format!("https://api.one.test:{}/echo", s.port);
    let err = fails_with(
        &mut request(&v, &s, &url, &["-H", "X-Key: {{vault:missing}}"]),
        UNRESOLVED,
    );
    assert!(err.contains("missing: no such secret"), "{err}");
    v.cmd(&["disable", "one"]).assert().success();
    let list = v.cmd(&["list"]).output().unwrap();
    assert!(String::from_utf8_lossy(&list.stdout).contains("disabled"));
    let err = fails_with(&mut request(&v, &s, &url, &bearer()), UNRESOLVED);
    assert!(err.contains("one: disabled"), "{err}");
    assert!(err.contains("coffer enable"), "{err}");
    // Every failing reference is named in one error.
    let err = fails_with(
        &mut request(
            &v,
            &s,
            &url,
            &["-H", "A: {{vault:one}}", "-d", "{{vault:nope}}"],
        ),
        UNRESOLVED,
    );
    assert!(err.contains("2 references cannot resolve"), "{err}");
    assert_eq!(s.connections(), 0);
    v.cmd(&["enable", "one"]).assert().success();
    request(&v, &s, &url, &bearer()).assert().success();
}

#[test]
fn verbose_output_never_shows_a_value() {
    let s = TestServer::https();
    let v = TestVault::init();
    set(&v, "one", ONE, &format!("api.one.test:{}", s.port));
    set(&v, "spaced", "s3cr et\"<x", "");
    let out = request(
        &v,
        &s,
        &format!("https://api.one.test:{}/echo/{{{{vault:spaced}}}}", s.port),
        &["-v"],
    )
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(&format!("/echo/{MASK}")), "{err}");
    assert!(!err.contains("s3cr") && !err.contains("%20et"), "{err}");
    let url = format!("https://api.one.test:{}/echo?key={{{{vault:one}}}}", s.port);
    let out = request(
        &v,
        &s,
        &url,
        &[
            "-v",
            "-H",
            "Authorization: Bearer {{vault:one}}",
            "--json",
            "{\"k\":\"{{vault:one}}\"}",
        ],
    )
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    let body = String::from_utf8_lossy(&out.stdout);
    assert!(
        err.contains(&format!("> authorization: Bearer {MASK}")),
        "{err}"
    );
    assert!(err.contains(&format!("key={MASK}")), "{err}");
    assert!(err.contains("< HTTP/1.1 200 OK"), "{err}");
    assert!(!err.contains(ONE) && !body.contains(ONE), "{err}\n{body}");
    // The server got all three, resolved.
    let raw = &s.seen()[1].raw;
    assert_eq!(raw.matches(ONE).count(), 3, "{raw}");
    assert!(raw.contains("content-type: application/json"), "{raw}");
    // --no-masking shows the body as received.
    let out = request(&v, &s, &url, &["--no-masking", "-H", "A: {{vault:one}}"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(ONE),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        stderr(&out)
    );
}

#[test]
fn references_cannot_choose_the_host_and_fail_gives_22() {
    let s = TestServer::https();
    let v = TestVault::init();
    set(&v, "host", "api.one.test", "");
    let err = fails_with(
        &mut request(
            &v,
            &s,
            &format!("https://{{{{vault:host}}}}:{}/", s.port),
            &[],
        ),
        4,
    );
    assert!(err.contains("host"), "{err}");
    // Nor the user part, however the URL spells its slashes.
    for url in [
        format!("https://{{{{vault:host}}}}@api.one.test:{}/", s.port),
        format!("https:/{{{{vault:host}}}}@api.one.test:{}/", s.port),
        format!("https:\\\\{{{{vault:host}}}}@api.one.test:{}/", s.port),
        format!("https:/\t/{{{{vault:host}}}}:pw@api.one.test:{}/", s.port),
    ] {
        let err = fails_with(&mut request(&v, &s, &url, &[]), 4);
        assert!(err.contains("user, password, host"), "{url}: {err}");
    }
    // A Host header would send the request to another virtual host.
    fails_with(
        &mut request(
            &v,
            &s,
            &format!("https://api.one.test:{}/", s.port),
            &["-H", "Host: api.two.test"],
        ),
        2,
    );
    fails_with(
        &mut request(
            &v,
            &s,
            &format!("https://api.one.test:{}/", s.port),
            &["-m", "inf"],
        ),
        2,
    );
    assert_eq!(s.connections(), 0);
    // --fail: exit 22 and, as curl, no body.
    let out = request(
        &v,
        &s,
        &format!("https://api.one.test:{}/status/404", s.port),
        &["--fail"],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(22), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert_eq!(s.connections(), 1);
}

/// A value in the URL arrives exactly: it is percent-encoded as one component, so `%41` is not
/// read as `A`, `#` does not cut the URL, `\\` is not a slash, spaces and line breaks are not
/// dropped, `&`, `=` and `+` do not split or change a query. A value a parser would still rewrite
/// (a `.` or `..` path segment) is refused. `-v` never shows a value, decoded or not.
#[test]
fn url_values_reach_the_server_exactly() {
    let s = TestServer::https();
    let v = TestVault::init();
    let values = [
        "p%41ss",
        "a+b/c?d#e&f=g\\h",
        " lead and trail ",
        "tab\there",
        "ab\r\nX-Evil: 1",
        "../../admin",
        "ünï€",
    ];
    for (i, value) in values.iter().enumerate() {
        set(&v, &format!("v{i}"), value, "");
    }
    let target = |raw: &str| raw.split(' ').nth(1).unwrap().to_string();
    let decode = |t: &str| {
        percent_encoding::percent_decode_str(t)
            .decode_utf8()
            .unwrap()
            .into_owned()
    };
    for (i, value) in values.iter().enumerate() {
        let url = format!(
            "https://api.one.test:{}/p/{{{{vault:v{i}}}}}/end?q={{{{vault:v{i}}}}}&z=1",
            s.port
        );
        let out = request(&v, &s, &url, &["-v"]).output().unwrap();
        assert!(out.status.success(), "{value:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains(&format!("/p/{MASK}/end?q={MASK}&z=1")),
            "{value:?}: {err}"
        );
        for shown in ["p%41", "pAss", "%2541", "X-Evil", "admin", "lead", "ün"] {
            assert!(!err.contains(shown), "{value:?} shown as {shown}: {err}");
        }
        let t = target(&s.seen().last().unwrap().raw);
        let (path, query) = t.split_once('?').unwrap();
        let seg = path
            .strip_prefix("/p/")
            .and_then(|p| p.strip_suffix("/end"))
            .unwrap();
        assert!(!seg.contains('/'), "one path segment: {t}");
        assert_eq!(decode(seg), *value, "{t}");
        let q = query
            .strip_prefix("q=")
            .and_then(|q| q.strip_suffix("&z=1"))
            .unwrap();
        assert_eq!(decode(q), *value, "{t}");
    }
    assert_eq!(s.connections(), values.len());
    // Dot segments: a URL parser removes them, whatever their spelling.
    for (name, dots) in [("dot", "."), ("dotdot", "..")] {
        set(&v, name, dots, "");
        let err = fails_with(
            &mut request(
                &v,
                &s,
                &format!("https://api.one.test:{}/a/{{{{vault:{name}}}}}/b", s.port),
                &[],
            ),
            4,
        );
        assert!(
            err.contains(&format!("value of {name} would reach the server altered")),
            "{err}"
        );
    }
    // -v lines are shown decoded, so control characters in them are escaped, not sent to the
    // terminal.
    let out = request(
        &v,
        &s,
        &format!("https://api.one.test:{}/t%1b]0;title%07", s.port),
        &["-v"],
    )
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !out.stderr.contains(&0x1b) && !out.stderr.contains(&0x07),
        "{}",
        stderr(&out)
    );
    // A `%` or `%H` right before a reference would make an escape of the value's start.
    set(&v, "hex", "6d7950617373776f7264", "");
    for prefix in ["%", "%6"] {
        for url in [
            format!("https://api.one.test:{}/p{prefix}{{{{vault:hex}}}}", s.port),
            format!(
                "https://api.one.test:{}/?q={prefix}{{{{vault:hex}}}}",
                s.port
            ),
        ] {
            let err = fails_with(&mut request(&v, &s, &url, &["-v"]), 4);
            assert!(
                err.contains("reference to hex follows a `%`"),
                "{url}: {err}"
            );
            assert!(!err.contains("7950617373"), "{err}");
        }
    }
    assert_eq!(s.connections(), values.len() + 1, "nothing sent");
    // A fully qualified host (trailing dot) is the same host for --resolve.
    let out = request(
        &v,
        &s,
        &format!("https://api.one.test.:{}/echo", s.port),
        &[],
    )
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(s.connections(), values.len() + 2);
}

// --- run ---

#[test]
fn run_resolves_the_environment_and_masks_output() {
    let v = TestVault::init();
    set(&v, "tok", "tok-secret-123", "");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("seen");
    // The child sees the value; what it prints is concealed, also one byte at a time.
    let script = r#"printf %s "$TOKEN" > "$OUT"; echo "out:$TOKEN"; echo "err:$TOKEN" >&2
v="$TOKEN"; while [ -n "$v" ]; do rest="${v#?}"; printf %s "${v%"$rest"}"; v="$rest"; done; echo"#;
    let out = v
        .cmd(&["run", "--", "sh", "-c", script])
        .env("TOKEN", "{{vault:tok}}")
        .env("OUT", &file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "tok-secret-123");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("out:{MASK}\n{MASK}\n")
    );
    assert_eq!(stderr(&out), format!("err:{MASK}\n"));
    // --no-masking: as printed.
    let out = v
        .cmd(&["run", "--no-masking", "--", "sh", "-c", "echo $TOKEN"])
        .env("TOKEN", "{{vault:tok}}")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "tok-secret-123\n");
}

#[test]
fn run_passes_the_exit_status_and_withholds_coffers_own_secrets() {
    let v = TestVault::init();
    set(&v, "tok", "tok-secret-123", "");
    let out = v
        .cmd(&["run", "--", "sh", "-c", "exit 7"])
        .env("TOKEN", "{{vault:tok}}")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7));
    // A child killed by a signal: Coffer ends by the same signal.
    let out = v
        .cmd(&["run", "--", "sh", "-c", "kill -TERM $$"])
        .output()
        .unwrap();
    assert_eq!(out.status.signal(), Some(15), "{out:?}");
    let out = v
        .cmd(&["run", "--", "sh", "-c", "echo ${COFFER_VAULT_KEY:-none}"])
        .env("COFFER_VAULT_KEY", v.key_text())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "none\n");
    // Nor through a dotenv file that expands it.
    let key = v.key_text();
    let envf = v.dir.path().join("leak.env");
    std::fs::write(&envf, "LEAK=x${COFFER_VAULT_KEY}\n").unwrap();
    let err = fails_with(
        v.cmd(&[
            "run",
            "--env-file",
            envf.to_str().unwrap(),
            "--",
            "sh",
            "-c",
            "echo $LEAK",
        ])
        .env("COFFER_VAULT_KEY", &key),
        4,
    );
    assert!(
        err.contains("line 1 uses COFFER_VAULT_KEY, which is never passed"),
        "{err}"
    );
    assert!(!err.contains(&key));
    // Nor set by a dotenv file.
    std::fs::write(&envf, "A=1\nCOFFER_VAULT_KEY=hello\n").unwrap();
    let err = fails_with(
        &mut v.cmd(&[
            "run",
            "--env-file",
            envf.to_str().unwrap(),
            "--",
            "sh",
            "-c",
            "echo ${COFFER_VAULT_KEY:-none}",
        ]),
        4,
    );
    assert!(err.contains("line 2 uses COFFER_VAULT_KEY"), "{err}");
    // A withheld secret that happens to occur inside other values is no reason to refuse, and
    // the refusal never hints at a value.
    std::fs::write(&envf, "LANG=en_US.UTF-8\n").unwrap();
    let out = v
        .cmd(&[
            "run",
            "--env-file",
            envf.to_str().unwrap(),
            "--",
            "sh",
            "-c",
            "echo $LANG",
        ])
        .env("COFFER_EXPORT_PASSWORD", "US")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "en_US.UTF-8\n",
        "{}",
        stderr(&out)
    );
    // Escapes mean the same with or without a reference beside them.
    let out = v
        .cmd(&["run", "--", "sh", "-c", "echo \"$A|$B\""])
        .env("A", "\\{{vault:x}}")
        .env("B", "\\{{vault:x}}{{vault:tok}}")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{{{{vault:x}}}}|{{{{vault:x}}}}{MASK}\n")
    );
    fails_with(&mut v.cmd(&["run", "--", "no-such-command-coffer"]), 127);
}

#[test]
fn run_forwards_sigterm_and_sigint_to_the_child() {
    for sig in ["TERM", "INT", "HUP", "USR1"] {
        forwards(sig);
    }
}

fn forwards(sig: &str) {
    let v = TestVault::init();
    set(&v, "tok", "tok-secret-123", "");
    let script = format!(
        r#"trap 'kill $p; echo "got {sig} $TOKEN"; exit 3' {sig}; tail -f /dev/null >/dev/null 2>&1 & p=$!; echo ready; wait $p"#
    );
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("coffer"))
        .args(["run", "--", "sh", "-c", &script])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("COFFER_HOME", v.home())
        .env("TOKEN", "{{vault:tok}}")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), "ready");
    let status = std::process::Command::new("kill")
        .args([&format!("-{sig}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(lines.next().unwrap().unwrap(), format!("got {sig} {MASK}"));
    assert_eq!(child.wait().unwrap().code(), Some(3));
}

#[test]
fn run_refuses_a_restricted_secret_without_a_matching_destination() {
    let v = TestVault::init();
    set(&v, "one", ONE, "api.one.test");
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let cmd = format!("touch {}; echo \"$K\"", marker.display());
    let err = fails_with(
        v.cmd(&["run", "--", "sh", "-c", &cmd])
            .env("K", "{{vault:one}}"),
        UNRESOLVED,
    );
    assert!(err.contains("restricted to api.one.test"), "{err}");
    assert!(err.contains("--for"), "{err}");
    fails_with(
        v.cmd(&[
            "run",
            "--for",
            "https://api.two.test",
            "--",
            "sh",
            "-c",
            &cmd,
        ])
        .env("K", "{{vault:one}}"),
        UNRESOLVED,
    );
    assert!(!marker.exists(), "the command must not run");
    let out = v
        .cmd(&[
            "run",
            "--for",
            "https://api.one.test/v1",
            "--no-masking",
            "--",
            "sh",
            "-c",
            &cmd,
        ])
        .env("K", "{{vault:one}}")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{ONE}\n"));
    // From a dotenv file too.
    let envf = dir.path().join(".env");
    std::fs::write(&envf, "K=\"x-{{vault:one}}\"\n").unwrap();
    let out = v
        .cmd(&[
            "run",
            "--env-file",
            envf.to_str().unwrap(),
            "--for",
            "https://api.one.test",
            "--no-masking",
            "--",
            "sh",
            "-c",
            "echo $K",
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("x-{ONE}\n"),
        "{}",
        stderr(&out)
    );
}

/// The command runs as the same user as Coffer: it must not read Coffer's environment (which
/// may hold COFFER_VAULT_KEY) through /proc. As root every /proc file is readable, so the test
/// runs Coffer as `nobody` then (setpriv, util-linux).
#[test]
fn run_hides_coffers_own_environment_from_the_command() {
    let root = rustix::process::geteuid().is_root();
    let dir = tempfile::Builder::new().tempdir_in("/tmp").unwrap();
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o777),
    )
    .unwrap();
    let home = dir.path().join("vault");
    let coffer = |args: &[&str]| {
        let mut c = if root {
            let mut c = std::process::Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
                .arg(assert_cmd::cargo::cargo_bin("coffer"));
            c
        } else {
            std::process::Command::new(assert_cmd::cargo::cargo_bin("coffer"))
        };
        c.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap())
            .env("COFFER_HOME", &home);
        c
    };
    let out = coffer(&["init"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key = String::from_utf8(coffer(&["key", "show"]).output().unwrap().stdout).unwrap();
    let key = key.trim();
    assert!(!key.is_empty());
    let out = coffer(&[
        "run",
        "--",
        "sh",
        "-c",
        "cat /proc/$PPID/environ && echo READ",
    ])
    .env("COFFER_VAULT_KEY", key)
    .output()
    .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains(key) && !text.contains("READ"), "{text}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("Permission denied"));
}

// --- inject / refs ---

#[test]
fn inject_is_byte_exact_private_and_all_or_nothing() {
    let v = TestVault::init();
    set(&v, "a", "AAA", "");
    set(&v, "b", "línea\nB", "");
    let dir = tempfile::tempdir().unwrap();
    let tpl = dir.path().join("tpl");
    let mut input = b"\x00\xff bin {{vault:a}}\r\n".to_vec();
    input.extend_from_slice(b"esc \\{{vault:a}} kept {{other}}\r\n{{vault:b}}\x80");
    std::fs::write(&tpl, &input).unwrap();
    let out = dir.path().join("out");
    v.cmd(&[
        "inject",
        "-i",
        tpl.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ])
    .assert()
    .success();
    let mut want = b"\x00\xff bin AAA\r\n".to_vec();
    want.extend_from_slice("esc {{vault:a}} kept {{other}}\r\nlínea\nB".as_bytes());
    want.push(0x80);
    assert_eq!(std::fs::read(&out).unwrap(), want);
    assert_eq!(common::mode(&out) & 0o777, 0o600);
    // Stdout, the same bytes.
    let o = v
        .cmd(&["inject", "-i", tpl.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.stdout, want);
    // One failing reference: nothing written, an existing file untouched even with --force.
    std::fs::write(&tpl, "{{vault:a}} {{vault:gone}}").unwrap();
    let fresh = dir.path().join("fresh");
    let inject_to = |to: &std::path::Path, force: bool| {
        let mut c = v.cmd(&[
            "inject",
            "-i",
            tpl.to_str().unwrap(),
            "-o",
            to.to_str().unwrap(),
        ]);
        if force {
            c.arg("--force");
        }
        fails_with(&mut c, UNRESOLVED);
    };
    inject_to(&fresh, false);
    assert!(!fresh.exists());
    inject_to(&out, true);
    assert_eq!(std::fs::read(&out).unwrap(), want);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        2,
        "no temporary file left"
    );
    // A malformed reference is an error with its place, never passed through.
    std::fs::write(&tpl, "ok\n  {{ vault:a }}").unwrap();
    let err = fails_with(&mut v.cmd(&["inject", "-i", tpl.to_str().unwrap()]), 4);
    assert!(err.contains("line 2, column 3"), "{err}");
}

#[test]
fn refs_lists_references_without_values() {
    let v = TestVault::init();
    set(&v, "a", "AAA-value", "");
    set(&v, "one", ONE, "api.one.test");
    let dir = tempfile::tempdir().unwrap();
    let tpl = dir.path().join("tpl");
    std::fs::write(
        &tpl,
        "{{vault:a}}\n x {{vault:one}} {{vault:a}}\n{{vault:zzz}}",
    )
    .unwrap();
    let out = v
        .cmd(&["refs", tpl.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(UNRESOLVED));
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(!text.contains("AAA-value") && !text.contains(ONE));
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let refs = doc["references"].as_array().unwrap();
    let by = |n: &str| refs.iter().find(|r| r["name"] == n).unwrap();
    assert_eq!(by("a")["resolves"], true);
    assert_eq!(by("a")["usedAt"].as_array().unwrap().len(), 2);
    assert_eq!(by("one")["resolves"], false);
    assert_eq!(by("zzz")["resolves"], false);
    // With a destination the restricted one resolves; the dry run says the same.
    std::fs::write(&tpl, "{{vault:a}} {{vault:one}}").unwrap();
    v.cmd(&[
        "refs",
        tpl.to_str().unwrap(),
        "--for",
        "https://api.one.test",
    ])
    .assert()
    .success();
    let out = v
        .cmd(&[
            "inject",
            "--dry-run",
            "-i",
            tpl.to_str().unwrap(),
            "--for",
            "https://api.one.test",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("resolves") && !text.contains(ONE), "{text}");
}

#[test]
fn environments_pick_their_value_and_domains() {
    let v = TestVault::init();
    set(&v, "api", "default-v", "");
    v.cmd(&[
        "set",
        "api",
        "--env",
        "prod",
        "--allowed-domains",
        "api.prod.test",
    ])
    .write_stdin("prod-v")
    .assert()
    .success();
    v.cmd(&["set", "nope", "--env", "prod"])
        .write_stdin("x")
        .assert()
        .code(3);
    let list = v.cmd(&["list"]).output().unwrap();
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(text.contains("prod") && !text.contains("prod-v"), "{text}");
    assert_eq!(v.get("api"), "default-v\n");
    let out = v
        .cmd(&["get", "api", "--env", "prod", "-v"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "prod-v\n");
    assert!(stderr(&out).contains("environment prod"));
    let out = v
        .cmd(&["get", "api", "-v"])
        .env("COFFER_ENV", "staging")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "default-v\n");
    assert!(stderr(&out).contains("the default value (no value for environment staging)"));
    let out = v
        .cmd(&["get", "api"])
        .env("COFFER_ENV", "")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "default-v\n",
        "an empty COFFER_ENV is none"
    );
    // In references: prod's own domains apply.
    let dir = tempfile::tempdir().unwrap();
    let tpl = dir.path().join("t");
    std::fs::write(&tpl, "{{vault:api}}").unwrap();
    let o = v
        .cmd(&["inject", "-i", tpl.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.stdout, b"default-v");
    let err = fails_with(
        v.cmd(&["inject", "-i", tpl.to_str().unwrap()])
            .env("COFFER_ENV", "prod"),
        UNRESOLVED,
    );
    assert!(
        err.contains("api (environment prod): restricted to api.prod.test"),
        "{err}"
    );
    let o = v
        .cmd(&[
            "inject",
            "--env",
            "prod",
            "--for",
            "https://api.prod.test",
            "-i",
            tpl.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(o.stdout, b"prod-v");
    // An environment's domains are shown and changed on their own, or dropped for the secret's.
    let o = v
        .cmd(&["domains", "api", "--env", "prod"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&o.stdout), "api.prod.test\n");
    v.cmd(&["domains", "api", "--env", "prod", "--inherit"])
        .assert()
        .success();
    let o = v
        .cmd(&["inject", "--env", "prod", "-i", tpl.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.stdout, b"prod-v", "{}", stderr(&o));
    fails_with(&mut v.cmd(&["domains", "api", "--inherit"]), 2);
    fails_with(&mut v.cmd(&["domains", "api", "--env", "dev"]), 3);
    v.cmd(&["rm", "api", "--env", "prod"]).assert().success();
    let o = v
        .cmd(&["inject", "--env", "prod", "-i", tpl.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.stdout, b"default-v");
}
