use crate::cli::HistoryArgs;
use crate::context::Context;
use crate::failure::Failure;
use crate::prompt::require_confirmation;
use coffer_vault::ops::history::{Retention, list, purge, set_retention};

pub fn run(ctx: &Context, args: HistoryArgs) -> Result<(), Failure> {
    let mut vault = ctx.open()?;
    if args.purge {
        require_confirmation(
            args.yes,
            "Delete the whole history? The changes it holds can no longer be undone.",
            "pass --yes to purge without a question",
        )?;
        let n = purge(&mut vault)?;
        eprintln!(
            "Deleted {n} history entr{}.",
            if n == 1 { "y" } else { "ies" }
        );
        return Ok(());
    }
    if args.keep.is_some() || args.max_age_days.is_some() {
        let (_, now) = list(&mut vault)?;
        let retention = Retention {
            keep: args.keep.unwrap_or(now.keep),
            max_age_days: args.max_age_days.unwrap_or(now.max_age_days),
        };
        let dropped = set_retention(&mut vault, retention)?;
        eprintln!(
            "History keeps the last {} changes for {} days{}.",
            retention.keep,
            retention.max_age_days,
            if dropped > 0 {
                format!(
                    "; {dropped} older entr{} deleted",
                    if dropped == 1 { "y" } else { "ies" }
                )
            } else {
                String::new()
            }
        );
        return Ok(());
    }
    let (entries, retention) = list(&mut vault)?;
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "version": 1,
                "retention": {"keep": retention.keep, "maxAgeDays": retention.max_age_days},
                "entries": entries,
            })
        );
        return Ok(());
    }
    if entries.is_empty() {
        eprintln!(
            "No history yet: clear, import (--clear or replacing), rm and rename keep what they change here."
        );
        return Ok(());
    }
    let rows: Vec<[String; 5]> = entries
        .iter()
        .map(|e| {
            [
                e.id.to_string(),
                e.at.to_string(),
                e.command.clone(),
                format!("{} -> {}", e.before, e.after),
                e.detail.clone(),
            ]
        })
        .collect();
    crate::table::print(["ID", "WHEN", "COMMAND", "SECRETS", "WHAT"], &rows);
    eprintln!(
        "`coffer undo` undoes the newest change, `coffer undo ID` another (keeps {} changes, {} days).",
        retention.keep, retention.max_age_days
    );
    Ok(())
}
