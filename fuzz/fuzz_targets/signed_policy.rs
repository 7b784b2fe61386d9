//! Signed team policies: arbitrary envelopes never verify under a fixed key and never panic.
#![no_main]

use coffer_core::Timestamp;
use coffer_core::policy::{ServerSigningKey, SignedPolicy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(signed) = serde_json::from_slice::<SignedPolicy>(data) else {
        return;
    };
    let key = ServerSigningKey::from_seed(&[9; 32]).public();
    let now = Timestamp::from_unix(1_800_000_000).unwrap();
    assert!(key.verify(&signed, "team", now).is_err());
    assert!(key.verify_release(&signed, "team", "member").is_err());
});
