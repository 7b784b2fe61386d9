//! `coffer`: a local-first secrets vault.
#![forbid(unsafe_code)]

mod cli;
mod commands;
mod context;
mod failure;
mod password;
mod prompt;

use clap::Parser;
use failure::{Failure, code};
use std::process::ExitCode;

fn main() -> ExitCode {
    // Secrets must never appear in a panic message; panics are bugs, reported without detail.
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("error: internal error{at}");
        eprintln!("hint: this is a bug in Coffer; please report it (no secret was printed)");
        std::process::exit(i32::from(code::INTERNAL));
    }));
    let cli = match cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => report(&f),
    }
}

fn report(f: &Failure) -> ExitCode {
    eprintln!("error: {}", f.message);
    eprintln!("hint: {}", f.hint);
    ExitCode::from(f.code)
}

fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind as K;
    if matches!(
        e.kind(),
        K::DisplayHelp | K::DisplayVersion | K::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return if e.kind() == K::DisplayHelpOnMissingArgumentOrSubcommand {
            ExitCode::from(code::USAGE)
        } else {
            ExitCode::SUCCESS
        };
    }
    let text = e.to_string();
    let first = text
        .lines()
        .next()
        .unwrap_or("invalid command line")
        .trim_start_matches("error: ");
    report(&Failure::new(
        code::USAGE,
        first,
        "see `coffer --help` or `coffer help COMMAND`",
    ))
}
