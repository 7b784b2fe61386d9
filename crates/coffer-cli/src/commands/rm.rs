use crate::context::Context;
use crate::failure::Failure;
use coffer_vault::ops::remove::remove;

pub fn run(ctx: &Context, name: &str) -> Result<(), Failure> {
    let name = super::name(name)?;
    let mut vault = ctx.open()?;
    remove(&mut vault, &name)?;
    eprintln!("Removed secret {:?}.", name.as_str());
    Ok(())
}
