//! Azure Key Vault links resolved by Coffer's real client (the official Azure SDK for Rust over
//! Coffer's HTTP client) against a FAKE Entra ID token endpoint and Key Vault
//! (`common/azure_fake.rs`: no Key Vault emulator runs here), issue 10: client credentials, the
//! 401 bearer challenge, the latest and a pinned version, disabled, expired and not-yet-valid
//! secrets, a denial, a missing secret, a wrong client secret, the day-long connection.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

#[path = "common/azure_fake.rs"]
mod azure_fake;
mod common;
#[path = "common/http.rs"]
#[allow(dead_code)]
mod http;

use azure_fake::{AzureFake, CLIENT_ID, CLIENT_SECRET, LOGIN_HOST, TENANT, VAULT_HOST};
use common::{TestVault, fails_with, stderr, unix_now, unix_time};

fn link(v: &TestVault, name: &str, secret_id: &str) {
    v.cmd(&[
        "link",
        name,
        "--provider",
        "azure-key-vault",
        "--secret-id",
        secret_id,
    ])
    .assert()
    .success();
}

/// `coffer ARGS` with the fake's host names mapped to it.
fn cmd(v: &TestVault, fake: &AzureFake, args: &[&str]) -> assert_cmd::Command {
    let mut c = v.cmd(args);
    c.env("COFFER_TEST_RESOLVE", fake.resolve());
    c
}

fn connect(v: &TestVault, fake: &AzureFake, secret: &str) -> std::process::Output {
    cmd(
        v,
        fake,
        &[
            "connect",
            "azure-key-vault",
            "--tenant",
            TENANT,
            "--client-id",
            CLIENT_ID,
            "--authority-host",
            &format!("https://{LOGIN_HOST}"),
            "--cacert",
            fake.ca_pem.to_str().unwrap(),
        ],
    )
    .env("AZURE_CLIENT_SECRET", secret)
    .output()
    .unwrap()
}

fn get(v: &TestVault, fake: &AzureFake, name: &str) -> std::process::Output {
    cmd(v, fake, &["get", name]).output().unwrap()
}

#[test]
fn fake_key_vault_resolves_versions_and_refuses_disabled_expired_and_future_secrets() {
    let fake = AzureFake::start();
    let v = TestVault::init();
    let id = |s: &str| format!("https://{VAULT_HOST}/secrets/{s}");
    link(&v, "db", &id("db"));
    link(&v, "db-v1", &id("db/v1"));
    link(&v, "off", &id("off"));
    link(&v, "old", &id("old"));
    link(&v, "future", &id("future"));
    link(&v, "denied", &id("denied"));
    link(&v, "gone", &id("gone"));

    let err = fails_with(&mut cmd(&v, &fake, &["get", "db"]), 13);
    assert!(
        err.contains("db: not connected to azure-key-vault"),
        "{err}"
    );

    // A wrong client secret is refused at connect and stores nothing.
    let out = connect(&v, &fake, "wrong~secret");
    assert_eq!(out.status.code(), Some(13), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("azure-key-vault refused the login"),
        "{}",
        stderr(&out)
    );
    let t0 = unix_now();
    let out = connect(&v, &fake, CLIENT_SECRET);
    assert!(out.status.success(), "{}", stderr(&out));

    let value = |name: &str| {
        let out = get(&v, &fake, name);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(value("db"), "db-pass-2\n");
    assert_eq!(value("db-v1"), "db-pass-1\n");
    // The first vault request carried no token and met the challenge; the token went only to
    // the vault host the challenge's resource covers.
    let seen = fake.seen();
    let vault: Vec<_> = seen.iter().filter(|s| s.host == VAULT_HOST).collect();
    assert!(!vault[0].authorized, "{seen:?}");
    assert!(
        vault
            .iter()
            .any(|s| s.authorized && s.target.starts_with("/secrets/db"))
    );
    assert!(
        vault.iter().all(|s| s.target.contains("api-version=")),
        "{seen:?}"
    );

    for (name, what) in [
        (
            "off",
            "azure-key-vault: secret off in kv1.vault.azure.net is disabled",
        ),
        (
            "old",
            "azure-key-vault: secret old in kv1.vault.azure.net expired at ",
        ),
        (
            "future",
            "azure-key-vault: secret future in kv1.vault.azure.net is not valid before ",
        ),
        (
            "denied",
            "azure-key-vault denied access to secret denied in kv1.vault.azure.net",
        ),
    ] {
        let err = fails_with(&mut cmd(&v, &fake, &["get", name]), 9);
        assert!(err.contains(what), "{name}: {err}");
    }
    let err = fails_with(&mut cmd(&v, &fake, &["get", "gone"]), 3);
    assert!(
        err.contains("azure-key-vault has no secret gone in kv1.vault.azure.net"),
        "{err}"
    );

    // A day, as the model product keeps Azure connections; then `connect` again.
    let list: serde_json::Value =
        serde_json::from_slice(&v.cmd(&["connections", "--json"]).output().unwrap().stdout)
            .unwrap();
    assert_eq!(list[0]["provider"], "azure-key-vault");
    assert_eq!(list[0]["auth"], "client secret");
    let secs = unix_time(list[0]["expiresAt"].as_str().unwrap()) - t0;
    assert!((86_390..=86_410).contains(&secs), "{secs}");
    let db = String::from_utf8_lossy(&std::fs::read(v.db()).unwrap()).to_string();
    assert!(!db.contains(CLIENT_SECRET));
}

#[test]
fn azure_needs_https_for_the_login_host() {
    let v = TestVault::init();
    let out = v
        .cmd(&[
            "connect",
            "azure-key-vault",
            "--tenant",
            TENANT,
            "--client-id",
            CLIENT_ID,
            "--authority-host",
            "http://127.0.0.1:9",
        ])
        .env("AZURE_CLIENT_SECRET", "x")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the authority host must be https"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn fake_entra_device_code_sign_in_keeps_a_refresh_token_for_the_day() {
    use azure_fake::{DECLINING_CLIENT_ID, PUBLIC_CLIENT_ID, USER_CODE};
    let fake = AzureFake::start();
    let v = TestVault::init();
    link(&v, "db", &format!("https://{VAULT_HOST}/secrets/db"));
    let connect = |client: &str| {
        cmd(
            &v,
            &fake,
            &[
                "connect",
                "azure-key-vault",
                "--tenant",
                TENANT,
                "--client-id",
                client,
                "--device-code",
                "--authority-host",
                &format!("https://{LOGIN_HOST}"),
                "--cacert",
                fake.ca_pem.to_str().unwrap(),
            ],
        )
        .output()
        .unwrap()
    };
    // The user declines: refused, nothing stored.
    let out = connect(DECLINING_CLIENT_ID);
    assert_eq!(out.status.code(), Some(13), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("authorization_declined"),
        "{}",
        stderr(&out)
    );
    // The code is shown; the first poll is pending, the second signed in.
    let out = connect(PUBLIC_CLIENT_ID);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("enter the code {USER_CODE}")),
        "{}",
        stderr(&out)
    );
    let out = get(&v, &fake, "db");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "db-pass-2\n");
    let list: serde_json::Value =
        serde_json::from_slice(&v.cmd(&["connections", "--json"]).output().unwrap().stdout)
            .unwrap();
    assert_eq!(list[0]["auth"], "device code");
    assert!(list[0]["expiresAt"].is_string());
    let polls = fake
        .seen()
        .iter()
        .filter(|s| s.host == LOGIN_HOST && s.target.ends_with("/token"))
        .count();
    assert!(polls >= 3, "two polls and one refresh: {polls}");
}
