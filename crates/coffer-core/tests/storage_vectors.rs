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
        hex(&keys.key_check_value()),
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
