//! The vault digest binds the set of stored rows: someone with write access to `vault.db` but
//! not the key cannot delete a row, put back an older copy of one, swap two or delete the team
//! link without the next full read (`list`, `export`, `import`, `verify`) or team check saying
//! so (`docs/storage.md`, "Vault digest").
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use coffer_core::{SecretContent, SecretName, SecretValue};
use coffer_vault::ops::init::init;
use coffer_vault::ops::set::{DomainChange, SetRequest, set};
use coffer_vault::ops::{get::get, list::list, verify};
use coffer_vault::store::StoreError;
use coffer_vault::{KeySource, Vault, VaultLocation, team};
use rusqlite::Connection;

struct Fixture {
    _dir: tempfile::TempDir,
    loc: VaultLocation,
    key: KeySource,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let loc = VaultLocation::in_dir(dir.path());
        let key = KeySource::File(loc.key_path.clone());
        init(&loc, &key, Default::default()).unwrap();
        Self {
            _dir: dir,
            loc,
            key,
        }
    }

    fn vault(&self) -> Vault {
        Vault::open(&self.loc, &self.key).unwrap()
    }

    fn set(&self, name: &str, value: &str) {
        set(
            &mut self.vault(),
            SetRequest {
                name: SecretName::parse(name).unwrap(),
                content: SecretContent::Value(SecretValue::new(value.to_string()).unwrap()),
                domains: DomainChange::Keep,
                environment: None,
            },
        )
        .unwrap();
    }

    /// The database, opened behind Coffer's back (as someone without the key would).
    fn raw(&self) -> Connection {
        Connection::open(&self.loc.db_path).unwrap()
    }

    fn row(&self, id: &[u8]) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
        self.raw()
            .query_row(
                "SELECT name_mac, nonce, ciphertext FROM secrets WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap()
    }

    fn ids(&self) -> Vec<Vec<u8>> {
        let c = self.raw();
        let mut s = c.prepare("SELECT id FROM secrets ORDER BY id").unwrap();
        s.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    fn verify(&self) -> Result<verify::VerifyReport, verify::VerifyError> {
        verify::verify(&mut self.vault())
    }

    fn assert_inconsistent(&self, what: &str) {
        let listed = list(&mut self.vault()).map(|l| l.len());
        assert!(
            matches!(
                listed,
                Err(coffer_vault::ops::list::ListError::Store(
                    StoreError::Inconsistent
                ))
            ),
            "{what}: list gave {listed:?}"
        );
        let verified = self.verify();
        assert!(
            matches!(
                verified,
                Err(verify::VerifyError::Store(StoreError::Inconsistent))
            ),
            "{what}: verify gave {verified:?}"
        );
    }
}

fn value(v: &mut Vault, name: &str) -> String {
    match get(v, &SecretName::parse(name).unwrap()).unwrap().content {
        SecretContent::Value(val) => val.expose().to_string(),
        SecretContent::Link(_) => panic!("{name} is a value"),
    }
}

#[test]
fn every_change_keeps_the_digest_in_step_and_counts() {
    let f = Fixture::new();
    let start = f.verify().unwrap();
    assert_eq!((start.secrets, start.states, start.changes), (0, 0, 0));
    f.set("a", "1");
    f.set("b", "2");
    f.set("a", "3");
    let mut v = f.vault();
    coffer_vault::ops::rename::rename(
        &mut v,
        &SecretName::parse("b").unwrap(),
        &SecretName::parse("c").unwrap(),
    )
    .unwrap();
    v.update_sealed_state("connection:test", |_| Some(b"x".to_vec().into()))
        .unwrap();
    let r = f.verify().unwrap();
    // States: the connection, and the rename's history entry and snapshot.
    assert_eq!((r.secrets, r.states, r.changes), (2, 3, 5));
    coffer_vault::ops::remove::remove(&mut v, &SecretName::parse("c").unwrap(), None).unwrap();
    v.delete_sealed_states("connection:").unwrap();
    coffer_vault::ops::clear::clear(&mut v).unwrap();
    let r = f.verify().unwrap();
    // The connection went; rm and clear added two history entries each.
    assert_eq!((r.secrets, r.states, r.changes), (0, 6, 8));
    coffer_vault::ops::history::purge(&mut v).unwrap();
    let r = f.verify().unwrap();
    assert_eq!((r.secrets, r.states, r.changes), (0, 0, 9));
}

#[test]
fn an_older_copy_of_one_record_is_reported_by_full_reads_not_by_get() {
    let f = Fixture::new();
    f.set("stripe", "sk_old");
    let id = f.ids().remove(0);
    f.set("other", "x");
    let old = f.row(&id);
    f.set("stripe", "sk_rotated");
    f.raw()
        .execute(
            "UPDATE secrets SET name_mac = ?2, nonce = ?3, ciphertext = ?4 WHERE id = ?1",
            rusqlite::params![id, old.0, old.1, old.2],
        )
        .unwrap();
    // The old record authenticates on its own: `get` (which reads one record) returns it.
    assert_eq!(value(&mut f.vault(), "stripe"), "sk_old");
    f.assert_inconsistent("rolled back record");
    // Later writes do not wash the mismatch out.
    f.set("third", "y");
    f.assert_inconsistent("rolled back record, then a write");
}

#[test]
fn a_deleted_row_is_reported() {
    let f = Fixture::new();
    f.set("a", "1");
    f.set("b", "2");
    let id = f.ids().remove(0);
    f.raw()
        .execute("DELETE FROM secrets WHERE id = ?1", [id])
        .unwrap();
    f.assert_inconsistent("deleted row");
    // `clear` reads the whole vault (for the history) and so refuses too.
    let err = coffer_vault::ops::clear::clear(&mut f.vault()).unwrap_err();
    assert!(
        matches!(
            err,
            coffer_vault::ops::clear::ClearError::Store(StoreError::Inconsistent)
        ),
        "{err:?}"
    );
}

#[test]
fn swapped_rows_are_reported() {
    let f = Fixture::new();
    f.set("a", "1");
    f.set("b", "2");
    let ids = f.ids();
    let (ra, rb) = (f.row(&ids[0]), f.row(&ids[1]));
    let c = f.raw();
    c.execute("DELETE FROM secrets", []).unwrap();
    for (id, (mac, nonce, ct)) in [(&ids[0], &rb), (&ids[1], &ra)] {
        c.execute(
            "INSERT INTO secrets (id, name_mac, nonce, ciphertext) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![id, mac, nonce, ct],
        )
        .unwrap();
    }
    // Each record is bound to its row id: moved, it no longer opens.
    let err = list(&mut f.vault()).unwrap_err();
    assert!(
        matches!(
            err,
            coffer_vault::ops::list::ListError::Store(StoreError::Integrity)
        ),
        "{err:?}"
    );
    assert!(f.verify().is_err());
}

#[test]
fn deleting_the_team_link_does_not_free_the_vault_from_its_team() {
    let f = Fixture::new();
    let mut v = f.vault();
    v.update_sealed_state("team", |_| Some(b"{}".to_vec().into()))
        .unwrap();
    f.raw()
        .execute("DELETE FROM sealed_state WHERE name = 'team'", [])
        .unwrap();
    let err = team::load(&mut f.vault()).unwrap_err();
    assert!(matches!(err, StoreError::Inconsistent), "{err:?}");
    f.assert_inconsistent("team link deleted");
}

#[test]
fn deleting_or_replacing_the_digest_stops_every_command() {
    let f = Fixture::new();
    f.set("a", "1");
    let digest = |c: &Connection| -> (Vec<u8>, Vec<u8>) {
        c.query_row(
            "SELECT nonce, ciphertext FROM sealed_state WHERE name = 'vault-digest'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    };
    let before = digest(&f.raw());
    f.set("b", "2");
    // An older digest (the rows it described are gone): the rows no longer match.
    f.raw()
        .execute(
            "UPDATE sealed_state SET nonce = ?1, ciphertext = ?2 WHERE name = 'vault-digest'",
            rusqlite::params![before.0, before.1],
        )
        .unwrap();
    f.assert_inconsistent("older digest");
    f.raw()
        .execute("DELETE FROM sealed_state WHERE name = 'vault-digest'", [])
        .unwrap();
    let err = get(&mut f.vault(), &SecretName::parse("a").unwrap()).unwrap_err();
    assert!(
        matches!(
            err,
            coffer_vault::ops::get::GetError::Store(StoreError::Inconsistent)
        ),
        "{err:?}"
    );
}

#[test]
fn the_key_holder_can_accept_the_rows_as_they_are() {
    let f = Fixture::new();
    f.set("a", "1");
    f.set("b", "2");
    let before = f.verify().unwrap().changes;
    let id = f.ids().remove(0);
    f.raw()
        .execute("DELETE FROM secrets WHERE id = ?1", [id])
        .unwrap();
    f.assert_inconsistent("deleted row");
    let accepted = verify::accept(&mut f.vault()).unwrap();
    assert_eq!((accepted.secrets, accepted.changes), (1, before + 1));
    assert_eq!(list(&mut f.vault()).unwrap().len(), 1);
    // A record that does not authenticate is not accepted.
    f.raw()
        .execute(
            "UPDATE secrets SET ciphertext = x'00112233445566778899aabbccddeeff00'",
            [],
        )
        .unwrap();
    assert!(verify::accept(&mut f.vault()).is_err());
}

#[test]
fn an_older_copy_of_the_whole_file_is_consistent_but_has_a_lower_counter() {
    // Documented limit: without an outside anchor, a whole older file is a valid vault. Its
    // change counter is what an anchor compares.
    let f = Fixture::new();
    f.set("a", "1");
    let old = std::fs::read(&f.loc.db_path).unwrap();
    let old_changes = f.verify().unwrap().changes;
    f.set("a", "2");
    let new_changes = f.verify().unwrap().changes;
    drop(f.raw().execute_batch("PRAGMA wal_checkpoint(TRUNCATE)"));
    std::fs::write(&f.loc.db_path, old).unwrap();
    let r = f.verify().unwrap();
    assert_eq!(r.changes, old_changes);
    assert!(r.changes < new_changes);
    assert_eq!(value(&mut f.vault(), "a"), "1");
}

#[test]
fn setting_the_schema_version_back_does_not_get_the_rows_taken_as_they_are() {
    // Someone without the key deletes a row and marks the file as older than the digest, so
    // that the migration would compute a fresh digest over what is left.
    let f = Fixture::new();
    f.set("a", "1");
    f.set("b", "2");
    let id = f.ids().remove(0);
    let c = f.raw();
    c.execute("DELETE FROM secrets WHERE id = ?1", [id])
        .unwrap();
    c.pragma_update(None, "user_version", 3).unwrap();
    drop(c);
    let err = Vault::open(&f.loc, &f.key).unwrap_err();
    assert_eq!(
        coffer_vault::Classify::kind(&err),
        coffer_vault::ErrorKind::Inconsistent,
        "{err:?}"
    );
    // Nothing was migrated: the file still says version 3.
    let v: i64 = f
        .raw()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(v, 3);
}

#[test]
fn a_trigger_or_view_put_in_the_file_is_refused() {
    for sql in [
        "CREATE TRIGGER keep_old BEFORE UPDATE ON secrets BEGIN SELECT RAISE(IGNORE); END",
        "CREATE VIEW v AS SELECT id FROM secrets",
    ] {
        let f = Fixture::new();
        f.set("a", "1");
        f.raw().execute_batch(sql).unwrap();
        let err = Vault::open(&f.loc, &f.key).unwrap_err();
        assert_eq!(
            coffer_vault::Classify::kind(&err),
            coffer_vault::ErrorKind::Integrity,
            "{sql}: {err:?}"
        );
    }
}
