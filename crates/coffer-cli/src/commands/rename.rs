use crate::context::Context;
use crate::failure::Failure;
use coffer_vault::ops::rename::rename;

pub fn run(ctx: &Context, old: &str, new: &str) -> Result<(), Failure> {
    let (old, new) = (super::name(old)?, super::name(new)?);
    let mut vault = ctx.open()?;
    rename(&mut vault, &old, &new)?;
    eprintln!(
        "Renamed {:?} to {:?}. References to {{{{vault:{old}}}}} no longer resolve.",
        old.as_str(),
        new.as_str()
    );
    Ok(())
}
