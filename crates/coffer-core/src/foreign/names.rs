//! Mapping names from other tools to Coffer's name rules (`docs/import-formats.md`),
//! deterministically: the same input names, in the same order, always give the same names.
//!
//! - A name that already follows the rules is kept as it is.
//! - Otherwise: whitespace becomes `-`, any other character outside `A-Z a-z 0-9 _ - .` becomes
//!   `_`; leading `_ - .` are dropped; the result is cut to 128 characters; an empty result
//!   becomes `secret`.
//! - Two items that end up with the same name keep both, as an import's keep-both does: the
//!   later one gets `-2`, `-3`, ... (the first free one).

use crate::name::{MAX_NAME_LEN, SecretName};
use std::collections::{BTreeSet, HashMap};

/// How one name was mapped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapped {
    /// The name given to the secret.
    pub name: SecretName,
    /// Whether it differs from the original (then the plan shows both).
    pub changed: bool,
}

/// Maps the names of one import, remembering those given so far.
#[derive(Debug, Default)]
pub struct NameMapper {
    used: BTreeSet<SecretName>,
    variables: HashMap<String, SecretName>,
    /// The next suffix to try per base name (so that a thousand items with one name take a
    /// thousand steps, not half a million).
    next: HashMap<SecretName, u32>,
}

fn sanitize(original: &str) -> String {
    let mapped: String = original
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else if c.is_whitespace() {
                '-'
            } else {
                '_'
            }
        })
        .collect();
    let trimmed: String = mapped
        .trim_start_matches(['_', '-', '.'])
        .chars()
        .take(MAX_NAME_LEN)
        .collect();
    if trimmed.is_empty() {
        "secret".to_string()
    } else {
        trimmed
    }
}

impl NameMapper {
    /// A mapper for one import.
    pub fn new() -> Self {
        Self::default()
    }

    /// The name for `original`, unique within this import.
    pub fn map(&mut self, original: &str) -> Mapped {
        let base = SecretName::parse(original)
            .or_else(|_| SecretName::parse(&sanitize(original)))
            .unwrap_or_else(|_| SecretName::parse("secret").expect("`secret` follows the rules"));
        let mut name = base.clone();
        let mut n = self.next.get(&base).copied().unwrap_or(2);
        while self.used.contains(&name) {
            // A name at the length limit is shortened to make room for its suffix.
            name = base.with_suffix(n).unwrap_or_else(|| {
                let cut: String = base.as_str().chars().take(MAX_NAME_LEN - 12).collect();
                SecretName::parse(&format!("{cut}-{n}")).expect("a cut name with a suffix fits")
            });
            n += 1;
        }
        if name != base {
            self.next.insert(base, n);
        }
        self.used.insert(name.clone());
        let changed = name.as_str() != original;
        Mapped { name, changed }
    }

    /// The name for a variable called `original`: as [`NameMapper::map`], except that the same
    /// original always gets the same name (a variable set twice is one variable, a duplicate
    /// within the import for the plan to show, not two secrets).
    pub fn map_variable(&mut self, original: &str) -> Mapped {
        if let Some(name) = self.variables.get(original) {
            return Mapped {
                changed: name.as_str() != original,
                name: name.clone(),
            };
        }
        let mapped = self.map(original);
        self.variables
            .insert(original.to_string(), mapped.name.clone());
        mapped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map_all(names: &[&str]) -> Vec<String> {
        let mut m = NameMapper::new();
        names.iter().map(|n| m.map(n).name.to_string()).collect()
    }

    #[test]
    fn names_are_kept_cleaned_and_made_unique() {
        assert_eq!(
            map_all(&[
                "STRIPE_KEY",
                "api key",
                "api-key",
                "Ünïcode ✓",
                "__hidden",
                "",
                "!!!",
                "a/b:c",
                "api-key",
            ]),
            [
                "STRIPE_KEY",
                "api-key",
                "api-key-2",
                "n_code-_",
                "hidden",
                "secret",
                "secret-2",
                "a_b_c",
                "api-key-3",
            ]
        );
        let mut m = NameMapper::new();
        assert!(!m.map("ok.name").changed);
        assert!(m.map("not ok").changed);
        assert!(m.map("ok.name").changed, "renamed by the collision");
    }

    #[test]
    fn a_variable_set_twice_keeps_its_name_and_others_stay_apart() {
        let mut m = NameMapper::new();
        let got: Vec<String> = ["api key", "api-key", "api key", "A"]
            .iter()
            .map(|n| m.map_variable(n).name.to_string())
            .collect();
        assert_eq!(got, ["api-key", "api-key-2", "api-key", "A"]);
    }

    #[test]
    fn long_names_are_cut_and_still_unique() {
        let long = "x".repeat(300);
        let got = map_all(&[&long, &long, &long]);
        assert_eq!(got[0].len(), MAX_NAME_LEN);
        assert!(got[1].ends_with("-2") && got[1].len() <= MAX_NAME_LEN);
        assert!(got[2].ends_with("-3"));
        assert_ne!(got[1], got[2]);
    }

    proptest::proptest! {
        #[test]
        fn every_name_maps_to_a_valid_unique_name(names in proptest::collection::vec(".{0,140}", 0..20)) {
            let mut m = NameMapper::new();
            let mut seen = BTreeSet::new();
            for n in &names {
                let got = m.map(n);
                proptest::prop_assert!(SecretName::parse(got.name.as_str()).is_ok());
                proptest::prop_assert!(seen.insert(got.name.clone()), "unique");
            }
        }
    }
}
