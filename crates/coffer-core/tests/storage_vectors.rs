//! Committed test vectors for the record format (`docs/storage.md`), decoded forever.
//!
//! `tests/vectors/storage/records-v1.json` and `records-v2.json` hold sealed records (record
//! versions 1 and 2) and what they must open to, and negative cases that must be refused. They
//! were written once by `cargo run -p coffer-vault --example gen_vectors`; never regenerated.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use coffer_core::crypto::{VaultKey, VaultKeys};
use coffer_core::record::{self, SealedRecord};
use serde_json::Value;
use std::path::PathBuf;

fn path(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors/storage")
        .join(file)
}

use coffer_core::hex::encode as hex;

fn unhex(s: &str) -> Vec<u8> {
    coffer_core::hex::decode(s).unwrap()
}

fn sealed(v: &Value) -> SealedRecord {
    SealedRecord {
        name_mac: unhex(v["nameMac"].as_str().unwrap()).try_into().unwrap(),
        nonce: unhex(v["nonce"].as_str().unwrap()),
        ciphertext: unhex(v["ciphertext"].as_str().unwrap()),
    }
}

#[test]
fn records_v1_vectors_decode() {
    records_decode("records-v1.json", 2);
}

#[test]
fn records_v2_vectors_decode() {
    records_decode("records-v2.json", 3);
}

fn records_decode(file: &str, count: usize) {
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path(file)).unwrap()).unwrap();
    let key = VaultKey::parse(doc["vaultKey"].as_str().unwrap()).unwrap();
    let vault_id = unhex(doc["vaultId"].as_str().unwrap());
    let keys = VaultKeys::derive(&key, &vault_id);
    assert_eq!(
        hex(&keys.key_check_value(coffer_core::crypto::KeyCheck::V1)),
        doc["keyCheck"].as_str().unwrap()
    );
    let positives = doc["records"].as_array().unwrap();
    assert_eq!(positives.len(), count);
    for r in positives {
        let id = unhex(r["id"].as_str().unwrap());
        let secret = record::open(&keys, &vault_id, &id, &sealed(r)).expect("vector opens");
        let json = serde_json::to_value(coffer_core::wire::SecretJson::from(&secret)).unwrap();
        assert_eq!(json, r["plaintext"]);
    }
    let negatives = doc["negative"].as_array().unwrap();
    assert!(negatives.len() >= 4);
    for n in negatives {
        let id = unhex(n["id"].as_str().unwrap());
        assert!(
            record::open(&keys, &vault_id, &id, &sealed(n)).is_err(),
            "negative vector opened: {}",
            n["why"]
        );
    }
}

/// `digest-v1.json`: rows with a fixed key and the vault digest they make, in any order; one row
/// fewer, or one changed, makes another digest.
#[test]
fn digest_v1_vector_recomputes() {
    use coffer_core::digest::{Change, Sealed, VaultDigest};
    let doc: Value =
        serde_json::from_slice(&std::fs::read(path("digest-v1.json")).unwrap()).unwrap();
    let key = VaultKey::parse(doc["vaultKey"].as_str().unwrap()).unwrap();
    let keys = VaultKeys::derive(&key, &unhex(doc["vaultId"].as_str().unwrap()));
    let rows = doc["rows"].as_array().unwrap();
    let digest_of = |rows: &[&Value], flip: bool| {
        let mut d = VaultDigest::empty();
        for r in rows {
            let h = |k: &str| unhex(r[k].as_str().unwrap());
            let mut ct = h("ciphertext");
            if flip {
                *ct.last_mut().unwrap() ^= 1;
            }
            let (nonce, sealed) = (h("nonce"), Sealed::of);
            match r["table"].as_str().unwrap() {
                "secrets" => d.secret_row(
                    &keys,
                    Change::Add,
                    &h("id"),
                    &h("nameMac"),
                    sealed(&nonce, &ct),
                ),
                "sealed_state" => d.state_row(
                    &keys,
                    Change::Add,
                    r["name"].as_str().unwrap(),
                    sealed(&nonce, &ct),
                ),
                t => panic!("table {t}"),
            }
        }
        d.counter = 7;
        d
    };
    let want = VaultDigest::decode(&unhex(doc["digest"].as_str().unwrap())).unwrap();
    assert_eq!((want.counter, want.secrets, want.states), (7, 3, 1));
    let all: Vec<&Value> = rows.iter().collect();
    assert_eq!(
        hex(&digest_of(&all, false).encode()),
        doc["digest"].as_str().unwrap()
    );
    let reversed: Vec<&Value> = rows.iter().rev().collect();
    assert!(
        digest_of(&reversed, false).same_rows(&want),
        "order does not matter"
    );
    assert!(!digest_of(&all[1..], false).same_rows(&want), "a row fewer");
    assert!(!digest_of(&all, true).same_rows(&want), "a changed tag");
    let other = VaultKeys::derive(&key, b"another vault id");
    let mut d = VaultDigest::empty();
    for r in &all {
        if r["table"] == "secrets" {
            let h = |k: &str| unhex(r[k].as_str().unwrap());
            d.secret_row(
                &other,
                Change::Add,
                &h("id"),
                &h("nameMac"),
                Sealed::of(&h("nonce"), &h("ciphertext")),
            );
        }
    }
    assert!(!d.same_rows(&want), "another key");
}

/// `history-v1.json`: an entry and a snapshot as sealed, and variants that must be refused.
#[test]
fn history_v1_vectors_decode() {
    use coffer_core::history::{Entry, Snapshot};
    let doc: Value =
        serde_json::from_slice(&std::fs::read(path("history-v1.json")).unwrap()).unwrap();
    let entry = Entry::decode(doc["entry"].as_str().unwrap().as_bytes()).unwrap();
    assert_eq!(
        (entry.id, entry.command.as_str(), entry.before, entry.after),
        (42, "import", 2, 1)
    );
    assert_eq!(entry.at.to_string(), "2026-10-14T17:46:40Z");
    let snap = Snapshot::decode(doc["snapshot"].as_str().unwrap().as_bytes()).unwrap();
    let names =
        |v: &[coffer_core::Secret]| v.iter().map(|s| s.name.to_string()).collect::<Vec<_>>();
    assert_eq!(names(&snap.before), ["db-password", "old-token"]);
    assert_eq!(names(&snap.after), ["stripe"]);
    assert!(snap.before[1].disabled);
    assert_eq!(snap.after[0].environments.len(), 2);
    // Written again, the snapshot is the same text: the format is stable.
    assert_eq!(
        &snap.encode()[..],
        doc["snapshot"].as_str().unwrap().as_bytes()
    );
    let negative = doc["negative"].as_array().unwrap();
    assert_eq!(negative.len(), 5);
    for n in negative {
        let refused = if let Some(e) = n["entry"].as_str() {
            Entry::decode(e.as_bytes()).is_err()
        } else {
            Snapshot::decode(n["snapshot"].as_str().unwrap().as_bytes()).is_err()
        };
        assert!(refused, "{}", n["why"]);
    }
}
