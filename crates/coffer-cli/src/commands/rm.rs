use crate::context::Context;
use crate::failure::Failure;
use coffer_vault::ops::remove::remove;

pub fn run(ctx: &Context, name: &str, env: Option<&str>) -> Result<(), Failure> {
    let name = super::name(name)?;
    let env = super::env_name(env)?;
    let mut vault = ctx.open()?;
    remove(&mut vault, &name, env.as_ref())?;
    match env {
        None => eprintln!("Removed secret {:?}.", name.as_str()),
        Some(e) => eprintln!(
            "Removed the {:?} value of secret {:?}; its default value stays.",
            e.as_str(),
            name.as_str()
        ),
    }
    Ok(())
}
