//! One module per command.

mod cache;
mod clear;
mod completions;
mod connect;
mod connections;
mod disconnect;
mod domains;
mod enable;
mod export;
mod get;
mod history;
mod import;
mod init;
mod inject;
mod key;
mod link;
mod list;
mod refs;
mod rename;
mod request;
mod reset;
mod rm;
mod run;
mod set;
mod team;
mod ui;
mod undo;
mod verify;

use crate::cli::{Cli, Command};
use crate::context::Context;
use crate::failure::{DOMAIN_HINT, Failure, NAME_HINT};
use coffer_core::{AllowedDomains, EnvName, SecretName};
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
        Command::Get {
            name,
            no_newline,
            env,
            verbose,
        } => get::run(&ctx, &name, !no_newline, env, verbose),
        Command::List { json } => list::run(&ctx, json),
        Command::Rm { name, env } => rm::run(&ctx, &name, env.as_deref()),
        Command::Disable { name } => enable::run(&ctx, &name, false),
        Command::Enable { name } => enable::run(&ctx, &name, true),
        Command::Rename { old, new } => rename::run(&ctx, &old, &new),
        Command::Export(a) => export::run(&ctx, a),
        Command::Import(a) => import::run(&ctx, a),
        Command::Clear { yes } => clear::run(&ctx, yes),
        Command::Verify { accept, yes, json } => verify::run(&ctx, accept, yes, json),
        Command::History(a) => history::run(&ctx, a),
        Command::Undo(a) => undo::run(&ctx, a),
        Command::Team(t) => team::run(&ctx, t),
        Command::Request(a) => request::run(&ctx, a),
        Command::Run(a) => run::run(&ctx, a),
        Command::Inject(a) => inject::run(&ctx, a),
        Command::Refs(a) => refs::run(&ctx, a),
        Command::Ui(a) => ui::run(ctx, a),
        Command::Link(a) => link::run(&ctx, a),
        Command::Connect(c) => connect::run(&ctx, c),
        Command::Disconnect { provider } => disconnect::run(&ctx, provider),
        Command::Connections { json } => connections::run(&ctx, json),
        Command::Cache(c) => cache::run(&ctx, c),
    }
}

/// A linked secret's value could not be fetched: the failure names the secret, the hint the
/// command that fixes it.
pub fn link_failure(name: &SecretName, e: coffer_vault::links::LinkError) -> Failure {
    let hint = e.hint();
    let mut f = Failure::from(e);
    f.message = format!("{name}: {}", f.message);
    if hint.is_empty() { f } else { f.hint(hint) }
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

/// Parses an environment name given with `--env` or `COFFER_ENV`.
pub fn env_name(s: Option<&str>) -> Result<Option<EnvName>, Failure> {
    s.map(|s| {
        EnvName::parse(s).map_err(|e| {
            Failure::from(e).hint("environment names follow the secret-name rules, up to 64 characters (e.g. prod, staging)")
        })
    })
    .transpose()
}

/// Parses a secret name given on the command line.
pub fn name(s: &str) -> Result<SecretName, Failure> {
    SecretName::parse(s).map_err(|e| Failure::from(e).hint(NAME_HINT))
}
