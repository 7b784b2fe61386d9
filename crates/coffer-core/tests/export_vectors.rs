//! Committed test vectors for the export format (`docs/export-format.md`), decoded forever:
//! version 1 in `tests/vectors/export/`, version 2 in `tests/vectors/export-v2/`.
//!
//! Each set's `manifest.json` lists every vector file, the password to use and the
//! expected outcome: `ok` (the file decodes to the manifest's `expected` secrets) or the name of
//! the [`DecodeError`] variant it must be refused with. The files were written once by
//! `cargo run -p coffer-vault --example gen_vectors -- export`; regenerate only for a new format
//! version. A missing or unlisted file fails the test.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use argon2::{Algorithm, Argon2, Params, Version};
use base64::{Engine, engine::general_purpose::STANDARD as B64};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use coffer_core::export::{DecodeError, ExportDoc, KdfParams, Parsed, parse};
use coffer_core::{Secret, SecretContent};
use secrecy::SecretString;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// The sets: directory, plaintext file, and the vectors that must be in its manifest with the
/// outcome they must have.
type Required = &'static [(&'static str, &'static str)];
const SETS: &[(&str, &str, Required)] = &[
    ("export", "plaintext-v1.json", REQUIRED_V1),
    ("export-v2", "plaintext-v2.json", REQUIRED_V2),
];

const REQUIRED_V2: &[(&str, &str)] = &[
    ("plaintext", "ok"),
    ("encrypted", "ok"),
    ("encrypted-as-v1", "Decrypt"),
    ("v1-with-environments", "Malformed"),
    ("v1-with-disabled", "Malformed"),
    ("disabled-false", "Malformed"),
    ("environment-unknown-field", "Malformed"),
    ("environment-bad-name", "Malformed"),
    ("environment-duplicate", "Malformed"),
];

const REQUIRED_V1: &[(&str, &str)] = &[
    ("plaintext", "ok"),
    ("encrypted", "ok"),
    ("encrypted-wrong-password", "Decrypt"),
    ("encrypted-flipped-header", "Decrypt"),
    ("encrypted-flipped-ciphertext", "Decrypt"),
    ("encrypted-truncated", "NotJson"),
    ("unknown-version", "UnsupportedVersion"),
    ("hostile-kdf", "KdfBounds"),
    ("not-an-export", "NotAnExport"),
    ("malformed", "NotJson"),
    ("count-mismatch", "CountMismatch"),
];

fn dir(set: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors")
        .join(set)
}

fn read(set: &str, name: &str) -> Vec<u8> {
    let path = dir(set).join(name);
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("vector file {} is missing: {e}", path.display()))
}

fn manifest(set: &str) -> Value {
    serde_json::from_slice(&read(set, "manifest.json")).expect("manifest.json is JSON")
}

fn text<'a>(v: &'a Value, field: &str) -> &'a str {
    v[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} must be a string in {v}"))
}

/// The password of a vector: `password`, or the content of `passwordFile` without one final
/// line ending (as `coffer import --password-file` reads it).
fn password(set: &str, v: &Value) -> Option<SecretString> {
    if let Some(p) = v["password"].as_str() {
        return Some(SecretString::from(p));
    }
    let file = v["passwordFile"].as_str()?;
    let bytes = read(set, file);
    let s = String::from_utf8(bytes).expect("password file is UTF-8");
    let s = s.strip_suffix('\n').unwrap_or(&s);
    let s = s.strip_suffix('\r').unwrap_or(s);
    Some(SecretString::from(s))
}

/// The variant name, matched exhaustively: a new variant needs a decision here.
fn variant(e: &DecodeError) -> &'static str {
    match e {
        DecodeError::TooLarge { .. } => "TooLarge",
        DecodeError::NotJson { .. } => "NotJson",
        DecodeError::NotAnExport => "NotAnExport",
        DecodeError::UnsupportedVersion { .. } => "UnsupportedVersion",
        DecodeError::Unsupported { .. } => "Unsupported",
        DecodeError::Malformed { .. } => "Malformed",
        DecodeError::KdfBounds(_) => "KdfBounds",
        DecodeError::CountMismatch { .. } => "CountMismatch",
        DecodeError::Decrypt => "Decrypt",
    }
}

fn expected_kdf(m: &Value) -> KdfParams {
    let n = |f: &str| u32::try_from(m["kdf"][f].as_u64().unwrap()).unwrap();
    KdfParams {
        memory_kib: n("memoryKib"),
        passes: n("passes"),
        lanes: n("lanes"),
    }
}

/// Parses a vector and, if encrypted, decrypts it with its password.
fn open(set: &str, v: &Value, kdf: KdfParams) -> Result<ExportDoc, DecodeError> {
    match parse(&read(set, text(v, "file")))? {
        Parsed::Plaintext(doc) => Ok(doc),
        Parsed::Encrypted(e) => {
            assert_eq!(e.params(), kdf, "{}: KDF cost", v["name"]);
            let pw = password(set, v)
                .unwrap_or_else(|| panic!("{}: encrypted, and no password given", v["name"]));
            e.decrypt(&pw)
        }
    }
}

/// Every field of `secret` against its expected JSON, compared field by field (not through the
/// crate's own serialiser for values, domains and times).
fn check_secret(i: usize, secret: &Secret, want: &Value) {
    let at = format!("secret #{}", i + 1);
    assert_eq!(secret.name.as_str(), text(want, "name"), "{at}: name");
    match &secret.content {
        SecretContent::Value(v) => {
            assert!(want.get("link").is_none(), "{at}: expected a link");
            assert_eq!(v.expose(), text(want, "value"), "{at}: value");
        }
        SecretContent::Link(l) => {
            assert!(want.get("value").is_none(), "{at}: expected a value");
            assert_eq!(l.provider(), text(&want["link"], "provider"), "{at}");
            assert_eq!(
                serde_json::to_value(l.repr()).unwrap(),
                want["link"],
                "{at}: link"
            );
        }
    }
    let domains: Vec<&str> = want["allowedDomains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert_eq!(
        secret.allowed_domains.to_strings(),
        domains,
        "{at}: allowedDomains"
    );
    assert_eq!(
        secret.disabled,
        want.get("disabled").is_some_and(|d| d == true),
        "{at}: disabled"
    );
    let envs = want.get("environments").and_then(Value::as_object);
    assert_eq!(
        secret.environments.len(),
        envs.map_or(0, |e| e.len()),
        "{at}: environments"
    );
    for (name, e) in &secret.environments {
        let w = &envs.unwrap()[name.as_str()];
        assert_eq!(e.value.expose(), text(w, "value"), "{at}: {name} value");
        let wd = w.get("allowedDomains").map(|d| {
            d.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        });
        assert_eq!(
            e.allowed_domains.as_ref().map(|d| d.to_strings()),
            wd,
            "{at}: {name} allowedDomains"
        );
    }
    assert_eq!(
        secret.created_at.to_string(),
        text(want, "createdAt"),
        "{at}"
    );
    assert_eq!(
        secret.updated_at.to_string(),
        text(want, "updatedAt"),
        "{at}"
    );
}

fn check_doc(name: &str, doc: &ExportDoc, want: &Value) {
    assert_eq!(doc.tool, text(want, "tool"), "{name}: tool");
    assert_eq!(
        doc.exported_at.to_string(),
        text(want, "exportedAt"),
        "{name}: exportedAt"
    );
    let secrets = want["secrets"].as_array().unwrap();
    assert_eq!(doc.secrets.len(), secrets.len(), "{name}: secret count");
    for (i, (s, w)) in doc.secrets.iter().zip(secrets).enumerate() {
        check_secret(i, s, w);
    }
}

#[test]
fn manifest_lists_every_vector_and_file() {
    for (set, _, required) in SETS {
        manifest_lists(set, required);
    }
}

fn manifest_lists(set: &str, required: &[(&str, &str)]) {
    let m = manifest(set);
    let vectors = m["vectors"].as_array().unwrap();
    for (name, expect) in required {
        let v = vectors
            .iter()
            .find(|v| v["name"] == *name)
            .unwrap_or_else(|| panic!("vector {name} is missing from the manifest"));
        assert_eq!(text(v, "expect"), *expect, "{name}");
    }
    let mut listed: BTreeSet<String> = ["manifest.json".to_string()].into();
    for v in vectors {
        listed.insert(text(v, "file").to_string());
        if let Some(f) = v["passwordFile"].as_str() {
            listed.insert(f.to_string());
        }
    }
    let mut present = BTreeSet::new();
    for entry in std::fs::read_dir(dir(set)).expect("the vector directory exists") {
        present.insert(entry.unwrap().file_name().into_string().unwrap());
    }
    let missing: Vec<_> = listed.difference(&present).collect();
    let unlisted: Vec<_> = present.difference(&listed).collect();
    assert!(missing.is_empty(), "vector files missing: {missing:?}");
    assert!(
        unlisted.is_empty(),
        "files not in the manifest: {unlisted:?}"
    );
}

#[test]
fn export_vectors_decode() {
    for (set, _, required) in SETS {
        vectors_decode(set, required);
    }
}

fn vectors_decode(set: &str, required: &[(&str, &str)]) {
    let m = manifest(set);
    let kdf = expected_kdf(&m);
    let want = &m["expected"];
    let values: Vec<&str> = want["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["value"].as_str())
        .collect();
    let vectors = m["vectors"].as_array().unwrap();
    assert!(vectors.len() >= required.len());
    for v in vectors {
        let name = text(v, "name");
        let name = &format!("{set}/{name}");
        match (open(set, v, kdf), text(v, "expect")) {
            (Ok(doc), "ok") => check_doc(name, &doc, want),
            (Ok(_), expect) => panic!("{name}: decoded, but must fail with {expect}"),
            (Err(e), "ok") => panic!("{name}: must decode, failed with {e:?}: {e}"),
            (Err(e), expect) => {
                assert_eq!(variant(&e), expect, "{name}: {e:?}: {e}");
                let msg = e.to_string();
                if let Some(words) = v["messageContains"].as_str() {
                    assert!(msg.contains(words), "{name}: {msg:?} lacks {words:?}");
                }
                for value in &values {
                    assert!(!msg.contains(value), "{name}: the message quotes a value");
                }
            }
        }
    }
}

#[test]
fn truncated_vector_is_reported_as_truncated() {
    let err = parse(&read("export", "encrypted-truncated.json")).unwrap_err();
    assert!(
        matches!(
            err,
            DecodeError::NotJson {
                truncated: true,
                ..
            }
        ),
        "{err:?}"
    );
}

/// Opens each set's encrypted vector following `docs/export-format.md` only, with the
/// primitives directly: Argon2id, the associated data built by hand, XChaCha20-Poly1305. The
/// content must be the compact plaintext document and match the set's plaintext vector.
#[test]
fn encrypted_vector_opens_by_the_spec_alone() {
    for (set, plaintext, _) in SETS {
        opens_by_the_spec(set, plaintext);
    }
}

fn opens_by_the_spec(set: &str, plaintext: &str) {
    let m = manifest(set);
    let v = m["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "encrypted")
        .unwrap();
    let file: Value = serde_json::from_slice(&read(set, text(v, "file"))).unwrap();
    let salt = B64.decode(text(&file["kdf"], "salt")).unwrap();
    let nonce = B64.decode(text(&file["cipher"], "nonce")).unwrap();
    let ct = B64.decode(text(&file, "ciphertext")).unwrap();
    assert_eq!((salt.len(), nonce.len()), (16, 24));
    assert_eq!(file["kdf"]["version"], 0x13);

    let num = |v: &Value| v.as_u64().unwrap().to_string().into_bytes();
    let fields: [Vec<u8>; 13] = [
        text(&file, "format").into(),
        num(&file["version"]),
        file["encrypted"].to_string().into_bytes(),
        text(&file, "tool").into(),
        text(&file, "exportedAt").into(),
        num(&file["secretCount"]),
        text(&file["kdf"], "algorithm").into(),
        num(&file["kdf"]["version"]),
        num(&file["kdf"]["memoryKib"]),
        num(&file["kdf"]["passes"]),
        num(&file["kdf"]["lanes"]),
        salt.clone(),
        text(&file["cipher"], "algorithm").into(),
    ];
    let label = format!("coffer-vault-export/v{}\0", file["version"]);
    let mut aad = label.into_bytes();
    for f in &fields {
        aad.extend_from_slice(&u32::try_from(f.len()).unwrap().to_be_bytes());
        aad.extend_from_slice(f);
    }

    let kdf = expected_kdf(&m);
    let params = Params::new(kdf.memory_kib, kdf.passes, kdf.lanes, Some(32)).unwrap();
    let pw = password(set, v).unwrap();
    let mut key = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(
            secrecy::ExposeSecret::expose_secret(&pw).as_bytes(),
            &salt,
            &mut key,
        )
        .unwrap();
    let plain = XChaCha20Poly1305::new((&key).into())
        .decrypt(
            &XNonce::try_from(&nonce[..]).unwrap(),
            Payload {
                msg: &ct,
                aad: &aad,
            },
        )
        .expect("opens with the spec's key derivation and associated data");

    let inner: Value = serde_json::from_slice(&plain).unwrap();
    // Re-serialising sorts keys but keeps the length: equal lengths mean no whitespace.
    assert_eq!(
        serde_json::to_vec(&inner).unwrap().len(),
        plain.len(),
        "the sealed content is compact JSON"
    );
    let outer: Value = serde_json::from_slice(&read(set, plaintext)).unwrap();
    assert_eq!(inner, outer, "the sealed content is the plaintext document");
}
