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
        sent_reports: vec![],
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

fn report(id: &str) -> coffer_vault::team::PendingReport {
    coffer_vault::team::PendingReport {
        id: id.into(),
        format: coffer_core::policy::ExportKind::Encrypted,
        secret_count: 1,
        policy_revision: 1,
        at: coffer_core::Timestamp::from_unix(0).unwrap(),
        vault_changes: Some(1),
        vault_anchor: None,
    }
}

#[test]
fn a_stale_save_keeps_reports_queued_meanwhile_and_drops_those_it_sent() {
    let dir = tempfile::tempdir().unwrap();
    let loc = VaultLocation::in_dir(dir.path());
    let key = KeySource::File(loc.key_path.clone());
    init(&loc, &key, Default::default()).unwrap();
    let mut first = Vault::open(&loc, &key).unwrap();
    let mut second = Vault::open(&loc, &key).unwrap();
    let mut l = link(1);
    l.pending_reports = vec![report("a")];
    l.audit_head = Some(coffer_api::AuditHead {
        seq: 5,
        hash: "h5".into(),
    });
    save(&mut first, Some(&l)).unwrap();
    // Both processes loaded the link with report "a" queued.
    let mut one = load(&mut first).unwrap().unwrap();
    let mut two = load(&mut second).unwrap().unwrap();
    // The second queues "b" and pins a later audit head.
    two.pending_reports.push(report("b"));
    two.audit_head = Some(coffer_api::AuditHead {
        seq: 9,
        hash: "h9".into(),
    });
    save(&mut second, Some(&two)).unwrap();
    // The first sent "a" and saves what it loaded, minus "a".
    one.pending_reports.clear();
    one.sent_reports.push("a".into());
    save(&mut first, Some(&one)).unwrap();
    let now = load(&mut first).unwrap().unwrap();
    let ids: Vec<&str> = now.pending_reports.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["b"], "b kept, a (sent) gone");
    assert_eq!(
        now.audit_head.unwrap().seq,
        9,
        "the pinned head never goes back"
    );
}
