use crate::context::Context;
use crate::failure::Failure;
use coffer_vault::ops::enable::{EnableOutcome, set_enabled};

pub fn run(ctx: &Context, name: &str, enabled: bool) -> Result<(), Failure> {
    let name = super::name(name)?;
    let mut vault = ctx.open()?;
    let outcome = set_enabled(&mut vault, &name, enabled)?;
    let state = if enabled { "enabled" } else { "disabled" };
    match outcome {
        EnableOutcome::Changed if enabled => {
            eprintln!(
                "Enabled secret {:?}: its references resolve again.",
                name.as_str()
            )
        }
        EnableOutcome::Changed => eprintln!(
            "Disabled secret {:?}: it is kept, and its references do not resolve until `coffer enable {}`.",
            name.as_str(),
            name
        ),
        EnableOutcome::Unchanged => eprintln!("Secret {:?} was already {state}.", name.as_str()),
    }
    Ok(())
}
