use crate::context::Context;
use crate::failure::Failure;
use crate::prompt::require_confirmation;
use coffer_vault::KeySource;
use coffer_vault::ops::reset::reset;

pub fn run(ctx: &Context, yes: bool) -> Result<(), Failure> {
    if !ctx.location.db_path.exists() {
        // Let the library report the missing vault before asking anything.
        reset(&ctx.location, &ctx.key_file)?;
    }
    require_confirmation(
        yes,
        "This permanently deletes every secret in the vault and makes a new vault key. The \
         history goes too (it is sealed under the old key): `coffer undo` cannot bring anything \
         back. Continue?",
        "pass --yes to reset without a question",
    )?;
    let report = reset(&ctx.location, &ctx.key_file)?;
    eprintln!(
        "Deleted {} secret{}.",
        report.deleted,
        if report.deleted == 1 { "" } else { "s" }
    );
    eprintln!(
        "New vault key saved to {} (readable only by you). Keep a copy somewhere safe.",
        report.key_path.display()
    );
    if matches!(ctx.key, KeySource::Env(_)) {
        eprintln!("COFFER_VAULT_KEY holds the old key: unset it or set it to the new key.");
    }
    Ok(())
}
