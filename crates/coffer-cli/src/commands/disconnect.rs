//! `coffer disconnect PROVIDER`: forget the connection and its cached values.

use crate::cli::ProviderArg;
use crate::context::Context;
use crate::failure::Failure;
use coffer_vault::links::disconnect::disconnect;

pub fn run(ctx: &Context, provider: ProviderArg) -> Result<(), Failure> {
    let provider = provider.provider();
    let mut vault = ctx.open()?;
    let d = disconnect(&mut vault, provider)?;
    if d.was_connected {
        eprintln!(
            "Disconnected from {provider}; {} cached value(s) deleted. Secrets linked to it no longer resolve.",
            d.cached_values
        );
    } else {
        eprintln!("Not connected to {provider}; nothing to do.");
    }
    Ok(())
}
