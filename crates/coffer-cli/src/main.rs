//! `coffer`: a local-first secrets vault.
#![forbid(unsafe_code)]

mod cli;
mod commands;
mod context;
mod failure;
mod interrupt;
mod mask;
mod output;
mod password;
mod prompt;
mod resolve;
mod table;
mod term;

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
    }));
    // Not dumpable: no core file with keys or values in it, and other processes of this user
    // (a command started by `coffer run`, say) cannot ptrace Coffer or read its memory or its
    // environment (`/proc/PID/environ` may hold COFFER_VAULT_KEY). Reset for a child by exec.
    #[cfg(target_os = "linux")]
    let _ = rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable);
    // Ctrl-C, SIGTERM, SIGHUP: remove temporary files that may hold secrets (a half-written
    // export, a git checkout), kill children, restore the terminal, exit 130 with two lines.
    interrupt::install();
    let cli = match cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    // A panic unwinds (so temporary files and directories are removed by their destructors)
    // and ends as exit code 1 after the hook's two lines.
    match std::panic::catch_unwind(|| commands::run(cli)) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(f)) => report(&f),
        Err(_) => ExitCode::from(code::INTERNAL),
    }
}

fn report(f: &Failure) -> ExitCode {
    if coffer_vault::cleanup::shutting_down() {
        // The failure is the interrupt's doing (nothing may be created any more): the interrupt
        // handler is exiting; its two lines are the report.
        interrupt::exit();
    }
    // Messages carry file names, links and server answers: escaped, one line each.
    eprintln!("error: {}", term::escape(&f.message));
    eprintln!("hint: {}", term::escape(&f.hint));
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
    // clap's message up to the usage line, on one line: "the following required arguments were
    // not provided: <NAME>", "invalid value '…' for '--export <on|off>' [possible values: on, off]".
    let joined = text
        .lines()
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("tip:"))
        .collect::<Vec<_>>()
        .join(" ");
    let first = joined.trim_start_matches("error: ");
    let first = if first.is_empty() {
        "invalid command line"
    } else {
        first
    };
    // Quoted parts may be a secret typed where it does not belong (`coffer set NAME VALUE`):
    // only subcommand names and flags are shown.
    let shown = if e.kind() == K::InvalidSubcommand {
        first.to_string()
    } else {
        redact_quoted(first)
    };
    report(&Failure::new(
        code::USAGE,
        shown,
        "see `coffer --help` or `coffer help COMMAND`; values are never read from the command line",
    ))
}

/// Replaces every quoted part that is not a flag with `…`.
fn redact_quoted(line: &str) -> String {
    let mut out = String::new();
    for (i, part) in line.split('\'').enumerate() {
        if i > 0 {
            out.push('\'');
        }
        if i % 2 == 1 && !part.starts_with('-') {
            out.push('…');
        } else {
            out.push_str(part);
        }
    }
    out
}
