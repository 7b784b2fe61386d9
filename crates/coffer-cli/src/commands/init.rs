use crate::context::Context;
use crate::failure::Failure;
use coffer_vault::ops::init::{KeyPlacement, init};

pub fn run(ctx: &Context) -> Result<(), Failure> {
    let placed = init(&ctx.location, &ctx.key)?;
    eprintln!("Created a new vault: {}", ctx.location.db_path.display());
    match placed {
        KeyPlacement::File(p) => {
            eprintln!("Vault key saved to {} (readable only by you).", p.display());
            eprintln!(
                "Keep a copy of this key somewhere safe, e.g. in a password manager: without it the \
                 secrets in this vault cannot be recovered. `coffer key show` prints it; \
                 `coffer key save FILE` writes a copy."
            );
        }
        KeyPlacement::Env => eprintln!(
            "The vault uses the key in COFFER_VAULT_KEY; no key file was written. Without that key \
             the secrets in this vault cannot be recovered."
        ),
    }
    Ok(())
}
