//! The team link is updated in one transaction: two `coffer` processes saving it one after the
//! other cannot move the highest policy revision seen back down.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use coffer_core::policy::{Role, SignedPolicy};
use coffer_vault::ops::init::init;
use coffer_vault::team::{TeamLink, load, save};
use coffer_vault::{KeySource, Vault, VaultLocation};

fn link(revision: i64) -> TeamLink {
    TeamLink {
        server_url: "http://127.0.0.1:9".into(),
        team_id: "t1".into(),
        team_name: "Acme".into(),
        member_id: "m1".into(),
        member_name: "bob".into(),
        role: Role::Member,
        server_key: "AAAA".into(),
        token: Some("cft_x_y".to_string().into()),
        policy: Some(SignedPolicy {
            payload: format!("revision-{revision}"),
            signature: "s".into(),
        }),
        max_revision: revision,
        release: None,
        pending_reports: vec![],
        ca_pem: None,
        audit_head: None,
    }
}

#[test]
fn a_stale_save_does_not_lower_the_highest_revision() {
    let dir = tempfile::tempdir().unwrap();
    let loc = VaultLocation::in_dir(dir.path());
    let key = KeySource::File(loc.key_path.clone());
    init(&loc, &key, Default::default()).unwrap();
    let mut first = Vault::open(&loc, &key).unwrap();
    let mut second = Vault::open(&loc, &key).unwrap();
    save(&mut first, Some(&link(1))).unwrap();
    // Both processes loaded revision 1; the first takes revision 5, the second (stale) saves 3.
    save(&mut first, Some(&link(5))).unwrap();
    save(&mut second, Some(&link(3))).unwrap();
    let now = load(&mut first).unwrap().unwrap();
    assert_eq!(now.max_revision, 5);
    assert_eq!(now.policy.unwrap().payload, "revision-5");
    // Leaving the team still removes the link.
    save(&mut second, None).unwrap();
    assert!(load(&mut first).unwrap().is_none());
}
