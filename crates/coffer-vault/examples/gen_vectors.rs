//! Writes the committed test vectors of the current formats: record version 2
//! (`tests/vectors/storage/records-v2.json`) and export format version 2
//! (`tests/vectors/export-v2/`). Run once per format version:
//! `cargo run -p coffer-vault --example gen_vectors -- [records|export]` (no argument: both).
//! `-- vault-v4` writes the schema version 4 sample vault, its altered twins and the digest and
//! history vectors (`tests/vectors/storage/vault-v4*`, `digest-v1.json`, `history-v1.json`).
//!
//! The version 1 vectors (`tests/vectors/export/`, `tests/vectors/storage/*-v1*`) were written by
//! this program as it was at commit 9c490c7, before version 2 existed; they are frozen and this
//! build cannot write version 1 any more. The tests decode every committed file forever, so a
//! change that breaks old files fails CI.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use coffer_core::crypto::{VaultKey, VaultKeys};
use coffer_core::export::{ExportDoc, KdfParams, encode_encrypted, encode_plaintext, kdf};
use coffer_core::link::LinkRepr;
use coffer_core::record::{self, SealedRecord};
use coffer_core::{
    AllowedDomains, EnvName, EnvValue, ExternalLink, Secret, SecretContent, SecretName,
    SecretValue, Timestamp,
};
use secrecy::SecretString;
use serde_json::json;
use std::path::{Path, PathBuf};

use coffer_core::hex::encode as hex;

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors");
    let (records, export) = match std::env::args().nth(1).as_deref() {
        None => (true, true),
        Some("records") => (true, false),
        Some("export") => (false, true),
        Some("vault-v4") => {
            vault_v4(&root.join("storage"));
            return;
        }
        Some(_) => {
            eprintln!("usage: gen_vectors [records|export|vault-v4]");
            std::process::exit(2);
        }
    };
    if records {
        let dir = root.join("storage");
        std::fs::create_dir_all(&dir).unwrap();
        records_v2(&dir);
        println!("wrote records-v2.json to {}", dir.display());
    }
    if export {
        let dir = root.join("export-v2");
        std::fs::create_dir_all(&dir).unwrap();
        export_v2(&dir);
        println!("wrote vectors to {}", dir.display());
    }
}

fn t(secs: i64) -> Timestamp {
    Timestamp::from_unix(secs).unwrap()
}

fn value(v: &str) -> SecretValue {
    SecretValue::new(v.into()).unwrap()
}

fn domains(list: &str) -> AllowedDomains {
    if list.is_empty() {
        AllowedDomains::any()
    } else {
        AllowedDomains::parse_list(list).unwrap()
    }
}

/// The secrets both sets hold: a disabled one, one with environments (one with its own domains,
/// one inheriting), a link, and a plain value.
fn secrets() -> Vec<Secret> {
    let mut stripe = Secret::new(
        SecretName::parse("stripe").unwrap(),
        SecretContent::Value(value("sk_test_FAKE-default")),
        domains("api.stripe.com"),
        t(1_792_000_000),
    );
    stripe.environments.insert(
        EnvName::parse("prod").unwrap(),
        EnvValue {
            value: value("sk_live_FAKE-prod \"quoted\" ünïcode"),
            allowed_domains: Some(domains("api.stripe.com,*.stripe.com")),
        },
    );
    stripe.environments.insert(
        EnvName::parse("dev").unwrap(),
        EnvValue {
            value: value("sk_test_FAKE-dev"),
            allowed_domains: None,
        },
    );
    stripe.updated_at = t(1_793_000_000);
    let mut old = Secret::new(
        SecretName::parse("old-token").unwrap(),
        SecretContent::Value(value("ghp_FAKE-disabled")),
        AllowedDomains::any(),
        t(1_790_000_000),
    );
    old.disabled = true;
    let db = Secret::new(
        SecretName::parse("db-password").unwrap(),
        SecretContent::Link(
            ExternalLink::new(LinkRepr::HashicorpVault {
                mount: "secret".into(),
                path: "team/db".into(),
                key: "password".into(),
            })
            .unwrap(),
        ),
        domains("[0:0::1]:8200"),
        t(1_791_000_000),
    );
    // Sorted by name, as `coffer export` writes them.
    vec![db, old, stripe]
}

/// Sealed version 2 records and negative cases (`records-v2.json`).
fn records_v2(dir: &Path) {
    let key = VaultKey::from_bytes(&[0x42; 32]);
    let vault_id = [0x22u8; 16];
    let keys = VaultKeys::derive(&key, &vault_id);
    let enc = |id: &[u8], s: &SealedRecord| json!({"id": hex(id), "nameMac": hex(&s.name_mac), "nonce": hex(&s.nonce), "ciphertext": hex(&s.ciphertext)});
    let mut records = Vec::new();
    let mut sealed_all = Vec::new();
    for (i, s) in secrets().iter().enumerate() {
        let id = [i as u8 + 1; 16];
        let sealed = record::seal(&keys, &vault_id, &id, s);
        let mut r = enc(&id, &sealed);
        r["plaintext"] = serde_json::to_value(coffer_core::wire::SecretJson::from(s)).unwrap();
        records.push(r);
        sealed_all.push((id, sealed));
    }
    let (id, good) = sealed_all[2].clone();
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
    s.ciphertext.truncate(s.ciphertext.len() - 1);
    push("truncated tag", &id, s);
    push("moved to another row id", &[9u8; 16], good.clone());
    let mut s = good.clone();
    s.name_mac = keys.name_mac("old-token");
    push("name MAC of another secret", &id, s);
    let doc = json!({
        "description": "Coffer record format v2 (docs/storage.md). Key and ids are fixed test values.",
        "vaultKey": secrecy::ExposeSecret::expose_secret(&key.encode()),
        "vaultId": hex(&vault_id),
        "keyCheck": hex(&keys.key_check_value(coffer_core::crypto::KeyCheck::V1)),
        "records": records,
        "negative": negative,
    });
    std::fs::write(
        dir.join("records-v2.json"),
        serde_json::to_string_pretty(&doc).unwrap() + "\n",
    )
    .unwrap();
}

fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "{from}");
    text.replacen(from, to, 1)
}

/// Export version 2 files, positive and negative, and `manifest.json` saying what each must
/// decode to (`docs/export-format.md`). Fixed times and fake values; the salt and nonce are
/// random, so the encrypted file differs on every run.
fn export_v2(dir: &Path) {
    const PASSWORD: &str = "tangerine-olive-7-kite";
    let low = KdfParams {
        memory_kib: kdf::MIN_MEMORY_KIB,
        passes: 1,
        lanes: 1,
    };
    let doc = ExportDoc {
        tool: "coffer 0.1.0".into(),
        exported_at: t(1_795_000_000),
        secrets: secrets(),
    };
    let plain = String::from_utf8(encode_plaintext(&doc).to_vec()).unwrap();
    let enc = encode_encrypted(doc.clone(), &SecretString::from(PASSWORD), low).unwrap();
    let enc = String::from_utf8(enc).unwrap();
    let files: Vec<(&str, String)> = vec![
        ("plaintext-v2.json", plain.clone()),
        ("encrypted-v2.json", enc.clone()),
        ("password.txt", format!("{PASSWORD}\n")),
        (
            "encrypted-as-v1.json",
            edit(&enc, "\"version\": 2,", "\"version\": 1,"),
        ),
        (
            "v1-with-environments.json",
            edit(
                &edit(&plain, "\"version\": 2,", "\"version\": 1,"),
                "      \"disabled\": true,\n",
                "",
            ),
        ),
        (
            "v1-with-disabled.json",
            edit(&plain, "\"version\": 2,", "\"version\": 1,"),
        ),
        (
            "disabled-false.json",
            edit(&plain, "\"disabled\": true", "\"disabled\": false"),
        ),
        (
            "environment-unknown-field.json",
            edit(
                &plain,
                "\"value\": \"sk_test_FAKE-dev\"",
                "\"value\": \"sk_test_FAKE-dev\",\n          \"note\": \"added by hand\"",
            ),
        ),
        (
            "environment-bad-name.json",
            edit(&plain, "\"dev\": {", "\"dev env\": {"),
        ),
        (
            "environment-duplicate.json",
            edit(&plain, "\"dev\": {", "\"prod\": {"),
        ),
    ];
    for (name, content) in &files {
        std::fs::write(dir.join(name), content).unwrap();
    }
    let v = |name: &str, file: &str, password: bool, expect: &str, why: &str| {
        let mut e = json!({"name": name, "file": file, "expect": expect, "why": why});
        if password {
            e["passwordFile"] = "password.txt".into();
        }
        e
    };
    let mut vectors = vec![
        v(
            "plaintext",
            "plaintext-v2.json",
            false,
            "ok",
            "plaintext version 2 export of the expected secrets: a disabled secret, environments with and without their own domains, a link",
        ),
        v(
            "encrypted",
            "encrypted-v2.json",
            true,
            "ok",
            "encrypted version 2 export of the same secrets; the password is password.txt without its final newline",
        ),
        v(
            "encrypted-as-v1",
            "encrypted-as-v1.json",
            true,
            "Decrypt",
            "the header's version changed to 1: the version (and the associated-data label) is bound",
        ),
        v(
            "v1-with-environments",
            "v1-with-environments.json",
            false,
            "Malformed",
            "version 1 with an environments field, which version 1 does not have",
        ),
        v(
            "v1-with-disabled",
            "v1-with-disabled.json",
            false,
            "Malformed",
            "version 1 with a disabled field, which version 1 does not have",
        ),
        v(
            "disabled-false",
            "disabled-false.json",
            false,
            "Malformed",
            "\"disabled\": false; the canonical form leaves it out",
        ),
        v(
            "environment-unknown-field",
            "environment-unknown-field.json",
            false,
            "Malformed",
            "an unknown field in an environment object",
        ),
        v(
            "environment-bad-name",
            "environment-bad-name.json",
            false,
            "Malformed",
            "an environment name with a space",
        ),
        v(
            "environment-duplicate",
            "environment-duplicate.json",
            false,
            "Malformed",
            "the same environment twice (JSON readers disagree on which wins)",
        ),
    ];
    for (name, words) in [
        (
            "v1-with-environments",
            "\"environments\", which version 1 does not have",
        ),
        (
            "v1-with-disabled",
            "\"disabled\", which version 1 does not have",
        ),
        ("disabled-false", "leave the field out"),
    ] {
        let entry = vectors.iter_mut().find(|e| e["name"] == name).unwrap();
        entry["messageContains"] = words.into();
    }
    let manifest = json!({
        "description": "Coffer export format v2 (docs/export-format.md). Fake values, fixed times; KDF cost lowered for speed. expect is ok or the DecodeError variant.",
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

/// The schema version 4 sample vault (`vault-v4.db`, key `vault-v4.key`) with a history of two
/// changes, three altered twins a reader must refuse as inconsistent, and the digest and
/// history plaintext vectors.
fn vault_v4(dir: &Path) {
    use coffer_vault::ops::{init::init, remove::remove, rename::rename, set};
    use coffer_vault::{KeySource, Vault, VaultLocation};
    let work = tempfile::tempdir().unwrap();
    let loc = VaultLocation::in_dir(work.path());
    let key = KeySource::File(loc.key_path.clone());
    init(&loc, &key, Default::default()).unwrap();
    let name = |s: &str| SecretName::parse(s).unwrap();
    {
        let mut v = Vault::open(&loc, &key).unwrap();
        for (n, val) in [
            ("stripe-live", "sk_live_v4vector"),
            ("github-token", "ghp_v4vector"),
            ("old-name", "renamed_v4vector"),
        ] {
            set::set(
                &mut v,
                set::SetRequest {
                    name: name(n),
                    content: SecretContent::Value(value(val)),
                    domains: set::DomainChange::Keep,
                    environment: None,
                },
            )
            .unwrap();
        }
        remove(&mut v, &name("github-token"), None).unwrap();
        rename(&mut v, &name("old-name"), &name("new-name")).unwrap();
    }
    std::fs::copy(&loc.db_path, dir.join("vault-v4.db")).unwrap();
    std::fs::copy(&loc.key_path, dir.join("vault-v4.key")).unwrap();
    let altered = |file: &str, sql: &str| {
        let path = dir.join(file);
        std::fs::copy(&loc.db_path, &path).unwrap();
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(sql).unwrap();
        c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;")
            .unwrap();
    };
    altered(
        "vault-v4-row-deleted.db",
        "DELETE FROM secrets WHERE id = (SELECT min(id) FROM secrets);",
    );
    altered(
        "vault-v4-history-deleted.db",
        "DELETE FROM sealed_state WHERE name LIKE 'history:%';",
    );
    altered(
        "vault-v4-digest-deleted.db",
        "DELETE FROM sealed_state WHERE name = 'vault-digest';",
    );
    digest_v1(dir);
    history_v1(dir);
    println!(
        "wrote vault-v4*, digest-v1.json and history-v1.json to {}",
        dir.display()
    );
}

/// Rows with fixed keys and values and the digest they make (`docs/storage.md`).
fn digest_v1(dir: &Path) {
    use coffer_core::digest::{Change, Sealed, VaultDigest};
    let key = VaultKey::from_bytes(&[0x42; 32]);
    let vault_id = [0x22u8; 16];
    let keys = VaultKeys::derive(&key, &vault_id);
    let mut d = VaultDigest::empty();
    let mut rows = Vec::new();
    for (i, s) in secrets().iter().enumerate() {
        let id = [i as u8 + 1; 16];
        let sealed = record::seal(&keys, &vault_id, &id, s);
        d.secret_row(
            &keys,
            Change::Add,
            &id,
            &sealed.name_mac,
            Sealed::of(&sealed.nonce, &sealed.ciphertext),
        );
        rows.push(json!({"table": "secrets", "id": hex(&id), "nameMac": hex(&sealed.name_mac), "nonce": hex(&sealed.nonce), "ciphertext": hex(&sealed.ciphertext)}));
    }
    let (nonce, ct) = keys.state_key().seal(b"any associated data", b"{}");
    d.state_row(&keys, Change::Add, "team", Sealed::of(&nonce, &ct));
    rows.push(json!({"table": "sealed_state", "name": "team", "nonce": hex(&nonce), "ciphertext": hex(&ct)}));
    d.counter = 7;
    let doc = json!({
        "description": "Coffer vault digest v1 (docs/storage.md): the rows, in any order, and the digest's plaintext with counter 7.",
        "vaultKey": secrecy::ExposeSecret::expose_secret(&key.encode()),
        "vaultId": hex(&vault_id),
        "rows": rows,
        "digest": hex(&d.encode()),
    });
    std::fs::write(
        dir.join("digest-v1.json"),
        serde_json::to_string_pretty(&doc).unwrap() + "\n",
    )
    .unwrap();
}

/// History entry and snapshot plaintexts, positive and negative (`docs/storage.md`).
fn history_v1(dir: &Path) {
    use coffer_core::history::{Entry, Snapshot};
    let all = secrets();
    let snapshot = Snapshot {
        before: vec![all[0].clone(), all[1].clone()],
        after: vec![all[2].clone()],
    };
    let entry = Entry::new(
        42,
        t(1_792_000_000),
        "import",
        "--clear: 2 removed, 0 replaced, 1 added",
        &snapshot,
    );
    let text = |b: &[u8]| String::from_utf8(b.to_vec()).unwrap();
    let entry_text = text(&entry.encode());
    let snap_text = text(&snapshot.encode());
    let doc = json!({
        "description": "Coffer history entry and snapshot v1 (docs/storage.md): plaintexts as sealed.",
        "entry": entry_text,
        "snapshot": snap_text,
        "negative": [
            {"why": "entry of version 2", "entry": edit(&entry_text, "\"version\":1", "\"version\":2")},
            {"why": "entry with an unknown field", "entry": edit(&entry_text, "\"id\":42", "\"id\":42,\"extra\":true")},
            {"why": "snapshot of version 2", "snapshot": edit(&snap_text, "\"version\":1", "\"version\":2")},
            {"why": "snapshot with an invalid secret name", "snapshot": edit(&snap_text, "\"name\":\"stripe\"", "\"name\":\"has space\"")},
            {"why": "snapshot without after", "snapshot": edit(&snap_text, ",\"after\":[", ",\"later\":[")},
        ],
    });
    std::fs::write(
        dir.join("history-v1.json"),
        serde_json::to_string_pretty(&doc).unwrap() + "\n",
    )
    .unwrap();
}
