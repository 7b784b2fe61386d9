//! The vault file as an attacker or a crash sees it: no clear text, tampering detected,
//! concurrent writers never lose a write.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use common::{TestVault, fails_with};
use rusqlite::Connection;

const INTEGRITY: i32 = 7;

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn sqlite_file_holds_no_name_value_or_domain_in_clear() {
    let v = TestVault::init();
    v.cmd(&[
        "set",
        "zz-stripe-live-name",
        "--allowed-domains",
        "billing.zz-example-domain.com",
    ])
    .write_stdin("sk_live_ZZ_VALUE_0123456789")
    .assert()
    .success();
    v.set("zz-second-name", "second-ZZ-value");
    let needles: [&[u8]; 5] = [
        b"zz-stripe-live-name",
        b"zz-second-name",
        b"sk_live_ZZ_VALUE",
        b"second-ZZ-value",
        b"zz-example-domain",
    ];
    // Raw bytes of the database and any WAL/SHM beside it.
    let mut files = 0;
    for entry in std::fs::read_dir(v.home()).unwrap() {
        let p = entry.unwrap().path();
        if p.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("vault.db")
        {
            files += 1;
            let bytes = std::fs::read(&p).unwrap();
            for n in needles {
                assert!(
                    !contains(&bytes, n),
                    "{} holds {}",
                    p.display(),
                    String::from_utf8_lossy(n)
                );
            }
        }
    }
    assert!(files >= 1);
    // Every cell of every table, as SQLite returns it.
    let conn = Connection::open(v.db()).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(tables.contains(&"secrets".to_string()));
    let mut cells = 0;
    for t in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
        let n = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for i in 0..n {
                let bytes: Vec<u8> = match row.get_ref(i).unwrap() {
                    rusqlite::types::ValueRef::Text(b) | rusqlite::types::ValueRef::Blob(b) => {
                        b.to_vec()
                    }
                    other => format!("{other:?}").into_bytes(),
                };
                cells += 1;
                for n in needles {
                    assert!(
                        !contains(&bytes, n),
                        "table {t} holds {}",
                        String::from_utf8_lossy(n)
                    );
                }
            }
        }
    }
    assert!(cells >= 8, "the scan saw the records ({cells} cells)");
}

type Row = (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>);

fn rows(v: &TestVault) -> Vec<Row> {
    let conn = Connection::open(v.db()).unwrap();
    let mut stmt = conn
        .prepare("SELECT id, name_mac, nonce, ciphertext FROM secrets ORDER BY id")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn write_row(v: &TestVault, id: &[u8], col: &str, bytes: &[u8]) {
    let conn = Connection::open(v.db()).unwrap();
    let n = conn
        .execute(
            &format!("UPDATE secrets SET {col} = ?1 WHERE id = ?2"),
            rusqlite::params![bytes, id],
        )
        .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn a_flipped_byte_in_a_record_is_an_integrity_error() {
    let v = TestVault::init();
    v.set("a", "value-a");
    let (id, _, nonce, ct) = rows(&v).remove(0);
    for (col, original) in [("ciphertext", &ct), ("nonce", &nonce)] {
        for at in [0, original.len() / 2, original.len() - 1] {
            let mut bad = original.clone();
            bad[at] ^= 0x01;
            write_row(&v, &id, col, &bad);
            let err = fails_with(&mut v.cmd(&["get", "a"]), INTEGRITY);
            assert!(err.contains("integrity"), "{err}");
            fails_with(&mut v.cmd(&["list"]), INTEGRITY);
            write_row(&v, &id, col, original);
        }
    }
    assert_eq!(v.get("a"), "value-a\n", "restored bytes open again");
}

#[test]
fn records_cannot_be_swapped_between_names() {
    let v = TestVault::init();
    v.set("a", "value-a");
    v.set("b", "value-b");
    let r = rows(&v);
    let (id0, _, n0, c0) = &r[0];
    let (_, _, n1, c1) = &r[1];
    // Move row 1's sealed content into row 0, keeping row 0's name MAC.
    write_row(&v, id0, "nonce", n1);
    write_row(&v, id0, "ciphertext", c1);
    fails_with(&mut v.cmd(&["list"]), INTEGRITY);
    // Put it back: the other record was never affected.
    write_row(&v, id0, "nonce", n0);
    write_row(&v, id0, "ciphertext", c0);
    assert_eq!(v.get("a"), "value-a\n");
    assert_eq!(v.get("b"), "value-b\n");
}

#[test]
fn two_processes_writing_200_secrets_each_lose_nothing() {
    let v = std::sync::Arc::new(TestVault::init());
    let writers: Vec<_> = ["p", "q"]
        .into_iter()
        .map(|prefix| {
            let v = v.clone();
            std::thread::spawn(move || {
                // Each thread is a stream of `coffer set` processes; the two streams contend
                // for the database for the whole run.
                for i in 0..200 {
                    v.cmd(&["set", &format!("{prefix}{i}")])
                        .write_stdin(format!("{prefix}-value-{i}"))
                        .assert()
                        .success();
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    let out = v.cmd(&["list", "--json"]).output().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: std::collections::BTreeSet<String> = doc["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names.len(), 400);
    for (prefix, i) in [("p", 0), ("q", 199), ("p", 137)] {
        assert_eq!(
            v.get(&format!("{prefix}{i}")),
            format!("{prefix}-value-{i}\n")
        );
    }
}
