//! 1Password CSV exports: no panics; every item a valid name and a non-empty value; every data
//! row is either a secret or listed.
#![no_main]

use coffer_core::SecretName;
use coffer_core::foreign::onepassword;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = onepassword::read_csv(data) {
        for i in &r.items {
            assert!(SecretName::parse(i.name.as_str()).is_ok());
            assert!(!i.value.expose().is_empty());
        }
    }
});
