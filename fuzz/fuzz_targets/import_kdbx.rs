//! KeePass databases: Coffer's header reader never panics and refuses KDF parameters out of
//! bounds before any work; a database whose KDF is cheap enough is opened (with a fixed password)
//! without panicking, every item a valid name.
#![no_main]

use coffer_core::SecretName;
use coffer_core::foreign::keepass::kdbx::{self, Kdf};
use libfuzzer_sys::fuzz_target;
use secrecy::SecretString;

fuzz_target!(|data: &[u8]| {
    let Ok(locked) = kdbx::open(data) else {
        return;
    };
    match locked.kdf {
        Kdf::Aes { rounds } => assert!(rounds <= kdbx::MAX_AES_ROUNDS),
        Kdf::Argon2 {
            memory,
            iterations,
            lanes,
            ..
        } => assert!(
            memory <= kdbx::MAX_ARGON2_MEMORY
                && iterations <= kdbx::MAX_ARGON2_ITERATIONS
                && lanes <= kdbx::MAX_ARGON2_LANES
        ),
    }
    let cheap = match locked.kdf {
        Kdf::Aes { rounds } => rounds <= 1_000,
        Kdf::Argon2 {
            memory, iterations, ..
        } => memory <= 1 << 20 && iterations <= 2,
    };
    if cheap {
        if let Ok(r) = locked.unlock(Some(&SecretString::from("fuzz")), None) {
            for i in &r.items {
                assert!(SecretName::parse(i.name.as_str()).is_ok());
            }
        }
    }
});
