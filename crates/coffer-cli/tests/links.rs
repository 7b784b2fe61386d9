//! `coffer link`: linked secrets made from the CLI, for every provider, with the link rules of
//! the core (issue 10, first part: links are created here; resolving them comes with
//! `coffer connect`).
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use common::{TestVault, fails_with};

const ARN: &str = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db";

fn link(v: &TestVault, args: &[&str]) {
    let mut all = vec!["link"];
    all.extend(args);
    v.cmd(&all).assert().success();
}

fn list(v: &TestVault) -> serde_json::Value {
    let out = v.cmd(&["list", "--json"]).output().unwrap();
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).unwrap()
}

fn entry<'a>(l: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    l["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("{name} not listed: {l}"))
}

#[test]
fn every_provider_links_and_the_link_survives_export_and_import() {
    let v = TestVault::init();
    link(
        &v,
        &[
            "stripe",
            "--provider",
            "hashicorp-vault",
            "--mount",
            "secret",
            "--path",
            "team/stripe",
            "--key",
            "api",
            "--allowed-domains",
            "api.stripe.com",
        ],
    );
    link(
        &v,
        &[
            "db",
            "--provider",
            "aws-secrets-manager",
            "--secret-arn",
            ARN,
            "--json-key",
            "password",
            "--version-id",
            "v1",
        ],
    );
    link(
        &v,
        &[
            "az",
            "--provider",
            "azure-key-vault",
            "--secret-id",
            "https://myvault.vault.azure.net/secrets/tok",
        ],
    );
    link(
        &v,
        &[
            "op",
            "--provider",
            "one-password",
            "--reference",
            "op://dev/stripe/key",
        ],
    );
    let l = list(&v);
    let stripe = entry(&l, "stripe");
    assert_eq!(
        stripe["link"],
        serde_json::json!({"provider": "hashicorp-vault", "mount": "secret", "path": "team/stripe", "key": "api"})
    );
    assert_eq!(
        stripe["allowedDomains"],
        serde_json::json!(["api.stripe.com"])
    );
    assert_eq!(
        entry(&l, "db")["link"],
        serde_json::json!({"provider": "aws-secrets-manager", "secretArn": ARN, "versionId": "v1", "jsonKey": "password"})
    );
    assert_eq!(entry(&l, "az")["link"]["provider"], "azure-key-vault");
    assert_eq!(entry(&l, "op")["link"]["reference"], "op://dev/stripe/key");
    // No value is stored: `get` asks to connect to the provider (`links_openbao.rs`,
    // `links_aws.rs`, `links_azure_fake.rs`, `links_onepassword_fake.rs` connect).
    let err = fails_with(&mut v.cmd(&["get", "stripe"]), 13);
    assert!(
        err.contains("stripe: not connected to hashicorp-vault"),
        "{err}"
    );
    let err = fails_with(&mut v.cmd(&["get", "az"]), 13);
    assert!(
        err.contains("az: not connected to azure-key-vault"),
        "{err}"
    );
    // Export, import elsewhere: the links come back, listed for re-authentication.
    let out = v
        .cmd(&["export", "--plaintext", "--yes", "-o", "-"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let other = TestVault::init();
    let imported = other
        .cmd(&["import", "-", "--json"])
        .write_stdin(out.stdout)
        .output()
        .unwrap();
    assert!(imported.status.success(), "{}", common::stderr(&imported));
    let report: serde_json::Value = serde_json::from_slice(&imported.stdout).unwrap();
    assert_eq!(report["needsReauthentication"].as_array().unwrap().len(), 4);
    assert_eq!(list(&other)["secrets"], l["secrets"]);
}

#[test]
fn a_value_becomes_a_link_and_back_and_bad_links_are_refused() {
    let v = TestVault::init();
    v.set("tok", "plain-value");
    link(
        &v,
        &[
            "tok",
            "--provider",
            "one-password",
            "--reference",
            "op://a/b/c",
        ],
    );
    assert_eq!(entry(&list(&v), "tok")["linked"], true);
    v.set("tok", "back-to-a-value");
    assert_eq!(v.get("tok").trim_end(), "back-to-a-value");
    // A missing field, another provider's field: usage errors naming the fields.
    let err = fails_with(
        &mut v.cmd(&[
            "link",
            "x",
            "--provider",
            "hashicorp-vault",
            "--mount",
            "m",
            "--path",
            "p",
        ]),
        2,
    );
    assert!(
        err.contains("needs --key") && err.contains("--mount, --path, --key"),
        "{err}"
    );
    let err = fails_with(
        &mut v.cmd(&[
            "link",
            "x",
            "--provider",
            "azure-key-vault",
            "--secret-id",
            "https://myvault.vault.azure.net/secrets/tok",
            "--json-key",
            "k",
        ]),
        2,
    );
    assert!(
        err.contains("--json-key is not a field of azure-key-vault links"),
        "{err}"
    );
    // The core's link rules.
    for args in [
        vec![
            "--provider",
            "aws-secrets-manager",
            "--secret-arn",
            "arn:aws:s3:::bucket",
        ],
        vec![
            "--provider",
            "azure-key-vault",
            "--secret-id",
            "http://myvault.vault.azure.net/secrets/t",
        ],
        vec!["--provider", "one-password", "--reference", "op://only/two"],
        vec![
            "--provider",
            "hashicorp-vault",
            "--mount",
            "a/../b",
            "--path",
            "p",
            "--key",
            "k",
        ],
    ] {
        let mut all = vec!["link", "x"];
        all.extend(args.iter().copied());
        let err = fails_with(&mut v.cmd(&all), 4);
        assert!(
            err.contains("invalid") && err.contains("link"),
            "{args:?}: {err}"
        );
    }
    assert!(
        list(&v)["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["name"] != "x")
    );
}
