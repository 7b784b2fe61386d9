//! Masking: every resolved value in what Coffer prints (a child's output, a response, verbose
//! lines) becomes `<concealed by coffer>`, also when a value arrives split across reads.
//!
//! It matches the exact bytes of each value. An encoded or transformed value (base64, URL
//! encoding, a substring, a hash) is not recognised (`docs/references.md`).

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use std::io::{self, Write};
use zeroize::Zeroizing;

/// What a value is replaced with.
pub const MASK: &[u8] = b"<concealed by coffer>";

/// A streaming replacer for a set of values. Cloning is cheap (the matcher is shared).
#[derive(Clone)]
pub struct Masker {
    values: Vec<Zeroizing<Vec<u8>>>,
    finder: Option<AhoCorasick>,
    /// Bytes not yet written: the end of the last chunk that could be the start of a value.
    held: Zeroizing<Vec<u8>>,
}

impl Masker {
    /// A masker for `values` (empty values are ignored). With no values, it passes bytes on.
    pub fn new<'a>(values: impl IntoIterator<Item = &'a [u8]>) -> Self {
        let mut values: Vec<Zeroizing<Vec<u8>>> = values
            .into_iter()
            .filter(|v| !v.is_empty())
            .map(|v| Zeroizing::new(v.to_vec()))
            .collect();
        values.sort_unstable_by(|a, b| a.as_slice().cmp(b.as_slice()));
        values.dedup();
        // Leftmost-longest: of two values starting at one place, the longer is concealed whole.
        let finder = (!values.is_empty())
            .then(|| {
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostLongest)
                    // A contiguous NFA builds in microseconds; a DFA's build would cost more
                    // than a command's whole output usually takes to scan.
                    .kind(Some(AhoCorasickKind::ContiguousNFA))
                    .build(values.iter().map(|v| v.as_slice()))
                    .ok()
            })
            .flatten();
        Self {
            values,
            finder,
            held: Zeroizing::new(Vec::new()),
        }
    }

    /// Masks `chunk` and writes what is certain; keeps back what could still become a value.
    pub fn write(&mut self, chunk: &[u8], out: &mut impl Write) -> io::Result<()> {
        if self.finder.is_none() {
            return out.write_all(chunk);
        }
        self.held.extend_from_slice(chunk);
        self.flush_certain(false, out)
    }

    /// Writes what is held back, masked (the stream ended: nothing more can complete a value).
    pub fn finish(&mut self, out: &mut impl Write) -> io::Result<()> {
        if self.finder.is_none() {
            return out.flush();
        }
        self.flush_certain(true, out)
    }

    /// Masks and writes the held bytes up to the first place where a value could still be
    /// starting (leftmost-longest over the whole stream: a value that has begun and may yet
    /// complete wins over a shorter or later one). At the end of the stream, everything.
    fn flush_certain(&mut self, end: bool, out: &mut impl Write) -> io::Result<()> {
        let Some(finder) = &self.finder else {
            return Ok(());
        };
        let buf = Zeroizing::new(std::mem::take(&mut *self.held));
        let mut done = 0;
        let mut masked = Zeroizing::new(Vec::with_capacity(buf.len()));
        let mut pending = if end {
            buf.len()
        } else {
            self.partial_start(&buf, 0)
        };
        for m in finder.find_iter(buf.as_slice()) {
            if m.start() >= pending {
                break;
            }
            masked.extend_from_slice(&buf[done..m.start()]);
            masked.extend_from_slice(MASK);
            done = m.end();
            if !end && pending < done {
                pending = self.partial_start(&buf, done);
            }
        }
        let cut = pending.max(done);
        masked.extend_from_slice(&buf[done..cut]);
        self.held.extend_from_slice(&buf[cut..]);
        out.write_all(&masked)?;
        out.flush()
    }

    /// Masks a whole text at once (verbose lines, error messages).
    pub fn text(&self, s: &str) -> String {
        match &self.finder {
            None => s.to_owned(),
            Some(f) => {
                let mask = std::str::from_utf8(MASK).unwrap_or("<concealed>");
                f.replace_all(s, &vec![mask; self.values.len()])
            }
        }
    }

    /// The first position at or after `from` where the rest of `buf` is a proper prefix of some
    /// value: a value that may still complete with the next bytes. `buf.len()` if none.
    fn partial_start(&self, buf: &[u8], from: usize) -> usize {
        let mut first = buf.len();
        for v in &self.values {
            let start = from.max((buf.len() + 1).saturating_sub(v.len()));
            if let Some(p) = (start..first).find(|&p| v.starts_with(&buf[p..])) {
                first = p;
            }
        }
        first
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn run(values: &[&str], chunks: &[&[u8]]) -> String {
        let mut m = Masker::new(values.iter().map(|v| v.as_bytes()));
        let mut out = Vec::new();
        for c in chunks {
            m.write(c, &mut out).unwrap();
        }
        m.finish(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn masks_whole_and_split_values() {
        assert_eq!(
            run(&["s3cret"], &[b"a s3cret b"]),
            "a <concealed by coffer> b"
        );
        assert_eq!(
            run(&["s3cret"], &[b"a s3", b"cr", b"et b"]),
            "a <concealed by coffer> b"
        );
        let bytes: Vec<&[u8]> = b"x=s3cret;".chunks(1).collect();
        assert_eq!(run(&["s3cret"], &bytes), "x=<concealed by coffer>;");
        // A start that does not become a value is written at the end.
        assert_eq!(run(&["s3cret"], &[b"s3cr"]), "s3cr");
        assert_eq!(run(&["s3cret"], &[b"s3s3cret"]), "s3<concealed by coffer>");
        // The longer of two overlapping values wins.
        assert_eq!(
            run(&["abc", "abcdef"], &[b"abcdef abc"]),
            "<concealed by coffer> <concealed by coffer>"
        );
        assert_eq!(run(&[], &[b"plain"]), "plain");
        let m = Masker::new([b"tok".as_slice()]);
        assert_eq!(m.text("Bearer tok!"), "Bearer <concealed by coffer>!");
    }

    #[test]
    fn holds_back_only_a_possible_start() {
        let mut m = Masker::new([b"secret".as_slice()]);
        let mut out = Vec::new();
        m.write(b"Password: se", &mut out).unwrap();
        assert_eq!(out, b"Password: ");
        m.write(b"x", &mut out).unwrap();
        assert_eq!(out, b"Password: sex");
    }

    #[test]
    fn values_sharing_bytes_across_chunks() {
        let c = "<concealed by coffer>";
        // A short value must not win while a longer one that started with it may complete.
        assert_eq!(
            run(&["abc", "abcdef"], &[b"abc", b"def\n"]),
            format!("{c}\n")
        );
        assert_eq!(
            run(&["abc", "abcdef"], &[b"abc", b"xyz"]),
            format!("{c}xyz")
        );
        // A value starting inside a partial one.
        assert_eq!(run(&["abcd", "bc"], &[b"abc", b"d"]), c);
        assert_eq!(run(&["abcd", "bc"], &[b"abc", b"x"]), format!("a{c}x"));
        // What is held at the end of the stream is masked too.
        assert_eq!(run(&["abc", "abcdef"], &[b"abc"]), c);
    }

    /// `text` cut at each of `cuts` that falls inside it.
    fn split(text: &[u8], cuts: Vec<usize>) -> Vec<&[u8]> {
        let mut cuts: Vec<usize> = cuts.into_iter().filter(|c| *c <= text.len()).collect();
        cuts.sort_unstable();
        let mut chunks = Vec::new();
        let mut at = 0;
        for c in cuts {
            chunks.push(&text[at..c]);
            at = c;
        }
        chunks.push(&text[at..]);
        chunks
    }

    proptest! {
        #[test]
        fn chunking_never_changes_the_result_with_several_values(
            text in "[qwx]{0,40}",
            values in proptest::collection::vec("[qwx]{1,4}", 1..4),
            cuts in proptest::collection::vec(0usize..40, 0..6),
        ) {
            let values: Vec<&str> = values.iter().map(String::as_str).collect();
            let whole = run(&values, &[text.as_bytes()]);
            let chunks = split(text.as_bytes(), cuts);
            prop_assert_eq!(run(&values, &chunks), whole.clone());
            for v in &values {
                prop_assert!(!whole.contains(v), "{} in {}", v, whole);
            }
        }

        #[test]
        fn chunking_never_changes_the_result(
            text in "[qwx]{0,40}",
            value in "[qwx]{1,4}",
            cuts in proptest::collection::vec(0usize..40, 0..6),
        ) {
            let whole = run(&[&value], &[text.as_bytes()]);
            let chunks = split(text.as_bytes(), cuts);
            prop_assert_eq!(run(&[&value], &chunks), whole.clone());
            prop_assert!(!whole.contains(value.as_str()));
        }
    }
}
