use crate::cli::KeyCommand;
use crate::context::Context;
use crate::failure::Failure;
use coffer_vault::ops::key;
use secrecy::ExposeSecret;
use std::io::IsTerminal;

pub fn run(ctx: &Context, cmd: KeyCommand) -> Result<(), Failure> {
    match cmd {
        KeyCommand::Show => {
            let k = key::current(&ctx.location, &ctx.key)?;
            if std::io::stdout().is_terminal() {
                eprintln!("This key opens every secret in the vault; store it somewhere safe.");
            }
            println!("{}", k.encode().expose_secret());
        }
        KeyCommand::Save { file, force } => {
            key::save(&ctx.location, &ctx.key, &file, force).map_err(|e| {
                let exists = matches!(e, key::KeyError::Exists { .. });
                let f = Failure::from(e);
                if exists {
                    f.hint("choose another file, or pass --force to replace it")
                } else {
                    f
                }
            })?;
            eprintln!(
                "Vault key saved to {} (readable only by you).",
                file.display()
            );
        }
    }
    Ok(())
}
