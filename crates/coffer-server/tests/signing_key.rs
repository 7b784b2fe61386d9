//! The server's signing key is sealed in the database under a key from outside it (issue 12): a
//! dump of the database holds no usable seed, another sealing key is refused, a seed an older
//! server stored in clear is sealed at the next start, and PostgreSQL will not start without the
//! sealing key.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use base64::Engine;
use common::{Backend, Store};
use std::process::Command;

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn sqlite() {
                super::$name(super::Backend::Sqlite)
            }
            #[test]
            fn postgres() {
                super::$name(super::Backend::Postgres)
            }
        }
    )*};
}

on_both_backends!(the_signing_key_is_sealed_outside_the_database);

fn stored(store: &Store) -> String {
    store.sql(&["SELECT signing_seed FROM server_identity WHERE id = 1"])[0][0].clone()
}

/// `coffer-server ARGS` on `store` with its usual arguments but `--sealing-key-file` replaced.
fn with_key(store: &Store, key: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let mut base = store.args();
    if let Some(i) = base.iter().position(|a| a == "--sealing-key-file") {
        base.drain(i..i + 2);
    }
    let out = Command::new(env!("CARGO_BIN_EXE_coffer-server"))
        .args(base)
        .arg("--sealing-key-file")
        .arg(key)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).trim().to_string(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn the_signing_key_is_sealed_outside_the_database(backend: Backend) {
    let store = Store::new(backend);
    store.bootstrap("team");
    let fingerprint = store.fingerprint();
    let sealed = stored(&store);
    assert!(sealed.starts_with("sealed-1:"), "{sealed}");
    // Another sealing key opens nothing, and says so.
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.key");
    let (ok, _, _) = with_key(&store, &other, &["keygen", other.to_str().unwrap()]);
    assert!(ok);
    let (ok, _, err) = with_key(&store, &other, &["fingerprint"]);
    assert!(!ok);
    assert!(err.contains("sealed under another key"), "{err}");
    assert_eq!(stored(&store), sealed, "nothing rewritten");
    // keygen never replaces a key file.
    let (ok, _, err) = with_key(&store, &other, &["keygen", other.to_str().unwrap()]);
    assert!(!ok && err.contains("exists"), "{err}");
    // A seed stored in clear by an older server is sealed at the next start.
    let legacy = coffer_core::policy::ServerSigningKey::generate();
    let clear = base64::engine::general_purpose::STANDARD.encode(*legacy.seed());
    store.sql(&[&format!(
        "UPDATE server_identity SET signing_seed = '{clear}' WHERE id = 1"
    )]);
    assert_eq!(store.fingerprint(), legacy.public().fingerprint());
    let now = stored(&store);
    assert!(
        now.starts_with("sealed-1:") && !now.contains(&clear),
        "{now}"
    );
    assert_ne!(store.fingerprint(), fingerprint);
    if let Backend::Postgres = backend {
        // PostgreSQL replicas must be given the key.
        let mut base = store.args();
        let i = base.iter().position(|a| a == "--sealing-key-file").unwrap();
        base.drain(i..i + 2);
        let out = Command::new(env!("CARGO_BIN_EXE_coffer-server"))
            .args(base)
            .arg("fingerprint")
            .env_remove("COFFER_SERVER_KEY")
            .env_remove("COFFER_SERVER_KEY_FILE")
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("coffer-server keygen"), "{err}");
    }
}
