//! Importing KeePass databases and KeePassXC CSV exports made by the real `keepassxc-cli`
//! (Debian's `keepassxc`, installed by `.ci/run`) in each test: a password and a key file, a key
//! file alone, the recycle bin, protected attributes and TOTP; a wrong password, a missing key
//! file and a changed file give one error; the CSV export of the same database gives the same
//! secrets (issue 11).
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use common::{TestVault, fails_with, import_plan as plan, plan_names as names, value};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const DB_PASSWORD: &str = "kdbx fixture password";

/// The KeePass XML the databases are built from (`keepassxc-cli import`).
const XML: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<KeePassFile>
  <Meta><Generator>Coffer tests</Generator><DatabaseName>Fixture</DatabaseName><RecycleBinEnabled>True</RecycleBinEnabled></Meta>
  <Root>
    <Group>
      <UUID>AAAAAAAAAAAAAAAAAAAAAQ==</UUID>
      <Name>Root</Name>
      <Entry>
        <UUID>AAAAAAAAAAAAAAAAAAAAAg==</UUID>
        <String><Key>Title</Key><Value>GitHub</Value></String>
        <String><Key>UserName</Key><Value>octocat</Value></String>
        <String><Key>Password</Key><Value ProtectInMemory="True">gh-kdbx-pw "quoted", comma</Value></String>
        <String><Key>URL</Key><Value>https://github.com/login</Value></String>
        <String><Key>api token</Key><Value ProtectInMemory="True">ghp_kdbx</Value></String>
        <String><Key>visible</Key><Value>not a secret</Value></String>
        <String><Key>otp</Key><Value ProtectInMemory="True">otpauth://totp/x?secret=JBSWY3DPEHPK3PXP</Value></String>
      </Entry>
      <Entry>
        <UUID>AAAAAAAAAAAAAAAAAAAABQ==</UUID>
        <String><Key>Title</Key><Value>No password</Value></String>
        <String><Key>UserName</Key><Value>bob</Value></String>
      </Entry>
      <Group>
        <UUID>AAAAAAAAAAAAAAAAAAAAAw==</UUID>
        <Name>Dev</Name>
        <Entry>
          <UUID>AAAAAAAAAAAAAAAAAAAABA==</UUID>
          <String><Key>Title</Key><Value>Stripe</Value></String>
          <String><Key>Password</Key><Value ProtectInMemory="True">sk_kdbx
second line</Value></String>
          <String><Key>URL</Key><Value>api.stripe.com</Value></String>
        </Entry>
        <Entry>
          <UUID>AAAAAAAAAAAAAAAAAAAABg==</UUID>
          <String><Key>Title</Key><Value>Deleted</Value></String>
          <String><Key>Password</Key><Value ProtectInMemory="True">gone</Value></String>
        </Entry>
      </Group>
      <Group>
        <UUID>AAAAAAAAAAAAAAAAAAAABw==</UUID>
        <Name>Old</Name>
        <Entry>
          <UUID>AAAAAAAAAAAAAAAAAAAACA==</UUID>
          <String><Key>Title</Key><Value>Token</Value></String>
          <String><Key>Password</Key><Value ProtectInMemory="True">deleted with its group</Value></String>
        </Entry>
      </Group>
    </Group>
  </Root>
</KeePassFile>
"#;

/// `keepassxc-cli ARGS` with `stdin` (passwords are answered on stdin, never argv).
fn kx(args: &[&str], stdin: &str) -> String {
    let mut child = Command::new("keepassxc-cli")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("keepassxc-cli must be installed (Debian's keepassxc; .ci/run installs it)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "keepassxc-cli {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A database from [`XML`] in `dir`, locked with the password and a new key file, with
/// `Dev/Deleted` and the whole group `Old` moved to the recycle bin. Returns (database, key
/// file).
fn database(dir: &Path) -> (PathBuf, PathBuf) {
    let xml = dir.join("fixture.xml");
    std::fs::write(&xml, XML).unwrap();
    let db = dir.join("fixture.kdbx");
    let key = dir.join("fixture.keyx");
    let (d, k, x) = (
        db.to_str().unwrap(),
        key.to_str().unwrap(),
        xml.to_str().unwrap(),
    );
    kx(
        &["import", "-q", "-p", "--set-key-file", k, x, d],
        &format!("{DB_PASSWORD}\n{DB_PASSWORD}\n"),
    );
    kx(
        &["rm", "-q", "-k", k, d, "Dev/Deleted"],
        &format!("{DB_PASSWORD}\n"),
    );
    kx(
        &["rmdir", "-q", "-k", k, d, "Old"],
        &format!("{DB_PASSWORD}\n"),
    );
    (db, key)
}

#[test]
fn a_keepassxc_database_with_a_password_and_a_key_file() {
    let v = TestVault::init();
    let (db, key) = database(v.dir.path());
    let (d, k) = (db.to_str().unwrap(), key.to_str().unwrap());

    let p = plan(&v, &["--kdbx-key-file", k, d], Some(DB_PASSWORD));
    assert_eq!(p["files"][0]["format"], "kdbx");
    assert_eq!(names(&p), ["GitHub", "GitHub.api-token", "Stripe"]);
    assert_eq!(p["items"][1]["renamedFrom"], "GitHub.api token");
    let skipped: Vec<(&str, &str)> = p["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["origin"].as_str().unwrap(), s["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        skipped,
        [
            (
                "entry \"Root/GitHub\", attribute \"otp\"",
                "one-time password seeds are not imported"
            ),
            ("entry \"Root/No password\"", "an entry without a password"),
            (
                "entry \"Root/Recycle Bin/Deleted\"",
                "it is in the recycle bin"
            ),
            (
                "entry \"Root/Recycle Bin/Old/Token\"",
                "it is in the recycle bin"
            ),
        ]
    );

    // One error for a wrong password, a missing key file and a changed file.
    let wrong = fails_with(
        v.cmd(&["import", "--kdbx-key-file", k, d])
            .env("COFFER_IMPORT_PASSWORD", "not the password"),
        7,
    );
    let no_key = fails_with(
        v.cmd(&["import", d])
            .env("COFFER_IMPORT_PASSWORD", DB_PASSWORD),
        7,
    );
    let mut bytes = std::fs::read(&db).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    let changed_db = v.dir.path().join("changed.kdbx");
    std::fs::write(&changed_db, &bytes).unwrap();
    let changed = fails_with(
        v.cmd(&["import", "--kdbx-key-file", k, changed_db.to_str().unwrap()])
            .env("COFFER_IMPORT_PASSWORD", DB_PASSWORD),
        7,
    );
    let msg = |e: &str, f: &str| e.replace(f, "DB");
    assert_eq!(msg(&wrong, d), msg(&no_key, d));
    assert_eq!(msg(&wrong, d), msg(&changed, changed_db.to_str().unwrap()));
    assert!(
        wrong.contains("wrong password, or the file was changed"),
        "{wrong}"
    );

    v.cmd(&["import", "--kdbx-key-file", k, d])
        .env("COFFER_IMPORT_PASSWORD", DB_PASSWORD)
        .assert()
        .success();
    assert_eq!(value(&v, "GitHub"), "gh-kdbx-pw \"quoted\", comma");
    assert_eq!(value(&v, "GitHub.api-token"), "ghp_kdbx");
    assert_eq!(value(&v, "Stripe"), "sk_kdbx\nsecond line");
    let list: Value =
        serde_json::from_slice(&v.cmd(&["list", "--json"]).output().unwrap().stdout).unwrap();
    let stripe = list["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Stripe")
        .unwrap()
        .clone();
    assert_eq!(
        stripe["allowedDomains"],
        serde_json::json!(["api.stripe.com"])
    );

    // KeePassXC's own CSV export of the same database: the same secrets, identical in the plan
    // (it has no protected attributes: only the passwords).
    let csv = kx(
        &["export", "-q", "-f", "csv", "-k", k, d],
        &format!("{DB_PASSWORD}\n"),
    );
    let csv_file = v.dir.path().join("fixture.csv");
    std::fs::write(&csv_file, csv).unwrap();
    let p = plan(&v, &[csv_file.to_str().unwrap()], None);
    assert_eq!(p["files"][0]["format"], "keepassxc-csv");
    assert_eq!(names(&p), ["GitHub", "Stripe"]);
    assert_eq!(p["counts"]["identical"], 2, "{p}");
}

#[test]
fn a_database_locked_by_a_key_file_alone() {
    let v = TestVault::init();
    let db = v.dir.path().join("keyonly.kdbx");
    let key = v.dir.path().join("keyonly.keyx");
    let (d, k) = (db.to_str().unwrap(), key.to_str().unwrap());
    kx(&["db-create", "-q", "--set-key-file", k, d], "");
    kx(
        &["add", "-q", "--no-password", "-k", k, "-p", d, "Token"],
        "tok-keyfile-only\ntok-keyfile-only\n",
    );
    // No password anywhere, no terminal: the key file alone opens it.
    let p = plan(&v, &["--kdbx-key-file", k, d], None);
    assert_eq!(names(&p), ["Token"]);
    v.cmd(&["import", "--kdbx-key-file", k, d])
        .assert()
        .success();
    assert_eq!(value(&v, "Token"), "tok-keyfile-only");
    // Without the key file: a password is needed, and none was given.
    let err = fails_with(&mut v.cmd(&["import", d]), 4);
    assert!(err.contains("no password was given"), "{err}");
}
