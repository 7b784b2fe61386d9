//! Linked secrets that resolve from AWS Secrets Manager through the official AWS SDK, against a
//! real moto server started by each test (issue 10): a plaintext secret, `jsonKey`, `versionId`,
//! an assumed role (moto without IAM checks: the call is made, its credentials are not checked),
//! keys from a profile, the standard `AWS_ENDPOINT_URL`, and a wrong key (moto with IAM checks on).
//! Denials are not tested here: moto answers them as XML that the SDK cannot read, and does not
//! recognise GetSessionToken credentials once its IAM checks are on.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;
#[path = "common/moto.rs"]
mod moto;

use common::{TestVault, at_rest_contains, fails_with, stderr, unix_now, unix_time};
use moto::Moto;

fn link(v: &TestVault, name: &str, arn: &str, extra: &[&str]) {
    let mut args = vec![
        "link",
        name,
        "--provider",
        "aws-secrets-manager",
        "--secret-arn",
        arn,
    ];
    args.extend(extra);
    v.cmd(&args).assert().success();
}

/// `coffer connect aws-secrets-manager` with keys from the standard variables and the endpoint
/// from `AWS_ENDPOINT_URL`.
fn connect(v: &TestVault, moto: &Moto, key_id: &str, secret: &str) -> std::process::Output {
    v.cmd(&["connect", "aws-secrets-manager", "--region", "us-east-1"])
        .env("AWS_ACCESS_KEY_ID", key_id)
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .env("AWS_ENDPOINT_URL", &moto.url)
        .output()
        .unwrap()
}

/// `coffer get` with another endpoint in the environment: the one kept at connect is used, so
/// later settings cannot send the stored credentials elsewhere (port 9 would refuse).
fn get(v: &TestVault, _moto: &Moto, name: &str) -> std::process::Output {
    v.cmd(&["get", name])
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .output()
        .unwrap()
}

fn value(out: std::process::Output) -> String {
    assert!(out.status.success(), "{}", stderr(&out));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn moto_plaintext_json_key_version_id_and_assumed_role() {
    let moto = Moto::start();
    let ids = moto.boto(
        "api = sm.create_secret(Name='api', SecretString='sk_from_aws')\n\
         db = sm.create_secret(Name='prod/db', SecretString=json.dumps({'password': 'pw-1', 'port': 5432}))\n\
         v2 = sm.put_secret_value(SecretId='prod/db', SecretString=json.dumps({'password': 'pw-2', 'port': 5432}))\n\
         role = iam.create_role(RoleName='reader', AssumeRolePolicyDocument='{}')\n\
         print(json.dumps([api['ARN'], db['ARN'], db['VersionId'], role['Role']['Arn']]))",
    );
    let ids: Vec<String> = serde_json::from_str(&ids).unwrap();
    let (api, db, v1, role) = (&ids[0], &ids[1], &ids[2], &ids[3]);

    let v = TestVault::init();
    link(&v, "api", api, &[]);
    link(&v, "db-password", db, &["--json-key", "password"]);
    link(&v, "db-port", db, &["--json-key", "port"]);
    link(
        &v,
        "db-old",
        db,
        &["--json-key", "password", "--version-id", v1],
    );
    link(&v, "db-whole", db, &[]);
    link(&v, "via-role", api, &["--role-arn", role]);
    link(&v, "no-such-key", db, &["--json-key", "user"]);

    let err = fails_with(
        v.cmd(&["get", "api"]).env("AWS_ENDPOINT_URL", &moto.url),
        13,
    );
    assert!(
        err.contains("api: not connected to aws-secrets-manager"),
        "{err}"
    );
    assert!(
        err.contains("`coffer connect aws-secrets-manager --region REGION`"),
        "{err}"
    );

    let out = connect(&v, &moto, "AKIAEXAMPLEEXAMPLE01", "long-lived-secret");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(value(get(&v, &moto, "api")), "sk_from_aws\n");
    assert_eq!(value(get(&v, &moto, "db-password")), "pw-2\n");
    assert_eq!(value(get(&v, &moto, "db-port")), "5432\n");
    assert_eq!(value(get(&v, &moto, "db-old")), "pw-1\n");
    assert_eq!(
        value(get(&v, &moto, "db-whole")),
        "{\"password\": \"pw-2\", \"port\": 5432}\n"
    );
    assert_eq!(value(get(&v, &moto, "via-role")), "sk_from_aws\n");
    let err = fails_with(
        v.cmd(&["get", "no-such-key"])
            .env("AWS_ENDPOINT_URL", &moto.url),
        3,
    );
    assert!(
        err.contains("aws-secrets-manager has no key \"user\" in secret"),
        "{err}"
    );

    // A deleted secret is not found (once the cache is cleared).
    moto.boto("sm.delete_secret(SecretId='api', ForceDeleteWithoutRecovery=True)");
    assert_eq!(
        value(get(&v, &moto, "api")),
        "sk_from_aws\n",
        "cached for the hour"
    );
    v.cmd(&["cache", "clear", "aws-secrets-manager"])
        .assert()
        .success();
    let err = fails_with(v.cmd(&["get", "api"]).env("AWS_ENDPOINT_URL", &moto.url), 3);
    assert!(
        err.contains("aws-secrets-manager has no secret arn:aws:secretsmanager:"),
        "{err}"
    );

    // Stored: temporary credentials for 2 hours, never the long-lived secret key.
    let list: serde_json::Value =
        serde_json::from_slice(&v.cmd(&["connections", "--json"]).output().unwrap().stdout)
            .unwrap();
    assert_eq!(list[0]["provider"], "aws-secrets-manager");
    assert!(list[0]["expiresAt"].is_string(), "{list}");
    assert!(!at_rest_contains(&v, "long-lived-secret"));
    assert!(!at_rest_contains(&v, "sk_from_aws"));
}

#[test]
fn moto_keys_from_a_profile_and_its_region() {
    let moto = Moto::start();
    let arn = moto.boto("print(sm.create_secret(Name='p', SecretString='from-profile')['ARN'])");
    let v = TestVault::init();
    link(&v, "p", &arn, &[]);
    let aws = v.dir.path().join(".aws");
    std::fs::create_dir(&aws).unwrap();
    std::fs::write(
        aws.join("credentials"),
        "[dev]\naws_access_key_id = AKIAPROFILEPROFILE01\naws_secret_access_key = profile-secret\n",
    )
    .unwrap();
    std::fs::write(aws.join("config"), "[profile dev]\nregion = us-east-1\n").unwrap();
    let out = v
        .cmd(&[
            "connect",
            "aws-secrets-manager",
            "--profile",
            "dev",
            "--endpoint-url",
            &moto.url,
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // The endpoint given at connect is kept with the connection.
    assert_eq!(v.get("p"), "from-profile\n");
    // A profile that does not exist is named.
    let out = v
        .cmd(&[
            "connect",
            "aws-secrets-manager",
            "--profile",
            "nope",
            "--endpoint-url",
            &moto.url,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("AWS profile \"nope\""),
        "{}",
        stderr(&out)
    );
}

#[test]
fn moto_with_iam_checks_refuses_a_wrong_key() {
    // Three set-up requests run before moto starts checking keys and signatures. (moto does not
    // recognise the temporary credentials GetSessionToken makes once its IAM checks are on, so
    // reads are tested with the checks off, above.)
    let moto = Moto::start_with_iam(3);
    let key = moto.boto(
        "iam.create_user(UserName='dev')\n\
         k = iam.create_access_key(UserName='dev')['AccessKey']\n\
         iam.put_user_policy(UserName='dev', PolicyName='all', PolicyDocument=json.dumps({'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': '*', 'Resource': '*'}]}))\n\
         print(json.dumps([k['AccessKeyId'], k['SecretAccessKey']]))",
    );
    let key: Vec<String> = serde_json::from_str(&key).unwrap();
    let v = TestVault::init();
    for (id, secret) in [
        (key[0].as_str(), "wrong-secret-key"),
        ("AKIANOSUCHKEYNOSUCH1", key[1].as_str()),
    ] {
        let out = connect(&v, &moto, id, secret);
        assert_eq!(out.status.code(), Some(13), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("aws-secrets-manager refused the login"),
            "{}",
            stderr(&out)
        );
    }
    let list: serde_json::Value =
        serde_json::from_slice(&v.cmd(&["connections", "--json"]).output().unwrap().stdout)
            .unwrap();
    assert_eq!(
        list,
        serde_json::json!([]),
        "a refused login stores nothing"
    );
    let t0 = unix_now();
    let out = connect(&v, &moto, &key[0], &key[1]);
    assert!(out.status.success(), "{}", stderr(&out));
    let list: serde_json::Value =
        serde_json::from_slice(&v.cmd(&["connections", "--json"]).output().unwrap().stdout)
            .unwrap();
    assert_eq!(list[0]["provider"], "aws-secrets-manager");
    // Temporary credentials for 2 hours, as the model product keeps them.
    let expires = list[0]["expiresAt"].as_str().unwrap();
    let text = v.cmd(&["connections"]).output().unwrap().stdout;
    assert!(String::from_utf8(text).unwrap().contains(expires));
    let secs = unix_time(expires) - t0;
    assert!((7190..=7210).contains(&secs), "{secs}");
}

#[test]
fn aws_endpoints_follow_the_https_rule() {
    let v = TestVault::init();
    let out = v
        .cmd(&["connect", "aws-secrets-manager", "--region", "us-east-1"])
        .env("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE01")
        .env("AWS_SECRET_ACCESS_KEY", "x")
        .env("AWS_ENDPOINT_URL", "http://aws.example.com")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("plain http is allowed only to this machine"),
        "{}",
        stderr(&out)
    );
    // No keys and no terminal: say where keys come from.
    let out = v
        .cmd(&["connect", "aws-secrets-manager", "--region", "us-east-1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("--profile NAME"), "{}", stderr(&out));
}
