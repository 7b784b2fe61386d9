//! A dotenv file as an import reads it: one secret per variable, every unreadable entry listed.

use super::parse;
use crate::foreign::{Collector, Domains, ForeignError, Format, Naming, Read};

/// Reads a dotenv file for an import. A variable set twice is one variable set twice (the plan
/// shows the second as a duplicate within the import).
pub fn read(bytes: &[u8]) -> Result<Read, ForeignError> {
    let parsed = parse(bytes).map_err(|e| ForeignError::Malformed(e.to_string()))?;
    let mut c = Collector::new(Format::Dotenv);
    for e in parsed.entries {
        let origin = format!("line {} ({})", e.line, e.key);
        c.add(
            &e.key,
            Naming::Variable,
            origin,
            e.value,
            Domains::any(),
            false,
        );
    }
    for u in parsed.unreadable {
        c.skip(format!("line {}", u.line), u.reason);
    }
    Ok(c.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_become_secrets_and_bad_lines_are_listed() {
        let r = read(b"A=1\nB=\"unclosed\nexport C.D='x'\nE=\n").unwrap();
        let names: Vec<&str> = r.items.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["A"]);
        assert_eq!(r.items[0].value.expose(), "1");
        assert_eq!(r.items[0].origin, "line 1 (A)");
        // The unclosed quote swallows the rest of the file: reported, never silently dropped.
        assert_eq!(r.skipped.len(), 1);
        assert_eq!(r.skipped[0].origin, "line 2");

        let r = read(b"A=1\nE=\n").unwrap();
        assert_eq!(r.skipped[0].origin, "line 2 (E)");
        assert_eq!(r.skipped[0].reason, "its value is empty");
    }
}
