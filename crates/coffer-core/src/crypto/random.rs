//! Randomness from the operating system.

/// Fills `buf` from the OS CSPRNG. The OS failing to give randomness is unrecoverable for a
/// secrets tool, so this panics rather than continue with weak bytes.
pub fn fill(buf: &mut [u8]) {
    getrandom::fill(buf).expect("the operating system's random number generator failed");
}

/// `N` random bytes.
pub fn bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    fill(&mut b);
    b
}
