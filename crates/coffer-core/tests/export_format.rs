//! The export format: round trips, and every kind of bad input refused with the right error.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use coffer_core::export::{
    DecodeError, ExportDoc, KdfParams, Parsed, encode_encrypted, encode_plaintext, kdf, parse,
};
use coffer_core::link::LinkRepr;
use coffer_core::{
    AllowedDomains, ExternalLink, Secret, SecretContent, SecretName, SecretValue, Timestamp,
};
use secrecy::SecretString;

const LOW: KdfParams = KdfParams {
    memory_kib: kdf::MIN_MEMORY_KIB,
    passes: 1,
    lanes: 1,
};

fn doc() -> ExportDoc {
    let t = Timestamp::from_unix(1_795_000_000).unwrap();
    let secret = |name: &str, content, domains: &str| Secret {
        name: SecretName::parse(name).unwrap(),
        content,
        allowed_domains: if domains.is_empty() {
            AllowedDomains::any()
        } else {
            AllowedDomains::parse_list(domains).unwrap()
        },
        disabled: false,
        environments: Default::default(),
        created_at: t,
        updated_at: Timestamp::from_unix(1_795_000_100).unwrap(),
    };
    ExportDoc {
        tool: "coffer 0.1.0".into(),
        exported_at: t,
        secrets: vec![
            secret(
                "stripe",
                SecretContent::Value(SecretValue::new("sk_live_123".into()).unwrap()),
                "api.stripe.com",
            ),
            secret(
                "aws-db",
                SecretContent::Link(
                    ExternalLink::new(LinkRepr::AwsSecretsManager {
                        secret_arn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db"
                            .into(),
                        role_arn: None,
                        version_id: None,
                        json_key: Some("password".into()),
                    })
                    .unwrap(),
                ),
                "",
            ),
        ],
    }
}

fn pw(s: &str) -> SecretString {
    SecretString::from(s)
}

fn same(a: &ExportDoc, b: &ExportDoc) {
    assert_eq!(a.tool, b.tool);
    assert_eq!(a.exported_at, b.exported_at);
    assert_eq!(a.secrets, b.secrets, "every field of every secret");
}

#[test]
fn plaintext_roundtrip() {
    let d = doc();
    let bytes = encode_plaintext(&d);
    let text = std::str::from_utf8(&bytes).unwrap();
    assert!(text.contains("\"format\": \"coffer-vault-export\""));
    assert!(text.contains("\"secretCount\": 2"));
    match parse(&bytes).unwrap() {
        Parsed::Plaintext(back) => same(&d, &back),
        Parsed::Encrypted(_) => panic!("plaintext detected as encrypted"),
    }
}

#[test]
fn encrypted_roundtrip_hides_everything() {
    let d = doc();
    let bytes = encode_encrypted(d.clone(), &pw("tangerine-olive-7"), LOW).unwrap();
    for needle in ["stripe", "sk_live", "api.stripe.com", "secretsmanager"] {
        assert!(
            !String::from_utf8_lossy(&bytes).contains(needle),
            "{needle}"
        );
    }
    let Parsed::Encrypted(e) = parse(&bytes).unwrap() else {
        panic!("not detected as encrypted")
    };
    assert_eq!(e.secret_count(), 2);
    assert_eq!(e.params(), LOW);
    same(&d, &e.decrypt(&pw("tangerine-olive-7")).unwrap());
    assert_eq!(
        e.decrypt(&pw("tangerine-olive-8")).unwrap_err(),
        DecodeError::Decrypt
    );
}

fn encrypted_bytes() -> Vec<u8> {
    encode_encrypted(doc(), &pw("tangerine-olive-7"), LOW).unwrap()
}

/// Parses and decrypts with the right password.
fn open(bytes: &[u8]) -> Result<ExportDoc, DecodeError> {
    match parse(bytes)? {
        Parsed::Plaintext(d) => Ok(d),
        Parsed::Encrypted(e) => e.decrypt(&pw("tangerine-olive-7")),
    }
}

#[test]
fn every_flipped_byte_is_refused() {
    let good = encrypted_bytes();
    let mut decrypt_errors = 0;
    for i in 0..good.len() {
        let mut bad = good.clone();
        bad[i] ^= 0x01;
        match open(&bad) {
            Ok(_) => panic!("flipping byte {i} ({:?}) went unnoticed", good[i] as char),
            Err(DecodeError::Decrypt) => decrypt_errors += 1,
            Err(_) => {}
        }
    }
    assert!(
        decrypt_errors > good.len() / 3,
        "most flips reach authentication"
    );
}

#[test]
fn header_fields_are_authenticated() {
    let good = String::from_utf8(encrypted_bytes()).unwrap();
    for (from, to) in [
        ("\"coffer 0.1.0\"", "\"coffer 0.1.1\""),
        ("\"secretCount\": 2", "\"secretCount\": 3"),
        ("2026-11-18T11:06:40Z", "2026-11-18T11:06:41Z"),
        ("\"passes\": 1", "\"passes\": 2"),
        ("\"lanes\": 1", "\"lanes\": 2"),
        ("\"memoryKib\": 8192", "\"memoryKib\": 8193"),
    ] {
        assert!(good.contains(from), "{from}");
        let bad = good.replacen(from, to, 1);
        assert_eq!(
            open(bad.as_bytes()).unwrap_err(),
            DecodeError::Decrypt,
            "{from} -> {to}"
        );
    }
}

#[test]
fn truncation_is_refused() {
    let good = encrypted_bytes();
    for cut in [1, good.len() / 2, good.len() - 3] {
        assert!(matches!(
            open(&good[..cut]).unwrap_err(),
            DecodeError::NotJson {
                truncated: true,
                ..
            }
        ));
    }
    let plain = encode_plaintext(&doc());
    assert!(open(&plain[..plain.len() / 2]).is_err());
}

#[test]
fn hostile_kdf_parameters_are_refused_before_work() {
    let good = String::from_utf8(encrypted_bytes()).unwrap();
    for (from, to, what) in [
        ("\"memoryKib\": 8192", "\"memoryKib\": 4194304", "memory"),
        ("\"memoryKib\": 8192", "\"memoryKib\": 8", "memory"),
        ("\"passes\": 1", "\"passes\": 1000", "passes"),
        ("\"lanes\": 1", "\"lanes\": 255", "lanes"),
    ] {
        let started = std::time::Instant::now();
        match parse(good.replacen(from, to, 1).as_bytes()) {
            Err(DecodeError::KdfBounds(e)) => assert!(e.what.contains(what), "{e}"),
            other => panic!("{to}: {other:?}"),
        }
        assert!(
            started.elapsed().as_millis() < 1000,
            "refused without deriving"
        );
    }
    let huge = good.replacen("\"memoryKib\": 8192", "\"memoryKib\": 99999999999", 1);
    assert!(matches!(
        parse(huge.as_bytes()),
        Err(DecodeError::Malformed { .. })
    ));
}

#[test]
fn unknown_version_names_the_needed_coffer() {
    let text = String::from_utf8(encode_plaintext(&doc()).to_vec()).unwrap();
    let v2 = text
        .replacen("\"version\": 2,", "\"version\": 3,", 1)
        .replacen("coffer 0.1.0", "coffer 9.4.0", 1);
    let err = parse(v2.as_bytes()).unwrap_err();
    assert!(matches!(err, DecodeError::UnsupportedVersion { .. }));
    let msg = err.to_string();
    assert!(
        msg.contains("version 3") && msg.contains("coffer 9.4.0"),
        "{msg}"
    );
}

#[test]
fn not_an_export_is_named() {
    for input in [
        &b"[1,2,3]"[..],
        b"{\"hello\": 1}",
        b"{\"format\": \"bitwarden\", \"version\": 1}",
        b"\"just a string\"",
        b"{\"encrypted\": false, \"passwordProtected\": true, \"data\": \"x\"}",
    ] {
        assert_eq!(
            parse(input).unwrap_err(),
            DecodeError::NotAnExport,
            "{input:?}"
        );
    }
    assert!(matches!(
        parse(b"this is not json").unwrap_err(),
        DecodeError::NotJson { .. }
    ));
    assert!(matches!(
        parse(b"").unwrap_err(),
        DecodeError::NotJson { .. }
    ));
}

#[test]
fn malformed_fields_never_echo_values() {
    let text = String::from_utf8(encode_plaintext(&doc()).to_vec()).unwrap();
    // A value where a list belongs: the error must not quote it.
    let bad = text.replacen(
        "[\n        \"api.stripe.com\"\n      ]",
        "\"sk_live_LEAK\"",
        1,
    );
    assert_ne!(bad, text);
    let err = parse(bad.as_bytes()).unwrap_err();
    assert!(!err.to_string().contains("LEAK"), "{err}");
    let count = text.replacen("\"secretCount\": 2", "\"secretCount\": 5", 1);
    assert_eq!(
        parse(count.as_bytes()).unwrap_err(),
        DecodeError::CountMismatch {
            declared: 5,
            found: 2
        }
    );
    let both = text.replacen(
        "\"value\": \"sk_live_123\"",
        "\"value\": \"sk_live_123\", \"link\": {\"provider\": \"one-password\", \"reference\": \"op://a/b/c\"}",
        1,
    );
    assert!(matches!(
        parse(both.as_bytes()).unwrap_err(),
        DecodeError::Malformed { .. }
    ));
}

#[test]
fn size_limit() {
    use coffer_core::export::{MAX_EXPORT_BYTES, check_size};
    // The limit is 1 GiB; `parse` applies the same check to what it is given.
    assert_eq!(MAX_EXPORT_BYTES, 1 << 30);
    assert_eq!(
        check_size(MAX_EXPORT_BYTES + 1),
        Err(DecodeError::TooLarge {
            size: MAX_EXPORT_BYTES + 1,
            max: MAX_EXPORT_BYTES
        })
    );
    assert_eq!(check_size(MAX_EXPORT_BYTES), Ok(()));
    assert!(check_size(u64::MAX).is_err());
}

#[test]
fn objects_must_be_objects() {
    let text = String::from_utf8(encode_plaintext(&doc()).to_vec()).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let first = v["secrets"][0].clone();
    v["secrets"][0] = serde_json::json!([
        first["name"],
        first["value"],
        null,
        first["allowedDomains"],
        first["createdAt"],
        first["updatedAt"]
    ]);
    let err = parse(v.to_string().as_bytes()).unwrap_err();
    assert!(matches!(err, DecodeError::Malformed { .. }), "{err:?}");

    let enc: serde_json::Value = serde_json::from_slice(&encrypted_bytes()).unwrap();
    let mut arr = enc.clone();
    let k = &enc["kdf"];
    arr["kdf"] = serde_json::json!([
        k["algorithm"],
        k["version"],
        k["memoryKib"],
        k["passes"],
        k["lanes"],
        k["salt"]
    ]);
    let err = parse(arr.to_string().as_bytes()).unwrap_err();
    assert!(matches!(err, DecodeError::Malformed { .. }), "{err:?}");
    let top: Vec<serde_json::Value> = enc.as_object().unwrap().values().cloned().collect();
    assert_eq!(
        parse(serde_json::Value::Array(top).to_string().as_bytes()).unwrap_err(),
        DecodeError::NotAnExport
    );
}

#[test]
fn non_canonical_export_time_in_header_is_refused_before_work() {
    let good = String::from_utf8(encrypted_bytes()).unwrap();
    let bad = good.replacen("2026-11-18T11:06:40Z", "2026-11-18T12:06:40+01:00", 1);
    assert!(matches!(
        parse(bad.as_bytes()).unwrap_err(),
        DecodeError::Malformed { .. }
    ));
}

#[test]
fn version_zero_is_malformed_not_newer() {
    let text = String::from_utf8(encode_plaintext(&doc()).to_vec()).unwrap();
    let v0 = text.replacen("\"version\": 2,", "\"version\": 0,", 1);
    let err = parse(v0.as_bytes()).unwrap_err();
    assert!(matches!(err, DecodeError::Malformed { .. }), "{err}");
    assert!(err.to_string().contains("start at 1"), "{err}");
    // A newer version claimed by this very build: no advice to "use coffer 0.1.0 or newer".
    let v2 = text
        .replacen("\"version\": 2,", "\"version\": 3,", 1)
        .replacen("coffer 0.1.0", &coffer_core::export::tool_name(), 1);
    let err = parse(v2.as_bytes()).unwrap_err().to_string();
    assert!(
        err.contains("version 3") && !err.contains("or newer"),
        "{err}"
    );
}

#[test]
fn a_refused_field_is_named_with_its_rule() {
    let text = String::from_utf8(encode_plaintext(&doc()).to_vec()).unwrap();
    let bad = text.replacen(
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db",
        "not-an-arn",
        1,
    );
    assert_ne!(bad, text);
    let err = parse(bad.as_bytes()).unwrap_err().to_string();
    assert!(
        err.contains("\"secrets[1].link\""),
        "names the field: {err}"
    );
    assert!(err.contains("aws-secrets-manager"), "names the rule: {err}");
    assert!(err.contains("line "), "{err}");
    // serde's wrong-type messages would quote a value put in the wrong place: never shown.
    let leak = text.replacen("\"createdAt\": \"", "\"createdAt\": 7, \"x\": \"", 1);
    let err = parse(leak.as_bytes()).unwrap_err().to_string();
    assert!(err.contains("\"secrets[0].createdAt\""), "{err}");
    let leak = text.replacen(
        "\"value\": \"sk_live_123\"",
        "\"value\": [\"sk_live_LEAK\"]",
        1,
    );
    let err = parse(leak.as_bytes()).unwrap_err().to_string();
    assert!(
        !err.contains("LEAK") && err.contains("secrets[0].value"),
        "{err}"
    );
}
