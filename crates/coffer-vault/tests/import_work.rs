//! Work an import does, counted rather than timed (issue 13): records decrypted and SQL
//! statements run, both counted per process (so every test here holds `SERIAL`).
//!
//! - Planning opens only the stored records that share a name with an incoming secret: none
//!   for an import disjoint from the vault, each colliding one once otherwise; applying opens
//!   none (the vault's change counter tells whether the plan still holds).
//! - SQL statements grow by a constant per imported secret: importing twice as many secrets
//!   runs exactly that many more statements per secret, whatever the vault holds.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use coffer_core::{AllowedDomains, Secret, SecretContent, SecretName, SecretValue, Timestamp};
use coffer_vault::ops::import::{ApplyError, Incoming, Resolution, apply, plan};
use coffer_vault::ops::init::init;
use coffer_vault::store::{records_opened, statements_run};
use coffer_vault::{KeySource, Vault, VaultLocation};
use std::sync::Mutex;

static SERIAL: Mutex<()> = Mutex::new(());

fn secret(i: usize, value: &str) -> Secret {
    Secret::new(
        SecretName::parse(&format!("s{i}")).unwrap(),
        SecretContent::Value(SecretValue::new(format!("{value}{i}")).unwrap()),
        AllowedDomains::any(),
        Timestamp::from_unix(1_800_000_000).unwrap(),
    )
}

fn incoming(range: std::ops::Range<usize>, value: &str) -> Vec<Incoming> {
    range
        .map(|i| Incoming::new(secret(i, value), "f".into()))
        .collect()
}

fn vault() -> (tempfile::TempDir, Vault) {
    let dir = tempfile::tempdir().unwrap();
    let loc = VaultLocation::in_dir(dir.path());
    let key = KeySource::File(loc.key_path.clone());
    init(&loc, &key, Default::default()).unwrap();
    let v = Vault::open(&loc, &key).unwrap();
    (dir, v)
}

/// A vault holding `s0`..`s{n}` with values `v0`...
fn vault_of(n: usize) -> (tempfile::TempDir, Vault) {
    let (dir, mut v) = vault();
    let p = plan(&mut v, incoming(0..n, "v"), vec![], false).unwrap();
    apply(&mut v, &p, &[]).unwrap();
    (dir, v)
}

/// Records opened by planning and by applying `items` with `decision` for every duplicate.
fn opened(v: &mut Vault, items: Vec<Incoming>, decision: Resolution) -> (u64, u64) {
    let before = records_opened();
    let p = plan(v, items, vec![], false).unwrap();
    let after_plan = records_opened();
    let decisions = vec![decision; p.duplicates().count()];
    apply(v, &p, &decisions).unwrap();
    (after_plan - before, records_opened() - after_plan)
}

#[test]
fn planning_opens_only_colliding_records_and_applying_none() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let n = 500;
    let (_dir, mut v) = vault_of(n);
    // Disjoint from the vault: nothing is decrypted at all.
    assert_eq!(
        opened(&mut v, incoming(n..n + 300, "v"), Resolution::Skip),
        (0, 0)
    );
    // The first 500 again (identical) and 100 new ones: each stored record with an incoming
    // name is opened once by the plan; the 300 added above are not opened.
    assert_eq!(
        opened(&mut v, incoming(0..n + 400, "v"), Resolution::Skip),
        (n as u64 + 300, 0)
    );
    // Replacing 200: the plan opens those 200, applying (which records them for undo) none.
    assert_eq!(
        opened(&mut v, incoming(0..200, "w"), Resolution::Replace),
        (200, 0)
    );
    // A few names beside a large vault are looked up one by one: the same counts.
    assert_eq!(
        opened(&mut v, incoming(5000..5010, "v"), Resolution::Skip),
        (0, 0)
    );
    assert_eq!(
        opened(&mut v, incoming(300..310, "v"), Resolution::Skip),
        (10, 0)
    );
    // Keeping both: a lookup per candidate copy name, nothing else.
    assert_eq!(
        opened(&mut v, incoming(0..10, "x"), Resolution::KeepBoth),
        (10, 0)
    );
}

#[test]
fn an_import_that_writes_nothing_is_no_change() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (_dir, mut v) = vault_of(10);
    let pending = plan(&mut v, incoming(100..101, "v"), vec![], false).unwrap();
    // Every secret identical, then every duplicate skipped: nothing written, so the plan made
    // before is still current.
    let same = plan(&mut v, incoming(0..10, "v"), vec![], false).unwrap();
    let report = apply(&mut v, &same, &[]).unwrap();
    assert_eq!(report.identical.len(), 10);
    let skipped = plan(&mut v, incoming(0..10, "w"), vec![], false).unwrap();
    apply(&mut v, &skipped, &[Resolution::Skip; 10]).unwrap();
    assert_eq!(apply(&mut v, &pending, &[]).unwrap().added.len(), 1);
}

#[test]
fn a_change_between_plan_and_apply_is_noticed() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (_dir, mut v) = vault_of(10);
    let p = plan(&mut v, incoming(100..101, "v"), vec![], false).unwrap();
    let q = plan(&mut v, incoming(200..201, "v"), vec![], false).unwrap();
    apply(&mut v, &q, &[]).unwrap();
    assert!(matches!(apply(&mut v, &p, &[]), Err(ApplyError::Changed)));
}

/// Statements run by planning and applying `items` into `v`, every duplicate replaced.
fn statements(v: &mut Vault, items: Vec<Incoming>) -> u64 {
    let before = statements_run();
    let p = plan(v, items, vec![], false).unwrap();
    let decisions = vec![Resolution::Replace; p.duplicates().count()];
    apply(v, &p, &decisions).unwrap();
    statements_run() - before
}

#[test]
#[cfg_attr(
    not(debug_assertions),
    ignore = "statements are counted in debug builds only"
)]
fn statements_per_imported_secret_are_constant() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // (what, vault size, incoming range, values, statements per incoming secret). A vault
    // eight times the import or larger is probed name by name; a smaller one is read once.
    type Case = (
        &'static str,
        usize,
        fn(usize) -> std::ops::Range<usize>,
        &'static str,
        u64,
    );
    let cases: [Case; 7] = [
        // One INSERT each.
        ("into an empty vault", 0, |k| 0..k, "v", 1),
        // The vault read once, then one INSERT each.
        (
            "disjoint from a small vault",
            50,
            |k| 1000..1000 + k,
            "v",
            1,
        ),
        // One index lookup and one INSERT each.
        (
            "disjoint from a large vault",
            4000,
            |k| 5000..5000 + k,
            "v",
            2,
        ),
        // The vault read once; nothing written.
        ("identical, small vault", 600, |k| 0..k, "v", 0),
        // One lookup each; nothing written.
        ("identical, large vault", 4000, |k| 0..k, "v", 1),
        // The vault read once, then the old row's digest parts and its UPDATE.
        ("replacing, small vault", 600, |k| 0..k, "w", 2),
        // One lookup, then the old row's digest parts and its UPDATE.
        ("replacing, large vault", 4000, |k| 0..k, "w", 3),
    ];
    for (what, size, range, value, per) in cases {
        let mut runs = [0u64; 2];
        for (run, k) in runs.iter_mut().zip([200, 400]) {
            let (_dir, mut v) = vault_of(size);
            *run = statements(&mut v, incoming(range(k), value));
        }
        assert!(runs[0] > 0, "statements are counted");
        assert_eq!(
            runs[1] - runs[0],
            200 * per,
            "{what}: {per} statements per incoming secret (200 secrets: {}, 400: {})",
            runs[0],
            runs[1]
        );
    }
}
