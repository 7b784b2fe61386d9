use crate::context::Context;
use crate::failure::Failure;
use crate::prompt::require_confirmation;
use coffer_vault::ops::clear::clear;

pub fn run(ctx: &Context, yes: bool) -> Result<(), Failure> {
    let mut vault = ctx.open()?;
    require_confirmation(
        yes,
        "Remove every secret from the vault? The vault key stays.",
        "pass --yes to clear without a question",
    )?;
    let n = clear(&mut vault)?;
    eprintln!("Removed {n} secret{}.", if n == 1 { "" } else { "s" });
    Ok(())
}
