//! Names people give members and teams: shown in terminals, audit logs and signed policies, so
//! they must read as what they are.

/// Why a name is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Empty, or longer than the limit.
    #[error("{what} names have 1 to {max} characters")]
    Length {
        /// "member" or "team".
        what: &'static str,
        /// The limit, in characters.
        max: usize,
    },
    /// Leading or trailing whitespace.
    #[error("{what} names cannot start or end with a space")]
    Untrimmed {
        /// "member" or "team".
        what: &'static str,
    },
    /// Control, bidirectional or invisible characters.
    #[error(
        "{what} names cannot contain control characters, bidirectional overrides or invisible characters"
    )]
    Hidden {
        /// "member" or "team".
        what: &'static str,
    },
}

/// Characters that change how text around them is shown, or show nothing at all.
fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200b}'..='\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2060}'..='\u{2069}'
                | '\u{feff}'
                | '\u{00ad}'
        )
}

/// Checks a member (`what` = "member", `max` 64) or team (`"team"`, 128) name.
pub fn check(name: &str, what: &'static str, max: usize) -> Result<(), NameError> {
    let len = name.chars().count();
    if len == 0 || len > max {
        return Err(NameError::Length { what, max });
    }
    if name.chars().any(hidden) {
        return Err(NameError::Hidden { what });
    }
    if name.trim() != name {
        return Err(NameError::Untrimmed { what });
    }
    Ok(())
}

/// What a name looks like: its confusable skeleton (UTS #39) of the lower-cased name, so that
/// names differing only by case or by look-alike letters compare equal.
pub fn look(name: &str) -> String {
    unicode_security::confusable_detection::skeleton(&name.to_lowercase()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_as_what_they_are() {
        assert!(check("alice", "member", 64).is_ok());
        assert!(check("Ana María", "member", 64).is_ok());
        assert!(check("名前", "member", 64).is_ok());
        for bad in [
            "",
            " alice",
            "alice ",
            "al\u{202e}ice",
            "al\u{200b}ice",
            "a\nb",
            "a\x1bb",
        ] {
            assert!(check(bad, "member", 64).is_err(), "{bad:?}");
        }
        assert!(check(&"x".repeat(65), "member", 64).is_err());
        assert!(check(&"x".repeat(65), "team", 128).is_ok());
    }

    #[test]
    fn look_alikes_look_the_same() {
        assert_eq!(look("alice"), look("Alice"));
        assert_eq!(look("alice"), look("\u{0430}lice"), "Cyrillic a");
        assert_eq!(look("paypal"), look("pаypаl"));
        assert_ne!(look("alice"), look("bob"));
    }
}
