//! The vault's own sealed-state formats (`docs/storage.md`): history entries, history snapshots
//! and the vault digest never panic on arbitrary plaintext, and whatever they accept writes
//! back to something they read the same.
#![no_main]

use coffer_core::digest::VaultDigest;
use coffer_core::history::{Entry, Snapshot};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(e) = Entry::decode(data) {
        assert_eq!(Entry::decode(&e.encode()).unwrap(), e);
    }
    if let Ok(s) = Snapshot::decode(data) {
        assert_eq!(Snapshot::decode(&s.encode()).unwrap(), s);
    }
    if let Ok(d) = VaultDigest::decode(data) {
        assert_eq!(&d.encode()[..], data);
    }
});
