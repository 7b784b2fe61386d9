//! Differential test: every logical line the `dotenvy` crate reads, Coffer's dotenv reader reads
//! to the same key and value (`docs/import-formats.md`). Where dotenvy refuses a line, Coffer may
//! read it (as a shell would) or refuse it too; where Coffer refuses a reference to a variable
//! the file does not define (dotenvy fills it from the environment, or with nothing), the two
//! differ on purpose.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use coffer_core::foreign::dotenv;
use proptest::prelude::*;

/// Names the generated files define and refer to; none may be in this process's environment
/// (dotenvy would read it from there).
const NAMES: [&str; 4] = ["QA", "QB", "Q_C", "export"];

fn line() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        proptest::sample::select(NAMES.to_vec()).prop_map(String::from),
        Just("1X".to_string()),
        Just("export QA".to_string()),
        Just("  QB ".to_string()),
    ];
    let value = "[ab $\\{\\}'\"\\\\#\t\nnQABC_=-]{0,14}";
    prop_oneof![
        4 => (key, value).prop_map(|(k, v)| format!("{k}={v}")),
        1 => "[ #a=]{0,6}",
    ]
}

/// dotenvy's items and Coffer's, one per logical line that is not blank or a comment:
/// `Ok((key, value))` or `Err(reason)` (Coffer's reason; dotenvy's is not compared).
/// One item: the line it starts on, and the key and value or the reason it is unreadable.
type Item = (usize, Result<(String, String), String>);

fn coffer(text: &str) -> Vec<Item> {
    let p = dotenv::parse(text.as_bytes()).unwrap();
    let mut all: Vec<Item> = p
        .entries
        .into_iter()
        .map(|e| (e.line, Ok((e.key, e.value.to_string()))))
        .chain(p.unreadable.into_iter().map(|u| (u.line, Err(u.reason))))
        .collect();
    all.sort_by_key(|(line, _)| *line);
    all
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]
    #[test]
    fn coffer_reads_what_dotenvy_reads(lines in proptest::collection::vec(line(), 1..6), newline in any::<bool>()) {
        for n in NAMES {
            prop_assert!(std::env::var_os(n).is_none(), "{n} is set in the environment");
        }
        let mut text = lines.join("\n");
        if newline {
            text.push('\n');
        }
        let mut theirs: Vec<Result<(String, String), ()>> = dotenvy::from_read_iter(text.as_bytes())
            .map(|r| r.map_err(|_| ()))
            .collect();
        let ours = coffer(&text);
        // dotenvy refuses a last line ending in spaces without a final newline, even a blank
        // one; Coffer reads it (and a blank one is no item at all).
        if theirs.len() == ours.len() + 1 && theirs.last() == Some(&Err(())) {
            theirs.pop();
        }
        prop_assert_eq!(theirs.len(), ours.len(), "one item per logical line: {:?}", text);
        for (t, (_, o)) in theirs.iter().zip(&ours) {
            match (t, o) {
                (Ok(t), Ok(o)) => prop_assert_eq!(t, o, "{:?}", text),
                (Ok(_), Err(reason)) => prop_assert!(
                    reason.contains("does not define above"),
                    "dotenvy reads a line Coffer refuses ({}): {:?}", reason, text
                ),
                (Err(()), _) => {}
            }
        }
    }
}
