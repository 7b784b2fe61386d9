//! The store's two-thread paths fail like the one-thread ones (issue 13): reading a large vault
//! opens records on two threads, inserting a large batch seals on a second thread; a damaged
//! record or a failing insert anywhere in them is an error and leaves the vault as it was.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use coffer_core::{AllowedDomains, Secret, SecretContent, SecretName, SecretValue, Timestamp};
use coffer_vault::ops::init::init;
use coffer_vault::{KeySource, StoreError, Vault, VaultLocation};

fn secret(i: usize) -> Secret {
    Secret::new(
        SecretName::parse(&format!("s{i}")).unwrap(),
        SecretContent::Value(SecretValue::new(format!("value-{i}")).unwrap()),
        AllowedDomains::any(),
        Timestamp::from_unix(1_800_000_000).unwrap(),
    )
}

fn vault_of(n: usize) -> (tempfile::TempDir, VaultLocation, Vault) {
    let dir = tempfile::tempdir().unwrap();
    let loc = VaultLocation::in_dir(dir.path());
    let key = KeySource::File(loc.key_path.clone());
    init(&loc, &key, Default::default()).unwrap();
    let mut v = Vault::open(&loc, &key).unwrap();
    let secrets: Vec<Secret> = (0..n).map(secret).collect();
    let refs: Vec<&Secret> = secrets.iter().collect();
    v.write(|r| r.insert_new(&refs).map(|_| ())).unwrap();
    (dir, loc, v)
}

/// Flips one byte in the middle of the ciphertext of the row at `position` in storage order.
fn damage(loc: &VaultLocation, position: usize) {
    let conn = rusqlite::Connection::open(&loc.db_path).unwrap();
    let (id, mut ct): (Vec<u8>, Vec<u8>) = conn
        .query_row(
            "SELECT id, ciphertext FROM secrets ORDER BY id LIMIT 1 OFFSET ?1",
            [position as i64],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let mid = ct.len() / 2;
    ct[mid] ^= 0x20;
    conn.execute(
        "UPDATE secrets SET ciphertext = ?1 WHERE id = ?2",
        rusqlite::params![ct, id],
    )
    .unwrap();
}

#[test]
fn a_damaged_record_anywhere_in_a_large_vault_fails_the_read() {
    // 3,000 records: read in chunks of 512, alternately opened by the second thread (the first
    // chunk) and this one (the second), so both are damaged in turn.
    for position in [0, 600, 2_999] {
        let (_dir, loc, mut v) = vault_of(3_000);
        assert_eq!(v.read(|r| r.all()).unwrap().len(), 3_000);
        damage(&loc, position);
        let mut v = Vault::open(&loc, &KeySource::File(loc.key_path.clone())).unwrap();
        assert!(
            matches!(v.read(|r| r.all()), Err(StoreError::Integrity)),
            "row {position}"
        );
        drop(v);
    }
}

#[test]
fn a_failing_insert_in_a_large_batch_writes_nothing() {
    let (_dir, _loc, mut v) = vault_of(10);
    let before = v.read(|r| Ok::<_, StoreError>(r.digest())).unwrap();
    // 2,500 new secrets sealed on the second thread, and one whose name is taken (the UNIQUE
    // name index refuses it, wherever it falls in row-id order).
    let mut batch: Vec<Secret> = (1_000..3_500).map(secret).collect();
    batch.push(secret(3));
    let refs: Vec<&Secret> = batch.iter().collect();
    assert!(v.write(|r| r.insert_new(&refs)).is_err());
    let after = v.read(|r| Ok::<_, StoreError>(r.digest())).unwrap();
    assert_eq!(
        after, before,
        "nothing committed, not even the change counter"
    );
    let all = v.read(|r| r.all()).unwrap();
    assert_eq!(all.len(), 10);
    v.read(|r| r.verify_rows()).unwrap();
}
