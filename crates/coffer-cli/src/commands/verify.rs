use crate::context::Context;
use crate::failure::Failure;
use crate::prompt::require_confirmation;
use coffer_vault::ops::verify::{VerifyReport, accept, verify};

pub fn run(ctx: &Context, accept_rows: bool, yes: bool, as_json: bool) -> Result<(), Failure> {
    let mut vault = ctx.open()?;
    let report = if accept_rows {
        require_confirmation(
            yes,
            "Accept the vault's records as they are now? Do this only after checking them: a \
             deleted secret or an older copy of one stays as it is.",
            "pass --yes to accept without a question",
        )?;
        accept(&mut vault)?
    } else {
        verify(&mut vault)?
    };
    if as_json {
        println!(
            "{}",
            serde_json::json!({
                "ok": true,
                "secrets": report.secrets,
                "stateEntries": report.states,
                "changes": report.changes,
                "accepted": report.accepted,
            })
        );
    } else {
        eprintln!("{}", summary(&report));
    }
    Ok(())
}

fn summary(r: &VerifyReport) -> String {
    let plural = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!(
        "{}: {} and {} authenticate, and they are the set the vault last wrote (change {}).",
        if r.accepted { "Accepted" } else { "Vault OK" },
        plural(r.secrets, "secret", "secrets"),
        plural(r.states, "state entry", "state entries"),
        r.changes,
    )
}
