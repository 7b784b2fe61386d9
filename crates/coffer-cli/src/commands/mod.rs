//! One module per command.

mod clear;
mod completions;
mod domains;
mod export;
mod get;
mod import;
mod init;
mod key;
mod list;
mod rename;
mod reset;
mod rm;
mod set;
mod team;

use crate::cli::{Cli, Command};
use crate::context::Context;
use crate::failure::{DOMAIN_HINT, Failure, NAME_HINT};
use coffer_core::{AllowedDomains, SecretName};
use coffer_vault::ops::set::DomainChange;

pub fn run(cli: Cli) -> Result<(), Failure> {
    if let Command::Completions { shell } = cli.command {
        return completions::run(shell);
    }
    let ctx = Context::resolve(cli.global.vault, cli.global.key_file)?;
    match cli.command {
        Command::Completions { .. } => unreachable!("handled above"),
        Command::Domains(a) => domains::run(&ctx, a),
        Command::Init { key_store } => init::run(&ctx, key_store),
        Command::Key(k) => key::run(&ctx, k),
        Command::Reset { yes } => reset::run(&ctx, yes),
        Command::Set(a) => set::run(&ctx, a),
        Command::Get { name, no_newline } => get::run(&ctx, &name, !no_newline),
        Command::List { json } => list::run(&ctx, json),
        Command::Rm { name } => rm::run(&ctx, &name),
        Command::Rename { old, new } => rename::run(&ctx, &old, &new),
        Command::Export(a) => export::run(&ctx, a),
        Command::Import(a) => import::run(&ctx, a),
        Command::Clear { yes } => clear::run(&ctx, yes),
        Command::Team(t) => team::run(&ctx, t),
    }
}

/// The domain change asked for by a `--set LIST`-like and a `--clear`-like flag (clap keeps
/// them exclusive).
pub fn domain_change(set: Option<&str>, clear: bool) -> Result<DomainChange, Failure> {
    Ok(match (set, clear) {
        (Some(list), _) => DomainChange::Set(
            AllowedDomains::parse_list(list).map_err(|e| Failure::from(e).hint(DOMAIN_HINT))?,
        ),
        (None, true) => DomainChange::Clear,
        (None, false) => DomainChange::Keep,
    })
}

/// Parses a secret name given on the command line.
pub fn name(s: &str) -> Result<SecretName, Failure> {
    SecretName::parse(s).map_err(|e| Failure::from(e).hint(NAME_HINT))
}
