use crate::cli::KeyStoreArg;
use crate::context::Context;
use crate::failure::Failure;
use crate::term::shown;
use coffer_vault::ops::init::{InitError, Initialized, KeyPlacement, KeyStore, init};

pub fn run(ctx: &Context, key_store: KeyStoreArg) -> Result<(), Failure> {
    let store = match key_store {
        KeyStoreArg::File => KeyStore::File,
        KeyStoreArg::Keyring => KeyStore::Keyring,
    };
    let Initialized {
        placement: placed,
        tightened,
    } = init(&ctx.location, &ctx.key, store).map_err(|e| {
        let keychain = matches!(e, InitError::Keychain(_));
        let orphan_key = matches!(e, InitError::KeyFileExists { .. });
        let f = Failure::from(e);
        if orphan_key {
            f.hint("if that key belongs to no vault, move it away; or give another place with --vault or --key-file")
        } else if keychain {
            f.hint("no file was written; use the default key file: `coffer init`")
        } else {
            f
        }
    })?;
    eprintln!("Created a new vault: {}", shown(&ctx.location.db_path));
    if let Some(dir) = tightened {
        eprintln!(
            "Made {} readable only by you (it was open to other users).",
            shown(&dir)
        );
    }
    match placed {
        KeyPlacement::File(p) => {
            eprintln!("Vault key saved to {} (readable only by you).", p.display());
            eprintln!(
                "Keep a copy of this key somewhere safe, e.g. in a password manager: without it the \
                 secrets in this vault cannot be recovered. `coffer key show` prints it; \
                 `coffer key save FILE` writes a copy."
            );
        }
        KeyPlacement::Keyring { account, pointer } => {
            eprintln!(
                "Vault key saved in the OS keychain (service \"coffer\", account \"{account}\")."
            );
            eprintln!("{} points to it.", pointer.display());
            eprintln!(
                "Keep a copy of the key somewhere safe as well: without it the secrets in this \
                 vault cannot be recovered. `coffer key show` prints it."
            );
        }
        KeyPlacement::Env => eprintln!(
            "The vault uses the key in COFFER_VAULT_KEY; no key file was written. Without that key \
             the secrets in this vault cannot be recovered."
        ),
    }
    Ok(())
}
