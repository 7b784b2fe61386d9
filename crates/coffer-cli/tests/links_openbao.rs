//! Linked secrets that resolve from HashiCorp Vault's API, against a real OpenBao dev server
//! started by each test (issue 10): token, AppRole and JWT login, KV v2 and v1 reads, a missing
//! key, a revoked token, a policy denial, a server with its own CA, the one-hour cache (requests
//! counted in the server's audit log), and an export/import round trip.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

#[path = "common/bao.rs"]
mod bao;
mod common;

use bao::Bao;
use common::{TestVault, at_rest_contains, fails_with, stderr, unix_now, unix_time};

const READER: &str = r#"path "secret/data/team/*" { capabilities = ["read"] }"#;
const STRIPE: &str = "secret/data/team/stripe";

fn linked_vault(bao: &Bao) -> TestVault {
    bao.cli(&[
        "kv",
        "put",
        "secret/team/stripe",
        "api_key=sk_live_from_bao",
        "other=1",
    ]);
    let v = TestVault::init();
    v.cmd(&[
        "link",
        "stripe",
        "--provider",
        "hashicorp-vault",
        "--mount",
        "secret",
        "--path",
        "team/stripe",
        "--key",
        "api_key",
    ])
    .assert()
    .success();
    v
}

fn connect_with_token(
    v: &TestVault,
    bao: &Bao,
    token: &str,
    extra: &[&str],
) -> std::process::Output {
    let mut args = vec!["connect", "hashicorp-vault", "--address", &bao.addr];
    args.extend(extra);
    v.cmd(&args).env("VAULT_TOKEN", token).output().unwrap()
}

fn clock(v: &TestVault, secs: i64) -> std::path::PathBuf {
    let p = v.dir.path().join("clock");
    std::fs::write(&p, secs.to_string()).unwrap();
    p
}

#[test]
fn openbao_token_login_resolves_every_reference_user_and_caches_for_the_hour() {
    let bao = Bao::start();
    let v = linked_vault(&bao);

    // Not connected: the state and the command that fixes it.
    let err = fails_with(&mut v.cmd(&["get", "stripe"]), 13);
    assert!(
        err.contains("stripe: not connected to hashicorp-vault"),
        "{err}"
    );
    assert!(
        err.contains("hint: connect first: `coffer connect hashicorp-vault --address URL`"),
        "{err}"
    );
    assert_eq!(bao.reads_of(STRIPE), 0);

    let token = bao.token_with_policy("reader", READER, "2h");
    let out = connect_with_token(&v, &bao, &token, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Connected to hashicorp-vault until "),
        "{}",
        stderr(&out)
    );

    let t0 = unix_now();
    let c = clock(&v, t0);
    let get = || {
        let out = v
            .cmd(&["get", "stripe"])
            .env("COFFER_TEST_CLOCK", &c)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(get(), "sk_live_from_bao\n");
    assert_eq!(bao.reads_of(STRIPE), 1);
    // Within the hour: from the cache, the server is not asked.
    assert_eq!(get(), "sk_live_from_bao\n");
    clock(&v, t0 + 3599);
    assert_eq!(get(), "sk_live_from_bao\n");
    assert_eq!(bao.reads_of(STRIPE), 1);
    // The hour is over: fetched again.
    clock(&v, t0 + 3600);
    assert_eq!(get(), "sk_live_from_bao\n");
    assert_eq!(bao.reads_of(STRIPE), 2);
    // `cache clear` empties it: fetched again.
    v.cmd(&["cache", "clear"]).assert().success();
    assert_eq!(get(), "sk_live_from_bao\n");
    assert_eq!(bao.reads_of(STRIPE), 3);

    // A changed value at the provider shows once the cache is cleared.
    bao.cli(&["kv", "put", "secret/team/stripe", "api_key=sk_rotated"]);
    assert_eq!(get(), "sk_live_from_bao\n");
    v.cmd(&["cache", "clear", "hashicorp-vault"])
        .assert()
        .success();
    assert_eq!(get(), "sk_rotated\n");

    // Every reference user resolves the link: inject, run, refs.
    let out = v
        .cmd(&["inject", "-i", "-"])
        .env("COFFER_TEST_CLOCK", &c)
        .write_stdin("key={{vault:stripe}}\n")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "key=sk_rotated\n");
    let env_file = v.dir.path().join("app.env");
    std::fs::write(&env_file, "K={{vault:stripe}}\n").unwrap();
    let out = v
        .cmd(&[
            "run",
            "--env-file",
            env_file.to_str().unwrap(),
            "--no-masking",
            "--",
            "sh",
            "-c",
            "printf %s \"$K\"",
        ])
        .env("COFFER_TEST_CLOCK", &c)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "sk_rotated");

    // `connections` shows the connection and its cache, never the token.
    let out = v.cmd(&["connections", "--json"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains(&token));
    let list: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(list[0]["provider"], "hashicorp-vault");
    assert_eq!(list[0]["address"], bao.addr.as_str());
    assert_eq!(list[0]["auth"], "token");
    assert_eq!(list[0]["cachedValues"], 1);
    assert!(
        list[0]["expiresAt"].is_string(),
        "a 2 h token has an end: {list}"
    );

    // Disconnect: the link stops resolving and the cache is gone.
    v.cmd(&["disconnect", "hashicorp-vault"]).assert().success();
    let err = fails_with(v.cmd(&["get", "stripe"]).env("COFFER_TEST_CLOCK", &c), 13);
    assert!(err.contains("not connected"), "{err}");
}

#[test]
fn openbao_expired_and_revoked_tokens_ask_to_reconnect_and_denials_are_told_apart() {
    let bao = Bao::start();
    let v = linked_vault(&bao);
    let token = bao.token_with_policy("reader", READER, "1h");
    assert!(
        connect_with_token(&v, &bao, &token, &["--cache-ttl", "0"])
            .status
            .success()
    );
    assert_eq!(v.get("stripe"), "sk_live_from_bao\n");

    // Past the token's hour (Coffer's clock): expired, without asking the server.
    let c = clock(&v, unix_now() + 3700);
    let before = bao.reads_of(STRIPE);
    let err = fails_with(v.cmd(&["get", "stripe"]).env("COFFER_TEST_CLOCK", &c), 13);
    assert!(
        err.contains("credentials have expired or were revoked"),
        "{err}"
    );
    assert!(
        err.contains("re-authenticate: `coffer connect hashicorp-vault"),
        "{err}"
    );
    assert_eq!(bao.reads_of(STRIPE), before);

    // Revoked at the server: the read is refused and the token's own lookup fails.
    bao.cli(&["token", "revoke", &token]);
    let err = fails_with(&mut v.cmd(&["get", "stripe"]), 13);
    assert!(
        err.contains("credentials have expired or were revoked"),
        "{err}"
    );

    // A live token whose policy does not cover the path: access denied (exit 9), not "expired".
    let other = bao.token_with_policy(
        "other",
        r#"path "secret/data/elsewhere/*" { capabilities = ["read"] }"#,
        "1h",
    );
    assert!(
        connect_with_token(&v, &bao, &other, &["--cache-ttl", "0"])
            .status
            .success()
    );
    let err = fails_with(&mut v.cmd(&["get", "stripe"]), 9);
    assert!(
        err.contains("hashicorp-vault denied access to secret secret/team/stripe"),
        "{err}"
    );

    // A wrong token is refused at connect, and nothing is stored.
    let out = connect_with_token(&v, &bao, "s.not-a-token", &[]);
    assert_eq!(out.status.code(), Some(13), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("refused the login: the token is not valid"),
        "{}",
        stderr(&out)
    );
    let list: serde_json::Value =
        serde_json::from_slice(&v.cmd(&["connections", "--json"]).output().unwrap().stdout)
            .unwrap();
    assert_eq!(
        list.as_array().unwrap().len(),
        1,
        "the earlier connection stays: {list}"
    );
}

#[test]
fn openbao_missing_secrets_and_keys_are_not_found() {
    let bao = Bao::start();
    let v = linked_vault(&bao);
    assert!(connect_with_token(&v, &bao, "root", &[]).status.success());
    // One reference that cannot resolve: nothing runs, so the link is not even fetched.
    let err = fails_with(
        v.cmd(&["inject", "-i", "-"])
            .write_stdin("{{vault:unknown}} {{vault:stripe}}"),
        14,
    );
    assert!(err.contains("unknown: no such secret"), "{err}");
    assert_eq!(bao.reads_of(STRIPE), 0);
    v.cmd(&[
        "link",
        "nokey",
        "--provider",
        "hashicorp-vault",
        "--mount",
        "secret",
        "--path",
        "team/stripe",
        "--key",
        "absent",
    ])
    .assert()
    .success();
    v.cmd(&[
        "link",
        "nopath",
        "--provider",
        "hashicorp-vault",
        "--mount",
        "secret",
        "--path",
        "team/absent",
        "--key",
        "k",
    ])
    .assert()
    .success();
    let err = fails_with(&mut v.cmd(&["get", "nokey"]), 3);
    assert!(
        err.contains("hashicorp-vault has no key \"absent\" in secret secret/team/stripe"),
        "{err}"
    );
    let err = fails_with(&mut v.cmd(&["get", "nopath"]), 3);
    assert!(
        err.contains("hashicorp-vault has no secret secret/team/absent"),
        "{err}"
    );
    // A reference user names each failing reference and sends nothing.
    let err = fails_with(
        v.cmd(&["inject", "-i", "-"])
            .write_stdin("{{vault:stripe}} {{vault:nopath}}"),
        14,
    );
    assert!(
        err.contains("nopath: hashicorp-vault has no secret secret/team/absent"),
        "{err}"
    );
    // A deleted KV v2 version is not found either.
    bao.cli(&["kv", "delete", "secret/team/stripe"]);
    v.cmd(&["cache", "clear"]).assert().success();
    let err = fails_with(&mut v.cmd(&["get", "stripe"]), 3);
    assert!(err.contains("has no secret secret/team/stripe"), "{err}");
}

#[test]
fn openbao_kv_version_1_mounts_resolve_too() {
    let bao = Bao::start();
    bao.cli(&["secrets", "enable", "-path=kv1", "-version=1", "kv"]);
    bao.cli(&["kv", "put", "kv1/app", "password=v1-value"]);
    let v = TestVault::init();
    v.cmd(&[
        "link",
        "app",
        "--provider",
        "hashicorp-vault",
        "--mount",
        "kv1",
        "--path",
        "app",
        "--key",
        "password",
    ])
    .assert()
    .success();
    assert!(connect_with_token(&v, &bao, "root", &[]).status.success());
    assert_eq!(v.get("app"), "v1-value\n");
}

#[test]
fn openbao_approle_login() {
    let bao = Bao::start();
    let v = linked_vault(&bao);
    bao.cli_stdin(&["policy", "write", "reader", "-"], READER);
    bao.cli(&["auth", "enable", "approle"]);
    bao.cli(&[
        "write",
        "auth/approle/role/coffer",
        "token_policies=reader",
        "token_ttl=30m",
    ]);
    let role_id = bao.cli(&["read", "-field=role_id", "auth/approle/role/coffer/role-id"]);
    let secret_id = bao.cli(&[
        "write",
        "-f",
        "-field=secret_id",
        "auth/approle/role/coffer/secret-id",
    ]);

    // A wrong secret id: refused, with the server's reason.
    let out = v
        .cmd(&[
            "connect",
            "hashicorp-vault",
            "--address",
            &bao.addr,
            "--auth",
            "approle",
            "--role-id",
            &role_id,
        ])
        .env("VAULT_SECRET_ID", "00000000-0000-0000-0000-000000000000")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(13), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("hashicorp-vault refused the login"),
        "{}",
        stderr(&out)
    );

    // The secret id from a file (as from a secret manager's mount).
    let f = v.dir.path().join("secret-id");
    std::fs::write(&f, format!("{secret_id}\n")).unwrap();
    let t0 = unix_now();
    let out = v
        .cmd(&[
            "connect",
            "hashicorp-vault",
            "--address",
            &bao.addr,
            "--auth",
            "approle",
            "--role-id",
            &role_id,
            "--secret-id-file",
            f.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(v.get("stripe"), "sk_live_from_bao\n");
    let list: serde_json::Value =
        serde_json::from_slice(&v.cmd(&["connections", "--json"]).output().unwrap().stdout)
            .unwrap();
    assert_eq!(list[0]["auth"], "approle");
    // The token's 30 minutes, as the server gave them.
    let exp = list[0]["expiresAt"].as_str().unwrap();
    let exp = unix_time(exp);
    assert!(
        (t0 + 1795..=unix_now() + 1805).contains(&exp),
        "{exp} vs {t0}"
    );
}

#[test]
fn openbao_jwt_login_with_a_signed_token() {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use ed25519_dalek::{Signer, SigningKey};

    let bao = Bao::start();
    let v = linked_vault(&bao);
    let key = SigningKey::from_bytes(&[7u8; 32]);
    // SubjectPublicKeyInfo for Ed25519 (RFC 8410): a fixed prefix and the 32 key bytes.
    let mut spki = vec![
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
    ];
    spki.extend_from_slice(key.verifying_key().as_bytes());
    let pem = format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        STANDARD.encode(&spki)
    );
    bao.cli_stdin(&["policy", "write", "reader", "-"], READER);
    bao.cli(&["auth", "enable", "jwt"]);
    bao.cli_stdin(
        &["write", "auth/jwt/config", "-"],
        &serde_json::json!({ "jwt_validation_pubkeys": [pem] }).to_string(),
    );
    bao.cli(&[
        "write",
        "auth/jwt/role/coffer",
        "role_type=jwt",
        "user_claim=sub",
        "bound_audiences=coffer",
        "token_policies=reader",
        "token_ttl=1h",
    ]);
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"EdDSA","typ":"JWT"}"#);
    let claims = URL_SAFE_NO_PAD.encode(
        serde_json::json!({"sub": "dev", "aud": "coffer", "iat": unix_now(), "exp": unix_now() + 600})
            .to_string(),
    );
    let signed = format!("{header}.{claims}");
    let sig = URL_SAFE_NO_PAD.encode(key.sign(signed.as_bytes()).to_bytes());
    let jwt = v.dir.path().join("jwt");
    std::fs::write(&jwt, format!("{signed}.{sig}")).unwrap();

    let connect = |role: &str| {
        v.cmd(&[
            "connect",
            "hashicorp-vault",
            "--address",
            &bao.addr,
            "--auth",
            "jwt",
            "--role",
            role,
            "--jwt-file",
            jwt.to_str().unwrap(),
        ])
        .output()
        .unwrap()
    };
    let out = connect("nobody");
    assert_eq!(out.status.code(), Some(13), "{}", stderr(&out));
    let out = connect("coffer");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(v.get("stripe"), "sk_live_from_bao\n");
}

#[test]
fn openbao_over_tls_trusts_only_the_given_ca() {
    let bao = Bao::start_tls();
    let v = linked_vault(&bao);
    // The server's CA is not a system root: the TLS handshake fails, so no request (and no
    // token) reaches the server.
    let out = connect_with_token(&v, &bao, "root", &[]);
    assert_eq!(out.status.code(), Some(10), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("hashicorp-vault is unreachable: cannot connect"),
        "{}",
        stderr(&out)
    );
    let ca = bao.ca.clone().unwrap();
    let out = connect_with_token(&v, &bao, "root", &["--cacert", ca.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    // The CA is kept with the connection: the file is no longer needed.
    std::fs::remove_file(&ca).unwrap();
    assert_eq!(v.get("stripe"), "sk_live_from_bao\n");
    // Plain HTTP is refused for anything but this machine.
    let out = v
        .cmd(&[
            "connect",
            "hashicorp-vault",
            "--address",
            "http://vault.example.com:8200",
        ])
        .env("VAULT_TOKEN", "root")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("plain http is allowed only to this machine"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn openbao_round_trip_export_import_connect_resolve_and_no_credential_at_rest() {
    let bao = Bao::start();
    let a = linked_vault(&bao);
    let token = bao.token_with_policy("reader", READER, "2h");
    assert!(connect_with_token(&a, &bao, &token, &[]).status.success());
    assert_eq!(a.get("stripe"), "sk_live_from_bao\n");

    let file = a.dir.path().join("export.json");
    a.cmd(&[
        "export",
        "--plaintext",
        "--yes",
        "-o",
        file.to_str().unwrap(),
    ])
    .assert()
    .success();
    let exported = std::fs::read_to_string(&file).unwrap();
    assert!(exported.contains("team/stripe"), "the link travels");
    assert!(!exported.contains(&token), "the credential never does");
    assert!(
        !exported.contains("sk_live_from_bao"),
        "nor the cached value"
    );
    // Neither the credential nor the cached value is in the database files in clear.
    assert!(
        at_rest_contains(&a, "coffer-vault"),
        "the check can see the file"
    );
    for needle in [token.as_str(), "sk_live_from_bao", bao.addr.as_str()] {
        assert!(
            !at_rest_contains(&a, needle),
            "{needle} is in the vault in clear"
        );
    }

    let b = TestVault::init();
    let out = b.cmd(&["import", file.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out)
            .contains("stripe (hashicorp-vault): `coffer connect hashicorp-vault --address URL`"),
        "{}",
        stderr(&out)
    );
    let err = fails_with(&mut b.cmd(&["get", "stripe"]), 13);
    assert!(err.contains("connect first"), "{err}");
    assert!(connect_with_token(&b, &bao, &token, &[]).status.success());
    assert_eq!(b.get("stripe"), "sk_live_from_bao\n");
}

#[test]
fn openbao_namespace_or_none_reads_from_the_right_place() {
    let bao = Bao::start();
    bao.cli(&["namespace", "create", "team1"]);
    bao.cli(&[
        "secrets",
        "enable",
        "-namespace=team1",
        "-path=secret",
        "kv-v2",
    ]);
    bao.cli(&[
        "kv",
        "put",
        "-namespace=team1",
        "secret/app",
        "k=from-team1",
    ]);
    bao.cli(&["kv", "put", "secret/app", "k=from-root"]);

    let v = TestVault::init();
    v.cmd(&[
        "link",
        "app",
        "--provider",
        "hashicorp-vault",
        "--mount",
        "secret",
        "--path",
        "app",
        "--key",
        "k",
    ])
    .assert()
    .success();
    // Namespace-less: the root namespace.
    assert!(connect_with_token(&v, &bao, "root", &[]).status.success());
    assert_eq!(v.get("app"), "from-root\n");
    // With a namespace (here from VAULT_NAMESPACE): its own mount; reconnecting empties the cache.
    let out = v
        .cmd(&["connect", "hashicorp-vault", "--address", &bao.addr])
        .env("VAULT_TOKEN", "root")
        .env("VAULT_NAMESPACE", "team1")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Dropped 1 value(s) cached"),
        "{}",
        stderr(&out)
    );
    assert_eq!(v.get("app"), "from-team1\n");
    let list: serde_json::Value =
        serde_json::from_slice(&v.cmd(&["connections", "--json"]).output().unwrap().stdout)
            .unwrap();
    assert_eq!(list[0]["namespace"], "team1");
}

#[test]
fn openbao_no_store_keeps_neither_token_nor_values_and_takes_the_token_from_each_use() {
    let bao = Bao::start();
    let v = linked_vault(&bao);
    let token = bao.token_with_policy("reader", READER, "2h");
    let out = connect_with_token(&v, &bao, &token, &["--no-store"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("without keeping the credential"),
        "{}",
        stderr(&out)
    );
    // Without the token in the environment: the state and what to do.
    let err = fails_with(&mut v.cmd(&["get", "stripe"]), 13);
    assert!(
        err.contains("the hashicorp-vault connection keeps no credential (--no-store) and VAULT_TOKEN is not set"),
        "{err}"
    );
    assert!(err.contains("set VAULT_TOKEN for this command"), "{err}");
    // With it: each use asks the server (nothing cached on disk).
    for n in 1..=2 {
        let out = v
            .cmd(&["get", "stripe"])
            .env("VAULT_TOKEN", &token)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(String::from_utf8(out.stdout).unwrap(), "sk_live_from_bao\n");
        assert_eq!(bao.reads_of(STRIPE), n);
    }
    let list: serde_json::Value =
        serde_json::from_slice(&v.cmd(&["connections", "--json"]).output().unwrap().stdout)
            .unwrap();
    assert_eq!(list[0]["credentialStored"], false);
    assert_eq!(list[0]["cachedValues"], 0);
    assert!(!at_rest_contains(&v, &token));
    // AppRole and JWT logins have nothing to take from the environment: refused.
    let out = v
        .cmd(&[
            "connect",
            "hashicorp-vault",
            "--address",
            &bao.addr,
            "--auth",
            "jwt",
            "--role",
            "r",
            "--no-store",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}
