//! 1Password links resolved by Coffer's real Connect client against a FAKE 1Password Connect
//! server (`common/op_connect_fake.rs`: no real Connect server runs here), issue 10: references by
//! vault and item name or id, field by label, a section naming one of two same-named fields, a
//! wrong token, a vault the token may not see, missing items and fields, and the cache.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;
#[path = "common/op_connect_fake.rs"]
mod op_connect_fake;

use common::{TestVault, fails_with, stderr};
use op_connect_fake::{ConnectFake, TOKEN};

fn link(v: &TestVault, name: &str, reference: &str) {
    v.cmd(&[
        "link",
        name,
        "--provider",
        "one-password",
        "--reference",
        reference,
    ])
    .assert()
    .success();
}

fn connect(v: &TestVault, fake: &ConnectFake, token: &str) -> std::process::Output {
    v.cmd(&["connect", "one-password", "--address", &fake.url])
        .env("OP_CONNECT_TOKEN", token)
        .output()
        .unwrap()
}

#[test]
fn fake_connect_resolves_references_by_name_id_label_and_section() {
    let fake = ConnectFake::start();
    let v = TestVault::init();
    link(&v, "stripe", "op://Dev/Stripe/credential");
    link(&v, "by-id", "op://vlt1dev/itm2db/password");
    link(&v, "live", "op://Dev/Stripe/live/api key");
    link(&v, "test", "op://Dev/Stripe/test/api key");
    link(&v, "ambiguous", "op://Dev/Stripe/api key");
    link(&v, "no-field", "op://Dev/Stripe/nope");
    link(&v, "no-item", "op://Dev/Nope/credential");
    link(&v, "no-vault", "op://Nope/Stripe/credential");
    link(&v, "ops", "op://Ops/Anything/password");
    link(&v, "empty", "op://Dev/Stripe/notes");

    let err = fails_with(&mut v.cmd(&["get", "stripe"]), 13);
    assert!(
        err.contains("stripe: not connected to one-password"),
        "{err}"
    );
    assert!(
        err.contains("`coffer connect one-password --address URL`"),
        "{err}"
    );

    // A wrong token is refused at connect, with the server's words.
    let out = connect(&v, &fake, "not-the-token");
    assert_eq!(out.status.code(), Some(13), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("one-password refused the login: Invalid token signature"),
        "{}",
        stderr(&out)
    );
    let out = connect(&v, &fake, TOKEN);
    assert!(out.status.success(), "{}", stderr(&out));

    assert_eq!(v.get("stripe"), "sk_live_from_op\n");
    assert_eq!(v.get("by-id"), "db-pass\n");
    assert_eq!(v.get("live"), "sk_live_sectioned\n");
    assert_eq!(v.get("test"), "sk_test_sectioned\n");
    let err = fails_with(&mut v.cmd(&["get", "ambiguous"]), 4);
    assert!(
        err.contains("more than one field is called \"api key\""),
        "{err}"
    );
    for (name, what) in [
        (
            "no-field",
            "one-password has no field \"nope\" in item Stripe",
        ),
        ("no-item", "one-password has no item \"Nope\""),
        ("no-vault", "one-password has no vault \"Nope\""),
        ("empty", "one-password has no value in field \"notes\""),
    ] {
        let err = fails_with(&mut v.cmd(&["get", name]), 3);
        assert!(err.contains(what), "{name}: {err}");
    }
    let err = fails_with(&mut v.cmd(&["get", "ops"]), 9);
    assert!(
        err.contains("one-password denied access to item Anything"),
        "{err}"
    );

    // Cached: a second read asks nothing of the server.
    let before = fake.requests();
    assert_eq!(v.get("stripe"), "sk_live_from_op\n");
    assert_eq!(fake.requests(), before);
    // The token travels only in the Authorization header, never in a URL.
    assert!(fake.paths().iter().all(|p| !p.contains(TOKEN)));
    let db = String::from_utf8_lossy(&std::fs::read(v.db()).unwrap()).to_string();
    assert!(!db.contains(TOKEN));
    let list: serde_json::Value =
        serde_json::from_slice(&v.cmd(&["connections", "--json"]).output().unwrap().stdout)
            .unwrap();
    assert_eq!(list[0]["provider"], "one-password");
    assert_eq!(
        list[0]["expiresAt"],
        serde_json::Value::Null,
        "Connect tokens do not expire"
    );
}

const SERVICE_TOKEN: &str = "ops_eyJzaWduSW5BZGRyZXNzIjoiZmFrZSJ9";

/// A FAKE 1Password CLI (`op` is not installable here): a script that answers `op whoami` and
/// `op read --no-newline REFERENCE` as the real one does, for its service account token only, and
/// records its arguments.
fn fake_op(dir: &std::path::Path) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("fake-op-bin");
    std::fs::create_dir(&bin).unwrap();
    let script = format!(
        r#"#!/bin/sh
echo "$@" >> "{log}"
if [ "$OP_SERVICE_ACCOUNT_TOKEN" != "{SERVICE_TOKEN}" ]; then
  echo "[ERROR] 2026/11/29 04:00:00 authentication failed: invalid service account token" >&2
  exit 1
fi
case "$1" in
  whoami) echo '{{"url":"https://my.1password.com","user_type":"SERVICE_ACCOUNT"}}' ;;
  read)
    [ "$2" = "--no-newline" ] || exit 3
    case "$3" in
      "op://Dev/Stripe/credential") printf %s "sk_from_op_cli" ;;
      *) echo "[ERROR] 2026/11/29 04:00:00 could not read secret '$3': \"Nope\" isn't an item in the \"Dev\" vault" >&2; exit 1 ;;
    esac ;;
  *) exit 2 ;;
esac
"#,
        log = dir.join("op-argv.log").display()
    );
    let op = bin.join("op");
    std::fs::write(&op, script).unwrap();
    std::fs::set_permissions(&op, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

#[test]
fn fake_op_cli_reads_with_a_service_account_token_kept_out_of_argv() {
    let v = TestVault::init();
    let bin = fake_op(v.dir.path());
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    link(&v, "stripe", "op://Dev/Stripe/credential");
    link(&v, "nope", "op://Dev/Nope/credential");
    let out = v
        .cmd(&["connect", "one-password", "--op-cli"])
        .env("PATH", &path)
        .env("OP_SERVICE_ACCOUNT_TOKEN", "ops_wrong")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(13), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("op did not accept the service account token"),
        "{}",
        stderr(&out)
    );
    let out = v
        .cmd(&["connect", "one-password", "--op-cli"])
        .env("PATH", &path)
        .env("OP_SERVICE_ACCOUNT_TOKEN", SERVICE_TOKEN)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // Later uses need no token in the environment: it is kept sealed and given to `op`.
    let out = v
        .cmd(&["get", "stripe"])
        .env("PATH", &path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "sk_from_op_cli\n");
    let err = fails_with(v.cmd(&["get", "nope"]).env("PATH", &path), 3);
    assert!(err.contains("isn't an item in the \"Dev\" vault"), "{err}");
    let argv = std::fs::read_to_string(v.dir.path().join("op-argv.log")).unwrap();
    assert!(
        argv.contains("read --no-newline op://Dev/Stripe/credential"),
        "{argv}"
    );
    assert!(
        !argv.contains(SERVICE_TOKEN),
        "the token never reaches op's arguments"
    );
    let list: serde_json::Value =
        serde_json::from_slice(&v.cmd(&["connections", "--json"]).output().unwrap().stdout)
            .unwrap();
    assert_eq!(list[0]["auth"], "service account token (op CLI)");
    // Without `op` on PATH: said plainly.
    v.cmd(&["cache", "clear"]).assert().success();
    let err = fails_with(v.cmd(&["get", "stripe"]).env("PATH", "/nonexistent"), 4);
    assert!(
        err.contains("the 1Password CLI `op` is not installed"),
        "{err}"
    );
}
