//! The time the server signs policies and releases with.
//!
//! The system clock, except in debug builds (the builds tests run), where `COFFER_TEST_CLOCK`
//! may name a file holding Unix seconds, read at every use: a test moves the server's time (and
//! the CLI's, which reads the same variable) by rewriting the file. Release builds do not contain
//! this code and ignore the variable. (The vault's twin is `coffer_vault::clock`; the server does
//! not depend on the vault crate.)

use coffer_core::Timestamp;

/// Now.
pub fn now() -> Timestamp {
    #[cfg(debug_assertions)]
    if let Some(path) = std::env::var_os("COFFER_TEST_CLOCK") {
        let text = std::fs::read_to_string(&path).expect("COFFER_TEST_CLOCK names a readable file");
        let secs: i64 = text.trim().parse().expect("it holds Unix seconds");
        return Timestamp::from_unix(secs).expect("a time in range");
    }
    Timestamp::now()
}
