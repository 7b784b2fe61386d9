//! Stored records: arbitrary bytes under a fixed key never open and never panic.
#![no_main]

use coffer_core::crypto::{VaultKey, VaultKeys};
use coffer_core::record::{self, SealedRecord};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let keys = VaultKeys::derive(&VaultKey::from_bytes(&[7; 32]), b"fuzz-vault");
    if data.len() < 56 {
        return;
    }
    let (mac, rest) = data.split_at(32);
    let (nonce, ct) = rest.split_at(24);
    let sealed = SealedRecord {
        name_mac: mac.try_into().unwrap(),
        nonce: nonce.to_vec(),
        ciphertext: ct.to_vec(),
    };
    assert!(record::open(&keys, b"fuzz-vault", b"row", &sealed).is_err());
});
