//! The man pages in `docs/man/` are generated from the same clap definitions that parse the
//! command line: this test regenerates them and fails if the committed ones differ.
//! `UPDATE_MAN=1 cargo test -p coffer-cli --test man_pages` rewrites them.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

#[allow(dead_code)]
#[path = "../src/cli.rs"]
mod cli;

use clap::CommandFactory;
use std::path::PathBuf;

fn render(cmd: clap::Command) -> Vec<u8> {
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut out).unwrap();
    out
}

/// Every page: `coffer.1`, and `coffer-CMD.1` / `coffer-CMD-SUB.1` for each (sub)command.
fn pages() -> Vec<(String, Vec<u8>)> {
    let root = cli::Cli::command().name("coffer");
    let mut pages = vec![("coffer.1".to_string(), render(root.clone()))];
    let mut stack: Vec<(String, clap::Command)> = root
        .get_subcommands()
        .map(|c| (format!("coffer-{}", c.get_name()), c.clone()))
        .collect();
    while let Some((name, cmd)) = stack.pop() {
        for sub in cmd.get_subcommands() {
            stack.push((format!("{name}-{}", sub.get_name()), sub.clone()));
        }
        // clap names are `&'static str` without its `string` feature; a test can leak a few.
        let title: &'static str = Box::leak(name.clone().into_boxed_str());
        pages.push((format!("{name}.1"), render(cmd.name(title))));
    }
    pages.sort();
    pages
}

#[test]
fn committed_man_pages_match_the_command_line() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/man");
    let pages = pages();
    if std::env::var_os("UPDATE_MAN").is_some() {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in &pages {
            std::fs::write(dir.join(name), text).unwrap();
        }
    }
    let mut committed: Vec<String> = std::fs::read_dir(&dir)
        .expect("docs/man exists (UPDATE_MAN=1 creates it)")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    committed.sort();
    let expected: Vec<String> = pages.iter().map(|(n, _)| n.clone()).collect();
    assert_eq!(
        committed, expected,
        "run with UPDATE_MAN=1 to regenerate docs/man"
    );
    for (name, text) in &pages {
        let on_disk = std::fs::read(dir.join(name)).unwrap();
        assert!(
            on_disk == *text,
            "docs/man/{name} is out of date: run UPDATE_MAN=1 cargo test -p coffer-cli --test man_pages"
        );
    }
}
