//! Bitwarden exports: no panics; hostile KDF parameters refused before any work; a protected
//! file with the cheapest KDF is opened (with a fixed password) without panicking; every item a
//! valid name.
#![no_main]

use coffer_core::SecretName;
use coffer_core::foreign::bitwarden::{self, Opened, crypto::Kdf};
use coffer_core::foreign::{Options, Read};
use libfuzzer_sys::fuzz_target;
use secrecy::SecretString;

fn check(r: &Read) {
    for i in &r.items {
        assert!(SecretName::parse(i.name.as_str()).is_ok());
        assert!(!i.value.expose().is_empty());
    }
}

fuzz_target!(|data: &[u8]| {
    match bitwarden::open(data, &Options::default()) {
        Ok(Opened::Plain(r)) => check(&r),
        Ok(Opened::Locked(l)) => {
            // Only the floor of PBKDF2 is cheap enough to run per input.
            if l.kdf() == (Kdf::Pbkdf2 { iterations: 5_000 }) {
                if let Ok(r) = l.unlock(&SecretString::from("fuzz"), &Options::default()) {
                    check(&r);
                }
            }
        }
        Err(_) => {}
    }
});
