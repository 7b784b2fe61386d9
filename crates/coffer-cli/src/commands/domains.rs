use crate::cli::DomainsArgs;
use crate::context::Context;
use crate::failure::{DOMAIN_HINT, Failure};
use coffer_core::AllowedDomains;
use coffer_vault::ops::domains::set_domains;
use coffer_vault::ops::set::DomainChange;

pub fn run(ctx: &Context, args: DomainsArgs) -> Result<(), Failure> {
    let name = super::name(&args.name)?;
    let change = match (&args.set, args.clear) {
        (Some(list), _) => DomainChange::Set(
            AllowedDomains::parse_list(list).map_err(|e| Failure::from(e).hint(DOMAIN_HINT))?,
        ),
        (None, true) => DomainChange::Clear,
        (None, false) => DomainChange::Keep,
    };
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
