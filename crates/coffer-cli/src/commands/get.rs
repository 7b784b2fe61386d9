use crate::cli::ActiveEnv;
use crate::context::Context;
use crate::failure::{Failure, code};
use coffer_core::secret::Selection;
use coffer_vault::links::fetch::{Source, fetch};
use coffer_vault::ops::get::get;
use std::io::Write;

pub fn run(
    ctx: &Context,
    name: &str,
    newline: bool,
    env: ActiveEnv,
    verbose: bool,
) -> Result<(), Failure> {
    let name = super::name(name)?;
    let env = crate::resolve::environment(&env)?;
    let mut vault = ctx.open()?;
    let secret = get(&mut vault, &name)?;
    let selected = secret.select(env.as_ref());
    if verbose {
        match (selected.environment, &env) {
            (Some(e), _) => eprintln!("coffer: {name}: the value for environment {e}"),
            (None, Some(e)) => {
                eprintln!("coffer: {name}: the default value (no value for environment {e})")
            }
            (None, None) => eprintln!("coffer: {name}: the default value"),
        }
        if secret.disabled {
            eprintln!("coffer: {name} is disabled: references to it do not resolve");
        }
    }
    let fetched;
    let value = match selected.content {
        Selection::Value(v) => v,
        // A linked secret's value comes from its external vault, or the cache.
        Selection::Link(link) => {
            let (v, source) = fetch(&mut vault, link, coffer_vault::clock::now())
                .map_err(|e| super::link_failure(&name, e))?;
            if verbose {
                let when = match source {
                    Source::Cache => "cached from an earlier fetch",
                    Source::Provider => "fetched now",
                };
                eprintln!("coffer: {name}: from {link} ({when})");
            }
            fetched = v;
            &fetched
        }
    };
    let mut out = std::io::stdout().lock();
    out.write_all(value.expose().as_bytes())
        .and_then(|()| {
            if newline {
                out.write_all(b"\n")
            } else {
                Ok(())
            }
        })
        .and_then(|()| out.flush())
        .map_err(|e| {
            Failure::new(
                code::IO,
                format!("cannot write the value: {e}"),
                "check where stdout goes",
            )
        })
}
