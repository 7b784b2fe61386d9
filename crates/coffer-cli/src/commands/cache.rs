//! `coffer cache clear [PROVIDER]`: delete values fetched from external vaults.

use crate::cli::CacheCommand;
use crate::context::Context;
use crate::failure::Failure;
use coffer_vault::links::cache::clear;

pub fn run(ctx: &Context, c: CacheCommand) -> Result<(), Failure> {
    let CacheCommand::Clear { provider } = c;
    let provider = provider.map(|p| p.provider());
    let mut vault = ctx.open()?;
    let n = clear(&mut vault, provider)?;
    let whose = provider.map_or(String::new(), |p| format!(" from {p}"));
    eprintln!("Deleted {n} cached value(s){whose}; the next use fetches again.");
    Ok(())
}
