//! KeePassXC CSV exports: no panics; every item a valid name and a non-empty value.
#![no_main]

use coffer_core::SecretName;
use coffer_core::foreign::keepass;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = coffer_core::foreign::detect(data);
    if let Ok(r) = keepass::read_csv(data) {
        for i in &r.items {
            assert!(SecretName::parse(i.name.as_str()).is_ok());
            assert!(!i.value.expose().is_empty());
        }
    }
});
