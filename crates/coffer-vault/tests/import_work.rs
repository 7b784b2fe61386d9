//! Work an import does, counted rather than timed (issue 13): planning decrypts the vault once;
//! applying checks the vault's change counter instead of decrypting it again. One test in its
//! own binary, because the count is per process.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use coffer_core::{AllowedDomains, Secret, SecretContent, SecretName, SecretValue, Timestamp};
use coffer_vault::ops::import::{Incoming, apply, plan};
use coffer_vault::ops::init::init;
use coffer_vault::store::records_opened;
use coffer_vault::{KeySource, Vault, VaultLocation};

fn secret(i: usize) -> Secret {
    Secret::new(
        SecretName::parse(&format!("s{i}")).unwrap(),
        SecretContent::Value(SecretValue::new(format!("v{i}")).unwrap()),
        AllowedDomains::any(),
        Timestamp::from_unix(1_800_000_000).unwrap(),
    )
}

#[test]
fn an_import_decrypts_the_vault_once() {
    let dir = tempfile::tempdir().unwrap();
    let loc = VaultLocation::in_dir(dir.path());
    let key = KeySource::File(loc.key_path.clone());
    init(&loc, &key, Default::default()).unwrap();
    let mut v = Vault::open(&loc, &key).unwrap();
    let n = 500;
    let first: Vec<Incoming> = (0..n)
        .map(|i| Incoming::new(secret(i), "f".into()))
        .collect();
    let p = plan(&mut v, first.clone(), vec![], false).unwrap();
    apply(&mut v, &p, &[]).unwrap();
    // The same secrets again (identical) and 100 new ones: the plan reads the 500 stored
    // records once; applying decrypts none of them again.
    let mut again = first;
    again.extend((n..n + 100).map(|i| Incoming::new(secret(i), "f".into())));
    let before = records_opened();
    let p = plan(&mut v, again, vec![], false).unwrap();
    let after_plan = records_opened();
    let report = apply(&mut v, &p, &[]).unwrap();
    let after_apply = records_opened();
    assert_eq!(report.identical.len(), n);
    assert_eq!(report.added.len(), 100);
    assert_eq!(
        after_plan - before,
        n as u64,
        "planning decrypts each stored record once"
    );
    assert_eq!(
        after_apply - after_plan,
        0,
        "applying decrypts no stored record"
    );
    // A change between plan and apply is still noticed, by the counter.
    let p = plan(
        &mut v,
        vec![Incoming::new(secret(n + 200), "f".into())],
        vec![],
        false,
    )
    .unwrap();
    let q = plan(
        &mut v,
        vec![Incoming::new(secret(n + 300), "f".into())],
        vec![],
        false,
    )
    .unwrap();
    apply(&mut v, &q, &[]).unwrap();
    assert!(matches!(
        apply(&mut v, &p, &[]),
        Err(coffer_vault::ops::import::ApplyError::Changed)
    ));
}
