//! Postman exports: no panics; every item a valid name; with only-secret-type on, the items
//! are a subset of those with it off, and every variable is counted either way.
#![no_main]

use coffer_core::foreign::{Options, postman};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let secret_only = postman::read(data, &Options::default());
    let all = postman::read(
        data,
        &Options {
            only_secret_type: false,
            include_notes: false,
        },
    );
    match (secret_only, all) {
        (Ok(some), Ok(all)) => {
            assert!(some.items.len() <= all.items.len());
            assert_eq!(
                some.items.len() + some.skipped.len(),
                all.items.len() + all.skipped.len()
            );
        }
        (Err(a), Err(b)) => assert_eq!(a, b),
        _ => panic!("the type switch changed whether the file reads"),
    }
});
