use crate::cli::DomainsArgs;
use crate::context::Context;
use crate::failure::Failure;
use coffer_vault::ops::domains::set_domains;
use coffer_vault::ops::set::DomainChange;

pub fn run(ctx: &Context, args: DomainsArgs) -> Result<(), Failure> {
    let name = super::name(&args.name)?;
    let env = super::env_name(args.env.as_deref())?;
    let change = if args.inherit {
        DomainChange::Inherit
    } else {
        super::domain_change(args.set.as_deref(), args.clear)?
    };
    let mut vault = ctx.open()?;
    let now = set_domains(&mut vault, &name, env.as_ref(), &change)?;
    let what = match &env {
        Some(e) => format!("The {:?} value of secret {:?}", e.as_str(), name.as_str()),
        None => format!("Secret {:?}", name.as_str()),
    };
    let shown = if now.domains.is_any() {
        "any domain".to_string()
    } else {
        now.domains.to_string()
    };
    let inherited = if now.inherited {
        " (the secret's own)"
    } else {
        ""
    };
    match change {
        // Showing: the list alone on stdout, one entry per line (nothing for "any").
        DomainChange::Keep => {
            for d in now.domains.to_strings() {
                println!("{d}");
            }
            if now.domains.is_any() {
                eprintln!("{what} may be used with any domain{inherited}.");
            } else if now.inherited {
                eprintln!("{what} uses the secret's allowed domains.");
            }
        }
        _ => eprintln!("{what} may now be used with: {shown}{inherited}."),
    }
    Ok(())
}
