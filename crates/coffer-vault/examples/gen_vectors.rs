//! Writes the committed test vectors under `tests/vectors/storage/`. Run once per format
//! version (`cargo run -p coffer-vault --example gen_vectors`); the tests decode the committed
//! files forever, so a change to the format that breaks old files fails CI.

use coffer_core::crypto::{VaultKey, VaultKeys};
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

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn main() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/storage");
    std::fs::create_dir_all(&dir).unwrap();
    records(&dir);
    vault_db(&dir);
    println!("wrote vectors to {}", dir.display());
}

/// A sample vault database: three secrets under a fixed key, and a copy with one record altered.
fn vault_db(dir: &Path) {
    let key = VaultKey::from_bytes([0x24; 32]);
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
    let key = VaultKey::from_bytes([0x42; 32]);
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
