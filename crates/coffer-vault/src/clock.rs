//! The time vault operations use.
//!
//! The system clock, except in debug builds (the builds tests run), where `COFFER_TEST_CLOCK`
//! may name a file holding Unix seconds: every reading comes from that file, so a test can move
//! time (a policy's expiry, a release) by rewriting it instead of sleeping. Release builds do not
//! contain this code and ignore the variable.

use coffer_core::Timestamp;

/// Now.
pub fn now() -> Timestamp {
    #[cfg(debug_assertions)]
    if let Some(path) = std::env::var_os("COFFER_TEST_CLOCK") {
        return injected(std::path::Path::new(&path));
    }
    Timestamp::now()
}

/// The time in a test clock file (tests only: a broken test clock is a broken test).
#[cfg(debug_assertions)]
fn injected(path: &std::path::Path) -> Timestamp {
    let text = std::fs::read_to_string(path).expect("COFFER_TEST_CLOCK names a readable file");
    let secs: i64 = text
        .trim()
        .parse()
        .expect("the COFFER_TEST_CLOCK file holds Unix seconds");
    Timestamp::from_unix(secs).expect("the COFFER_TEST_CLOCK time is in range")
}
