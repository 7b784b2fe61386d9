use crate::cli::DomainsArgs;
use crate::context::Context;
use crate::failure::Failure;
use coffer_vault::ops::domains::set_domains;
use coffer_vault::ops::set::DomainChange;

pub fn run(ctx: &Context, args: DomainsArgs) -> Result<(), Failure> {
    let name = super::name(&args.name)?;
    let change = super::domain_change(args.set.as_deref(), args.clear)?;
    let mut vault = ctx.open()?;
    let now = set_domains(&mut vault, &name, &change)?;
    let shown = if now.is_any() {
        "any domain".to_string()
    } else {
        now.to_string()
    };
    match change {
        // Showing: the list alone on stdout, one entry per line (nothing for "any").
        DomainChange::Keep => {
            for d in now.to_strings() {
                println!("{d}");
            }
            if now.is_any() {
                eprintln!("Secret {:?} may be used with any domain.", name.as_str());
            }
        }
        _ => eprintln!("Secret {:?} may now be used with: {shown}.", name.as_str()),
    }
    Ok(())
}
