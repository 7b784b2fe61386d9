//! Writes the committed test vectors under `tests/vectors/storage/` and `tests/vectors/export/`.
//! Run once per format version: `cargo run -p coffer-vault --example gen_vectors -- [storage|export]`
//! (no argument: both). The tests decode the committed files forever, so a change to a format
//! that breaks old files fails CI. Regenerating one set leaves the other's files untouched.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use coffer_core::crypto::{VaultKey, VaultKeys};
use coffer_core::export::{ExportDoc, KdfParams, encode_encrypted, encode_plaintext, kdf};
use coffer_core::link::LinkRepr;
use coffer_core::record::{self, SealedRecord};
use coffer_core::{
    AllowedDomains, ExternalLink, Secret, SecretContent, SecretName, SecretValue, Timestamp,
};
use coffer_vault::ops::set::{DomainChange, SetRequest, set};
use coffer_vault::{KeySource, Vault, VaultLocation};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use std::path::{Path, PathBuf};

use coffer_core::hex::encode as hex;

fn main() {
    let (storage, export) = match std::env::args().nth(1).as_deref() {
        None => (true, true),
        Some("storage") => (true, false),
        Some("export") => (false, true),
        Some(_) => {
            eprintln!("usage: gen_vectors [storage|export]");
            std::process::exit(2);
        }
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors");
    if storage {
        let dir = root.join("storage");
        std::fs::create_dir_all(&dir).unwrap();
        records(&dir);
        vault_db(&dir);
        println!("wrote vectors to {}", dir.display());
    }
    if export {
        let dir = root.join("export");
        std::fs::create_dir_all(&dir).unwrap();
        export_vectors(&dir);
        println!("wrote vectors to {}", dir.display());
    }
}

/// A sample vault database: three secrets under a fixed key, and a copy with one record altered.
fn vault_db(dir: &Path) {
    let key = VaultKey::from_bytes(&[0x24; 32]);
    let key_text = key.encode().expose_secret().to_string();
    let tmp = tempfile::tempdir().unwrap();
    let loc = VaultLocation::in_dir(tmp.path());
    let source = KeySource::Env(SecretString::from(key_text.clone()));
    coffer_vault::ops::init::init(&loc, &source, Default::default()).unwrap();
    let mut vault = Vault::open(&loc, &source).unwrap();
    let link = ExternalLink::new(LinkRepr::OnePassword {
        reference: "op://Dev/Stripe/credentials/api key".into(),
    })
    .unwrap();
    for (name, content, domains) in [
        (
            "stripe-live",
            SecretContent::Value(SecretValue::new("sk_live_51Hvector".into()).unwrap()),
            "api.stripe.com,*.stripe.com",
        ),
        (
            "github-token",
            SecretContent::Value(SecretValue::new("ghp_vector0123456789".into()).unwrap()),
            "",
        ),
        (
            "op-stripe",
            SecretContent::Link(link),
            "https://api.stripe.com:8443",
        ),
    ] {
        let domains = if domains.is_empty() {
            DomainChange::Keep
        } else {
            DomainChange::Set(AllowedDomains::parse_list(domains).unwrap())
        };
        set(
            &mut vault,
            SetRequest {
                name: SecretName::parse(name).unwrap(),
                content,
                domains,
            },
        )
        .unwrap();
    }
    drop(vault);
    let out = dir.join("vault-v1.db");
    let _ = std::fs::remove_file(&out);
    rusqlite::Connection::open(&loc.db_path)
        .unwrap()
        .execute("VACUUM INTO ?1", [out.to_str().unwrap()])
        .unwrap();
    std::fs::write(dir.join("vault-v1.key"), format!("{key_text}\n")).unwrap();
    let bad = dir.join("vault-v1-tampered.db");
    std::fs::copy(&out, &bad).unwrap();
    let conn = rusqlite::Connection::open(&bad).unwrap();
    let (id, mut ct): (Vec<u8>, Vec<u8>) = conn
        .query_row(
            "SELECT id, ciphertext FROM secrets ORDER BY id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    ct[10] ^= 0x01;
    conn.execute(
        "UPDATE secrets SET ciphertext = ?1 WHERE id = ?2",
        rusqlite::params![ct, id],
    )
    .unwrap();
    conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
}

/// Sealed records and negative cases (`records-v1.json`).
fn records(dir: &Path) {
    let key = VaultKey::from_bytes(&[0x42; 32]);
    let vault_id = [0x11u8; 16];
    let keys = VaultKeys::derive(&key, &vault_id);
    let t = Timestamp::from_unix(1_795_000_000).unwrap();
    let secrets = [
        Secret {
            name: SecretName::parse("stripe-live").unwrap(),
            content: SecretContent::Value(SecretValue::new("sk_live_51Hvector".into()).unwrap()),
            allowed_domains: AllowedDomains::parse_list("api.stripe.com,*.stripe.com").unwrap(),
            created_at: t,
            updated_at: t,
        },
        Secret {
            name: SecretName::parse("db-password").unwrap(),
            content: SecretContent::Link(
                ExternalLink::new(LinkRepr::HashicorpVault {
                    mount: "secret".into(),
                    path: "team/db".into(),
                    key: "password".into(),
                })
                .unwrap(),
            ),
            allowed_domains: AllowedDomains::any(),
            created_at: t,
            updated_at: t,
        },
    ];
    let enc = |id: &[u8], s: &SealedRecord| json!({"id": hex(id), "nameMac": hex(&s.name_mac), "nonce": hex(&s.nonce), "ciphertext": hex(&s.ciphertext)});
    let mut records = Vec::new();
    let mut first = None;
    for (i, s) in secrets.iter().enumerate() {
        let id = [i as u8 + 1; 16];
        let sealed = record::seal(&keys, &vault_id, &id, s);
        let mut r = enc(&id, &sealed);
        r["plaintext"] = serde_json::to_value(coffer_core::wire::SecretJson::from(s)).unwrap();
        records.push(r);
        first.get_or_insert((id, sealed));
    }
    let (id, good) = first.unwrap();
    let mut negative = Vec::new();
    let mut push = |why: &str, id: &[u8], s: SealedRecord| {
        let mut v = enc(id, &s);
        v["why"] = why.into();
        negative.push(v);
    };
    let mut s = good.clone();
    s.ciphertext[5] ^= 1;
    push("flipped ciphertext byte", &id, s);
    let mut s = good.clone();
    s.nonce[0] ^= 1;
    push("flipped nonce byte", &id, s);
    let mut s = good.clone();
    s.ciphertext.truncate(s.ciphertext.len() - 1);
    push("truncated tag", &id, s);
    push("moved to another row id", &[9u8; 16], good.clone());
    let mut s = good.clone();
    s.name_mac = keys.name_mac("db-password");
    push("name MAC of another secret", &id, s);
    let doc = json!({
        "description": "Coffer record format v1 (docs/storage.md). Key and ids are fixed test values.",
        "vaultKey": secrecy::ExposeSecret::expose_secret(&key.encode()),
        "vaultId": hex(&vault_id),
        "keyCheck": hex(&keys.key_check_value()),
        "records": records,
        "negative": negative,
    });
    std::fs::write(
        dir.join("records-v1.json"),
        serde_json::to_string_pretty(&doc).unwrap() + "\n",
    )
    .unwrap();
}

/// Replaces the one occurrence of `from` in `text` (panics if there is not exactly one).
fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "{from}");
    text.replacen(from, to, 1)
}

/// Export files, positive and negative, and `manifest.json` saying what each must decode to
/// (`docs/export-format.md`). Fixed times and fake values; the salt and nonce are random, so
/// the encrypted files differ on every run.
fn export_vectors(dir: &Path) {
    const PASSWORD: &str = "tangerine-olive-7-kite";
    const WRONG_PASSWORD: &str = "tangerine-olive-8-kite";
    let low = KdfParams {
        memory_kib: kdf::MIN_MEMORY_KIB,
        passes: 1,
        lanes: 1,
    };
    let t = |secs| Timestamp::from_unix(secs).unwrap();
    let secret = |name: &str, content, domains: &str, created, updated| Secret {
        name: SecretName::parse(name).unwrap(),
        content,
        allowed_domains: if domains.is_empty() {
            AllowedDomains::any()
        } else {
            AllowedDomains::parse_list(domains).unwrap()
        },
        created_at: t(created),
        updated_at: t(updated),
    };
    let value = |v: &str| SecretContent::Value(SecretValue::new(v.into()).unwrap());
    let aws = ExternalLink::new(LinkRepr::AwsSecretsManager {
        secret_arn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf".into(),
        role_arn: Some("arn:aws:iam::123456789012:role/coffer-reader".into()),
        version_id: None,
        json_key: Some("password".into()),
    })
    .unwrap();
    // Sorted by name, as `coffer export` writes them.
    let doc = ExportDoc {
        tool: "coffer 0.1.0".into(),
        exported_at: t(1_795_000_000),
        secrets: vec![
            secret(
                "db-password",
                SecretContent::Link(aws),
                "",
                1_790_000_000,
                1_790_000_000,
            ),
            secret(
                "smtp-password",
                value("fake-Sm7p \"quoted\" pässword\twith tab"),
                "",
                1_791_000_000,
                1_794_000_000,
            ),
            secret(
                "stripe-live",
                value("sk_live_FAKE-export-vector"),
                "API.Stripe.com, *.stripe.com",
                1_792_000_000,
                1_792_000_000,
            ),
        ],
    };
    let plain = String::from_utf8(encode_plaintext(&doc).to_vec()).unwrap();
    let enc = encode_encrypted(&doc, &SecretString::from(PASSWORD), low).unwrap();
    let enc = String::from_utf8(enc).unwrap();
    let header: serde_json::Value = serde_json::from_str(&enc).unwrap();
    let ct = header["ciphertext"].as_str().unwrap();
    let mid = ct.len() / 2;
    let swap = if &ct[mid..=mid] == "A" { "B" } else { "A" };
    let flipped_ct = format!("{}{swap}{}", &ct[..mid], &ct[mid + 1..]);
    let bitwarden = json!({
        "encrypted": false,
        "folders": [],
        "items": [{
            "id": "00000000-0000-4000-8000-000000000000",
            "type": 1,
            "name": "example.com",
            "login": {
                "username": "user@example.com",
                "password": "fake-password-not-real",
                "uris": [{"match": null, "uri": "https://example.com"}],
            },
        }],
    });
    let files: Vec<(&str, String)> = vec![
        ("plaintext-v1.json", plain.clone()),
        ("encrypted-v1.json", enc.clone()),
        ("password.txt", format!("{PASSWORD}\n")),
        (
            "encrypted-flipped-header.json",
            edit(&enc, "\"secretCount\": 3", "\"secretCount\": 2"),
        ),
        (
            "encrypted-flipped-ciphertext.json",
            edit(&enc, ct, &flipped_ct),
        ),
        ("encrypted-truncated.json", enc[..enc.len() / 2].to_string()),
        (
            "unknown-version.json",
            edit(
                &edit(&plain, "\"version\": 1", "\"version\": 2"),
                "\"coffer 0.1.0\"",
                "\"coffer 9.0.0\"",
            ),
        ),
        (
            "hostile-kdf.json",
            edit(&enc, "\"memoryKib\": 8192", "\"memoryKib\": 4194304"),
        ),
        (
            "unsupported-cipher.json",
            edit(&enc, "\"xchacha20poly1305\"", "\"aes-256-gcm\""),
        ),
        (
            "not-an-export.json",
            serde_json::to_string_pretty(&bitwarden).unwrap() + "\n",
        ),
        (
            "malformed.json",
            "{\n  \"format\": \"coffer-vault-export\",\n  \"version\": 1,\n  \"encrypted\": false,,\n  \"tool\": \"coffer 0.1.0\"\n}\n"
                .to_string(),
        ),
        (
            "count-mismatch.json",
            edit(&plain, "\"secretCount\": 3", "\"secretCount\": 4"),
        ),
        (
            "unknown-field.json",
            edit(
                &plain,
                "\"secretCount\": 3,",
                "\"secretCount\": 3,\n  \"comment\": \"added by hand\",",
            ),
        ),
        (
            "value-and-link.json",
            edit(
                &plain,
                "\"value\": \"sk_live_FAKE-export-vector\",",
                "\"value\": \"sk_live_FAKE-export-vector\",\n      \"link\": {\n        \"provider\": \"one-password\",\n        \"reference\": \"op://Dev/Stripe/api key\"\n      },",
            ),
        ),
    ];
    for (name, content) in &files {
        std::fs::write(dir.join(name), content).unwrap();
    }
    let v = |name: &str, file: &str, password: Option<&str>, expect: &str, why: &str| {
        let mut e = json!({"name": name, "file": file, "expect": expect, "why": why});
        match password {
            Some("password.txt") => e["passwordFile"] = "password.txt".into(),
            Some(p) => e["password"] = p.into(),
            None => {}
        }
        e
    };
    let pwf = Some("password.txt");
    let mut vectors = vec![
        v(
            "plaintext",
            "plaintext-v1.json",
            None,
            "ok",
            "plaintext export of the expected secrets",
        ),
        v(
            "encrypted",
            "encrypted-v1.json",
            pwf,
            "ok",
            "encrypted export of the same secrets; the password is password.txt without its final newline",
        ),
        v(
            "encrypted-wrong-password",
            "encrypted-v1.json",
            Some(WRONG_PASSWORD),
            "Decrypt",
            "a different password",
        ),
        v(
            "encrypted-flipped-header",
            "encrypted-flipped-header.json",
            pwf,
            "Decrypt",
            "secretCount changed from 3 to 2: the header is associated data",
        ),
        v(
            "encrypted-flipped-ciphertext",
            "encrypted-flipped-ciphertext.json",
            pwf,
            "Decrypt",
            "one base64 character of the ciphertext changed",
        ),
        v(
            "encrypted-truncated",
            "encrypted-truncated.json",
            pwf,
            "NotJson",
            "the file cut in half",
        ),
        v(
            "unknown-version",
            "unknown-version.json",
            None,
            "UnsupportedVersion",
            "version 2, written by coffer 9.0.0: the message names that tool",
        ),
        v(
            "hostile-kdf",
            "hostile-kdf.json",
            pwf,
            "KdfBounds",
            "memoryKib 4194304 (4 GiB) is over the 1 GiB bound: refused before any key derivation",
        ),
        v(
            "unsupported-cipher",
            "unsupported-cipher.json",
            pwf,
            "Unsupported",
            "cipher algorithm aes-256-gcm",
        ),
        v(
            "not-an-export",
            "not-an-export.json",
            None,
            "NotAnExport",
            "a Bitwarden-style JSON export",
        ),
        v(
            "malformed",
            "malformed.json",
            None,
            "NotJson",
            "broken JSON (a doubled comma)",
        ),
        v(
            "count-mismatch",
            "count-mismatch.json",
            None,
            "CountMismatch",
            "secretCount 4 with 3 secrets",
        ),
        v(
            "unknown-field",
            "unknown-field.json",
            None,
            "Malformed",
            "an unknown top-level field",
        ),
        v(
            "value-and-link",
            "value-and-link.json",
            None,
            "Malformed",
            "a secret with both value and link",
        ),
    ];
    // Words the error message must contain, where the message itself is part of the contract.
    for (name, words) in [
        ("encrypted-truncated", "truncated"),
        ("unknown-version", "coffer 9.0.0"),
        ("hostile-kdf", "memory"),
    ] {
        let entry = vectors.iter_mut().find(|e| e["name"] == name).unwrap();
        entry["messageContains"] = words.into();
    }
    let manifest = json!({
        "description": "Coffer export format v1 (docs/export-format.md). Fake values, fixed times; KDF cost lowered for speed. expect is ok or the DecodeError variant.",
        "kdf": {"memoryKib": low.memory_kib, "passes": low.passes, "lanes": low.lanes},
        "expected": {
            "tool": doc.tool,
            "exportedAt": doc.exported_at.to_string(),
            "secrets": doc.secrets.iter().map(coffer_core::wire::SecretJson::from).collect::<Vec<_>>(),
        },
        "vectors": vectors,
    });
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::to_string_pretty(&manifest).unwrap() + "\n",
    )
    .unwrap();
}
