use crate::cli::{OnDuplicate, UndoArgs};
use crate::context::Context;
use crate::failure::{Failure, code};
use crate::prompt;
use coffer_vault::ops::import::Resolution;
use coffer_vault::ops::undo::{Action, UndoItem, UndoPlan, UndoReport, apply, plan};

pub fn run(ctx: &Context, args: UndoArgs) -> Result<(), Failure> {
    let mut vault = ctx.open()?;
    let plan = plan(&mut vault, args.id)?;
    if args.dry_run {
        if args.json {
            println!(
                "{}",
                serde_json::json!({"plan": plan.to_json(), "dryRun": true})
            );
        } else {
            print_plan(&plan);
            eprintln!("Dry run: nothing was changed.");
        }
        return Ok(());
    }
    // On a terminal the plan comes before the questions; otherwise after the decisions, so a
    // refusal stays one error line and one hint line.
    let interactive = prompt::interactive();
    if !args.json && (interactive || plan.is_noop()) {
        print_plan(&plan);
    }
    if plan.is_noop() {
        if args.json {
            println!(
                "{}",
                serde_json::json!({"plan": plan.to_json(), "result": UndoReport::default().to_json()})
            );
        } else {
            eprintln!(
                "Nothing to undo: the vault already holds what change {} removed.",
                plan.entry.id
            );
        }
        return Ok(());
    }
    let resolutions = decide(&plan, args.on_conflict)?;
    if !args.json && !interactive {
        print_plan(&plan);
    }
    let report = apply(&mut vault, &plan, &resolutions)?;
    if args.json {
        println!(
            "{}",
            serde_json::json!({"plan": plan.to_json(), "result": report.to_json()})
        );
    } else {
        print_report(&report);
    }
    Ok(())
}

fn print_plan(plan: &UndoPlan) {
    let e = &plan.entry;
    eprintln!(
        "Undo change {} ({}, {}): {}",
        e.id, e.command, e.at, e.detail
    );
    for i in &plan.items {
        eprintln!("  {:<13} {}", i.action.as_str(), describe(i));
    }
}

fn describe(i: &UndoItem) -> String {
    match &i.action {
        Action::Restore => format!("{}: put back", i.secret.name),
        Action::Identical => format!("{}: already as it was", i.secret.name),
        Action::Revert => format!("{}: put back as it was", i.secret.name),
        Action::Conflict { changes } => format!(
            "{}: changed since ({})",
            i.secret.name,
            changes
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Action::Remove => format!("{}: added by the change, removed", i.secret.name),
        Action::KeepChanged => format!(
            "{}: added by the change and changed since, kept",
            i.secret.name
        ),
    }
}

fn decide(plan: &UndoPlan, flag: Option<OnDuplicate>) -> Result<Vec<Resolution>, Failure> {
    let conflicts: Vec<&UndoItem> = plan.conflicts().collect();
    if conflicts.is_empty() {
        return Ok(Vec::new());
    }
    let all = |r: Resolution| Ok(vec![r; conflicts.len()]);
    match flag {
        Some(OnDuplicate::Skip) => return all(Resolution::Skip),
        Some(OnDuplicate::Replace) => return all(Resolution::Replace),
        Some(OnDuplicate::KeepBoth) => return all(Resolution::KeepBoth),
        None => {}
    }
    if !prompt::interactive() {
        let names: Vec<&str> = conflicts.iter().map(|c| c.secret.name.as_str()).collect();
        return Err(Failure::new(
            code::CONFLICT,
            format!(
                "{} secret{} changed since change {}: {}; nothing was undone",
                names.len(),
                if names.len() == 1 { "" } else { "s" },
                plan.entry.id,
                names.join(", ")
            ),
            "choose with --on-conflict skip|replace|keep-both, or run on a terminal to decide one by one (--dry-run shows the plan)",
        ));
    }
    let mut out = Vec::with_capacity(conflicts.len());
    let mut for_all: Option<Resolution> = None;
    for c in conflicts {
        if let Some(r) = for_all {
            out.push(r);
            continue;
        }
        eprintln!("{}", describe(c));
        let (r, all) = super::import::ask_resolution(
            "  [s]kip (keep it as it is now), [r]eplace (put the old one back), [k]eep both (S/R/K: same for all the rest)? ",
        )?;
        out.push(r);
        if all {
            for_all = Some(r);
        }
    }
    Ok(out)
}

fn print_report(r: &UndoReport) {
    let n = |v: usize| format!("{v} secret{}", if v == 1 { "" } else { "s" });
    let mut parts = vec![format!("put back {}", n(r.restored.len()))];
    if !r.removed.is_empty() {
        parts.push(format!("removed {}", n(r.removed.len())));
    }
    if !r.skipped.is_empty() {
        parts.push(format!("kept {} as changed since", n(r.skipped.len())));
    }
    for (a, b) in &r.kept_both {
        parts.push(format!("kept both: the old {a} is {b}"));
    }
    if !r.kept_added.is_empty() {
        let names: Vec<&str> = r.kept_added.iter().map(|n| n.as_str()).collect();
        parts.push(format!(
            "kept {} the change added, because a conflict was kept as it is ({})",
            n(r.kept_added.len()),
            names.join(", ")
        ));
    }
    eprintln!("Undone: {}.", parts.join("; "));
    if let Some(id) = r.recorded {
        eprintln!("This undo is change {id}: `coffer undo {id}` takes it back.");
    }
}
