//! Buffers for secret bytes that never leave copies behind: sized up front, or grown by moving
//! into a new buffer while the old one is zeroed (a plain `Vec` reallocation would free the old
//! copy without wiping it).

use serde::Serialize;
use std::io::{self, Read, Write};
use zeroize::Zeroizing;

struct Counter(usize);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Serialises `value` as JSON into a buffer of exactly the right size, zeroed on drop.
pub fn json<T: Serialize + ?Sized>(value: &T, pretty: bool, extra: usize) -> Zeroizing<Vec<u8>> {
    fn write<T: Serialize + ?Sized, W: Write>(w: W, v: &T, pretty: bool) {
        let r = if pretty {
            serde_json::to_writer_pretty(w, v)
        } else {
            serde_json::to_writer(w, v)
        };
        r.expect("serialising to memory cannot fail");
    }
    let mut count = Counter(0);
    write(&mut count, value, pretty);
    let mut out = Zeroizing::new(Vec::with_capacity(count.0 + extra));
    write(&mut *out, value, pretty);
    out
}

/// A growable buffer for secret bytes: when it must grow, its content moves into a buffer twice
/// as large and the old one is zeroed (a plain `Vec` reallocation would free it unwiped).
pub struct SecretBuf(Zeroizing<Vec<u8>>);

impl SecretBuf {
    /// An empty buffer with room for `capacity` bytes.
    pub fn with_capacity(capacity: usize) -> Self {
        Self(Zeroizing::new(Vec::with_capacity(capacity)))
    }

    /// Makes room for `more` bytes.
    pub fn reserve(&mut self, more: usize) {
        let need = self.0.len() + more;
        if need > self.0.capacity() {
            let mut bigger = Zeroizing::new(Vec::with_capacity(need.max(self.0.capacity() * 2)));
            bigger.extend_from_slice(&self.0);
            self.0 = bigger; // the old buffer is zeroed as it drops
        }
    }

    /// Appends `bytes`.
    pub fn extend(&mut self, bytes: &[u8]) {
        self.reserve(bytes.len());
        self.0.extend_from_slice(bytes);
    }

    /// The bytes.
    pub fn into_inner(self) -> Zeroizing<Vec<u8>> {
        self.0
    }
}

impl Write for SecretBuf {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.extend(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// `prefix` followed by `value` as compact JSON, serialised once into a buffer of `hint` bytes
/// (grown without leaving copies if the guess was short).
pub fn json_after<T: Serialize + ?Sized>(
    prefix: &[u8],
    value: &T,
    hint: usize,
) -> Zeroizing<Vec<u8>> {
    let mut out = SecretBuf::with_capacity(hint.max(prefix.len() + 2));
    out.extend(prefix);
    serde_json::to_writer(&mut out, value).expect("serialising to memory cannot fail");
    out.into_inner()
}

/// Reads at most `limit + 1` bytes (so the caller can tell "over the limit"), growing the buffer
/// without leaving copies. `hint` is the expected size, if known.
pub fn read_limited(
    mut r: impl Read,
    limit: u64,
    hint: Option<u64>,
) -> io::Result<Zeroizing<Vec<u8>>> {
    let cap = hint.unwrap_or(64 * 1024).min(limit + 1) as usize;
    let mut out = Zeroizing::new(Vec::with_capacity(cap.max(1024)));
    let mut chunk = Zeroizing::new([0u8; 16 * 1024]);
    loop {
        let room = (limit + 1).saturating_sub(out.len() as u64) as usize;
        if room == 0 {
            break;
        }
        let want = room.min(chunk.len());
        let n = match r.read(&mut chunk[..want]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if out.len() + n > out.capacity() {
            let mut bigger =
                Zeroizing::new(Vec::with_capacity((out.capacity() * 2).max(out.len() + n)));
            bigger.extend_from_slice(&out);
            out = bigger; // the old buffer is zeroed as it drops
        }
        out.extend_from_slice(&chunk[..n]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_exactly_sized() {
        let v = serde_json::json!({"a": [1, 2, 3], "b": "x".repeat(100_000)});
        let out = json(&v, false, 1);
        assert_eq!(out.capacity(), out.len() + 1);
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&out).unwrap(),
            v
        );
    }

    #[test]
    fn read_limited_reads_everything_up_to_the_limit() {
        let data = vec![7u8; 300_000];
        assert_eq!(*read_limited(&data[..], 1_000_000, None).unwrap(), data);
        assert_eq!(read_limited(&data[..], 1000, None).unwrap().len(), 1001);
        assert_eq!(
            *read_limited(&data[..], 300_000, Some(300_000)).unwrap(),
            data
        );
    }
}
