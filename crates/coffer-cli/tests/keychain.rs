//! `coffer init --key-store keyring`. Default builds have no keychain support; builds with the
//! `keyring` feature use the OS keychain where there is one (not on a headless Linux box, where
//! the command must fail cleanly and create nothing). CI runs this file both ways.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use common::{TestVault, fails_with};

const NO_KEY: i32 = 5;

#[test]
fn init_with_keychain_either_works_end_to_end_or_creates_nothing() {
    let v = TestVault::new();
    let out = v.cmd(&["init", "--key-store", "keyring"]).output().unwrap();
    if out.status.success() {
        // A real keychain: the key file is only a pointer and the vault works.
        let pointer = std::fs::read_to_string(v.key_file()).unwrap();
        assert!(pointer.starts_with("coffer-keyring-1 service=coffer account=vault-"));
        v.set("a", "1");
        assert_eq!(v.get("a"), "1\n");
        return;
    }
    let err = fails_with(&mut v.cmd(&["init", "--key-store", "keyring"]), NO_KEY);
    if cfg!(feature = "keyring") {
        assert!(err.contains("the OS keychain is not available"), "{err}");
    } else {
        assert!(err.contains("built without OS keychain support"), "{err}");
    }
    assert!(err.contains("coffer init"), "{err}");
    assert!(
        !v.db().exists() && !v.key_file().exists(),
        "nothing created"
    );
    // The default still works afterwards.
    v.cmd(&["init"]).assert().success();
}

#[test]
fn a_keychain_pointer_without_a_keychain_is_a_clear_error() {
    let v = TestVault::init();
    std::fs::write(
        v.key_file(),
        "coffer-keyring-1 service=coffer account=vault-0000000000000000\n",
    )
    .unwrap();
    let err = fails_with(&mut v.cmd(&["list"]), NO_KEY);
    assert!(err.contains("keychain"), "{err}");
    std::fs::write(v.key_file(), "coffer-keyring-1 nonsense\n").unwrap();
    let err = fails_with(&mut v.cmd(&["list"]), NO_KEY);
    assert!(err.contains("malformed keychain pointer"), "{err}");
}
