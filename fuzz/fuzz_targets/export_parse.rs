//! Export files: detection, header checks, and decryption attempts must never panic, and must
//! never accept KDF parameters outside the bounds.
#![no_main]

use coffer_core::export::{Parsed, kdf, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match parse(data) {
        Ok(Parsed::Encrypted(e)) => {
            let p = e.params();
            assert!(p.check().is_ok());
            // Decrypt only at the cheapest cost, to keep the fuzzer fast.
            if p.memory_kib == kdf::MIN_MEMORY_KIB && p.passes == 1 && p.lanes == 1 {
                let _ = e.decrypt(&secrecy::SecretString::from("fuzz-password-123"));
            }
        }
        Ok(Parsed::Plaintext(doc)) => {
            // Whatever parses re-encodes and parses back to the same secrets.
            let again = coffer_core::export::encode_plaintext(&doc);
            match parse(&again) {
                Ok(Parsed::Plaintext(back)) => assert_eq!(back.secrets, doc.secrets),
                _ => panic!("a parsed export does not round-trip"),
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
