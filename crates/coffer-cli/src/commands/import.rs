use crate::cli::{ImportArgs, OnDuplicate};
use crate::context::Context;
use crate::failure::{Failure, code};
use crate::term::escape;
use crate::{password, prompt};
use coffer_core::foreign::{Format, Options};
use coffer_vault::ops::import::source::MAX_TOTAL_BYTES;
use coffer_vault::ops::import::{
    Against, ImportReport, Plan, PlanItem, ReadError, ReadOptions, Resolution, Source, Status,
    apply, load, plan, read_source,
};
use serde_json::{Value, json};

pub fn run(ctx: &Context, args: ImportArgs) -> Result<(), Failure> {
    let mut vault = ctx.open()?;
    if let Some(link) = args.sources.iter().find(|s| {
        s.get(..7)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("file://"))
    }) {
        let path = &link[7..];
        return Err(Failure::new(
            code::INVALID_INPUT,
            format!("{} is a file:// link", escape(link)),
            format!(
                "give the path without file://: coffer import {}",
                escape(path)
            ),
        ));
    }
    let mut sources: Vec<Source> = args.sources.iter().map(|s| Source::from_arg(s)).collect();
    if let Some(url) = &args.git {
        sources.push(Source::Git {
            url: url.clone(),
            reference: args.git_ref.clone(),
            path: args.path.clone(),
        });
    }
    if sources.iter().filter(|s| **s == Source::Stdin).count() > 1 {
        return Err(Failure::new(
            code::USAGE,
            "`-` (standard input) can be given only once",
            "pass `-` once",
        ));
    }
    if sources.contains(&Source::Stdin) && std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        eprintln!("Paste the export, then press Ctrl-D on a new line:");
    }

    let mut passwords = password::for_import(args.password_file.as_deref())?;
    let options = ReadOptions {
        from: args.format.map(|f| f.format()),
        foreign: Options {
            only_secret_type: args.only_secret_type,
            include_notes: args.include_notes,
        },
        key_file: args
            .kdbx_key_file
            .as_deref()
            .map(read_key_file)
            .transpose()?,
    };
    let mut incoming = Vec::new();
    let mut skipped = Vec::new();
    let mut formats: Vec<(String, Format, Option<String>)> = Vec::new();
    let mut files = 0;
    let mut total: u64 = 0;
    for source in &sources {
        for mut loaded in load(source, std::io::stdin().lock())? {
            files += 1;
            // One import holds at most this much, whatever the number of sources.
            total = total.saturating_add(loaded.bytes.len() as u64);
            if total > MAX_TOTAL_BYTES {
                return Err(Failure::new(
                    code::INVALID_INPUT,
                    format!(
                        "the sources hold more than {MAX_TOTAL_BYTES} bytes of exports together"
                    ),
                    "import them in parts; nothing was imported",
                ));
            }
            let read = read_source(&mut loaded, &options, &mut passwords).map_err(read_failure)?;
            formats.push((loaded.label.clone(), read.format, read.detail));
            incoming.extend(read.incoming);
            skipped.extend(read.skipped);
        }
    }

    let plan = plan(&mut vault, incoming, skipped, args.clear)?;
    if args.dry_run {
        if args.json {
            let mut v = plan_json(&plan, true);
            v["files"] = formats_json(&formats);
            println!("{v}");
        } else {
            print_formats(&formats);
            print_plan(&plan, files);
            eprintln!("Dry run: nothing was changed.");
        }
        return Ok(());
    }
    if !args.json {
        print_formats(&formats);
        print_mapping(&plan);
    }

    let resolutions = decide(&plan, args.on_duplicate)?;
    if args.clear && plan.existing > 0 {
        prompt::require_confirmation(
            args.yes,
            &format!(
                "Remove all {} secrets in the vault before importing?",
                plan.existing
            ),
            "pass --yes to clear the vault as part of the import",
        )?;
    }
    let report = apply(&mut vault, &plan, &resolutions).map_err(|e| {
        let hint = e.hint();
        Failure::from(e).hint(hint)
    })?;
    if args.json {
        let mut v = report_json(&report);
        let p = plan.to_json();
        v["skipped"] = p["skipped"].clone();
        v["renamed"] = json!(
            plan.items()
                .iter()
                .filter_map(|i| i.incoming.renamed_from.as_ref().map(|from| json!({
                    "from": from,
                    "name": i.incoming.secret.name.as_str(),
                    "source": i.incoming.source,
                })))
                .collect::<Vec<_>>()
        );
        v["files"] = formats_json(&formats);
        println!("{v}");
    }
    print_report(&report, files);
    Ok(())
}

/// A KeePass key file: at most 1 MiB (key files are 32 to a few hundred bytes; KeePass accepts any
/// file, hashed).
fn read_key_file(path: &std::path::Path) -> Result<zeroize::Zeroizing<Vec<u8>>, Failure> {
    const MAX: u64 = 1024 * 1024;
    let shown = path.display().to_string();
    let shown = escape(&shown);
    let file = std::fs::File::open(path).map_err(|e| {
        Failure::new(
            code::IO,
            format!("cannot read the key file {shown}: {e}"),
            "check the path given to --kdbx-key-file",
        )
    })?;
    let bytes = coffer_core::buf::read_limited(file, MAX, None).map_err(|e| {
        Failure::new(
            code::IO,
            format!("cannot read the key file {shown}: {e}"),
            "check the path given to --kdbx-key-file",
        )
    })?;
    if bytes.len() as u64 > MAX {
        return Err(Failure::new(
            code::INVALID_INPUT,
            format!("the key file {shown} is larger than 1 MiB"),
            "give the key file the database was locked with",
        ));
    }
    Ok(bytes)
}

/// The failure for an export that could not be read, its hint chosen by the error's kind.
fn read_failure(e: ReadError) -> Failure {
    let hint = e.hint();
    Failure::from(e).hint(hint)
}

fn describe(item: &PlanItem) -> String {
    match &item.status {
        Status::New => String::new(),
        Status::Identical { against: a } => format!("same as the {}'s", a.as_str()),
        Status::Duplicate {
            against: a,
            changes,
        } => {
            let what: Vec<&str> = changes.iter().map(|c| c.as_str()).collect();
            let verb = if what.len() == 1 { "differs" } else { "differ" };
            match a {
                Against::Vault => format!("{} {verb} from the vault's", what.join(", ")),
                Against::Import { source } => {
                    format!(
                        "{} {verb} from the one in {}",
                        what.join(", "),
                        escape(source)
                    )
                }
            }
        }
    }
}

/// The files that were not Coffer exports, and what they were read as.
fn print_formats(formats: &[(String, Format, Option<String>)]) {
    for (label, format, detail) in formats {
        if *format == Format::Coffer {
            continue;
        }
        eprintln!(
            "{}: read as a {}{}",
            escape(label),
            format.title(),
            detail
                .as_ref()
                .map(|d| format!(" ({})", escape(d)))
                .unwrap_or_default()
        );
    }
}

fn formats_json(formats: &[(String, Format, Option<String>)]) -> Value {
    json!(
        formats
            .iter()
            .map(|(label, format, detail)| json!({
                "source": label,
                "format": format.as_str(),
                "detail": detail,
            }))
            .collect::<Vec<_>>()
    )
}

/// Renamed secrets, notes and skipped items: shown before an import is applied, as in the plan.
fn print_mapping(plan: &Plan) {
    for item in plan.items() {
        if let Some(from) = &item.incoming.renamed_from {
            eprintln!(
                "  \"{}\" becomes {} [{}]",
                escape(from),
                item.incoming.secret.name,
                escape(&item.incoming.source)
            );
        }
        for note in &item.incoming.notes {
            eprintln!("  {}: {}", item.incoming.secret.name, escape(note));
        }
    }
    print_skipped(plan);
}

fn print_skipped(plan: &Plan) {
    if plan.skipped.is_empty() {
        return;
    }
    eprintln!(
        "{} item{} not imported:",
        plan.skipped.len(),
        if plan.skipped.len() == 1 {
            " is"
        } else {
            "s are"
        }
    );
    for s in &plan.skipped {
        eprintln!(
            "  {}: {} [{}]",
            escape(&s.origin),
            escape(&s.reason),
            escape(&s.source)
        );
    }
}

fn print_plan(plan: &Plan, files: usize) {
    println!(
        "Import plan: {} secret{} from {files} file{}{}",
        plan.items().len(),
        if plan.items().len() == 1 { "" } else { "s" },
        if files == 1 { "" } else { "s" },
        if plan.clear_first {
            format!(", after removing the {} in the vault", plan.existing)
        } else {
            String::new()
        }
    );
    let width = plan
        .items()
        .iter()
        .map(|i| i.incoming.secret.name.as_str().len())
        .max()
        .unwrap_or(4);
    for item in plan.items() {
        let mut what = describe(item);
        if let Some(from) = &item.incoming.renamed_from {
            let renamed = format!("renamed from \"{}\"", escape(from));
            what = if what.is_empty() {
                renamed
            } else {
                format!("{what}; {renamed}")
            };
        }
        println!(
            "  {:<9}  {:<width$}  {}  [{}]",
            item.status.as_str(),
            item.incoming.secret.name.as_str(),
            what,
            escape(&item.incoming.source),
        );
        for note in &item.incoming.notes {
            println!("  {:<9}  {:<width$}  note: {}", "", "", escape(note));
        }
    }
    if !plan.skipped.is_empty() {
        println!("Not imported ({}):", plan.skipped.len());
        for s in &plan.skipped {
            println!(
                "  {}: {}  [{}]",
                escape(&s.origin),
                escape(&s.reason),
                escape(&s.source)
            );
        }
    }
}

fn plan_json(plan: &Plan, dry_run: bool) -> Value {
    let mut v = plan.to_json();
    v["version"] = json!(1);
    v["dryRun"] = json!(dry_run);
    v
}

/// One resolution per duplicate: from the flag, from the terminal, or refuse.
fn decide(plan: &Plan, flag: Option<OnDuplicate>) -> Result<Vec<Resolution>, Failure> {
    let dups: Vec<&PlanItem> = plan.duplicates().collect();
    if dups.is_empty() {
        return Ok(Vec::new());
    }
    let map = |o: OnDuplicate| match o {
        OnDuplicate::Skip => Resolution::Skip,
        OnDuplicate::Replace => Resolution::Replace,
        OnDuplicate::KeepBoth => Resolution::KeepBoth,
    };
    if let Some(o) = flag {
        return Ok(vec![map(o); dups.len()]);
    }
    if !prompt::interactive() {
        let names: Vec<String> = dups
            .iter()
            .map(|d| match &d.status {
                Status::Duplicate { against: a, .. } => {
                    format!("{} ({})", d.incoming.secret.name, a.as_str())
                }
                _ => d.incoming.secret.name.to_string(),
            })
            .collect();
        return Err(Failure::new(
            code::CONFLICT,
            format!(
                "{} duplicate secret{}: {}; nothing was imported",
                dups.len(),
                if dups.len() == 1 { "" } else { "s" },
                names.join(", ")
            ),
            "choose with --on-duplicate skip|replace|keep-both, or run on a terminal to decide one by one (--dry-run shows the plan)",
        ));
    }
    eprintln!(
        "{} duplicate{} found.",
        dups.len(),
        if dups.len() == 1 { "" } else { "s" }
    );
    let mut out = Vec::with_capacity(dups.len());
    let mut all: Option<Resolution> = None;
    for d in dups {
        if let Some(r) = all {
            out.push(r);
            continue;
        }
        eprintln!(
            "{}: {} [{}]",
            d.incoming.secret.name,
            describe(d),
            escape(&d.incoming.source)
        );
        let (r, for_all) =
            ask_resolution("  [s]kip, [r]eplace, [k]eep both (S/R/K: same for all the rest)? ")?;
        out.push(r);
        if for_all {
            all = Some(r);
        }
    }
    Ok(out)
}

/// Asks `question` until the answer is s, r or k (capital: the same for all the rest).
pub(super) fn ask_resolution(question: &str) -> Result<(Resolution, bool), Failure> {
    loop {
        let a = prompt::line(question)?;
        return Ok(match a.trim() {
            "s" => (Resolution::Skip, false),
            "r" => (Resolution::Replace, false),
            "k" => (Resolution::KeepBoth, false),
            "S" => (Resolution::Skip, true),
            "R" => (Resolution::Replace, true),
            "K" => (Resolution::KeepBoth, true),
            _ => {
                eprintln!("  Answer s, r or k (capital for all).");
                continue;
            }
        });
    }
}

fn report_json(r: &ImportReport) -> Value {
    let mut v = r.to_json();
    v["version"] = json!(1);
    v
}

fn print_report(r: &ImportReport, files: usize) {
    if r.cleared > 0 {
        eprintln!(
            "Removed {} existing secret{} first.",
            r.cleared,
            if r.cleared == 1 { "" } else { "s" }
        );
    }
    let kept: Vec<String> = r
        .kept_both
        .iter()
        .map(|(a, b)| format!("{a} -> {b}"))
        .collect();
    eprintln!(
        "Imported from {files} file{}: {} added, {} replaced, {} skipped, {} kept both{}, {} identical.",
        if files == 1 { "" } else { "s" },
        r.added.len(),
        r.replaced.len(),
        r.skipped.len(),
        r.kept_both.len(),
        if kept.is_empty() {
            String::new()
        } else {
            format!(" ({})", kept.join(", "))
        },
        r.identical.len(),
    );
    if !r.relink.is_empty() {
        eprintln!(
            "Linked secrets resolve once this vault is connected to their external vault (`coffer connections` shows what is):"
        );
        // (name, provider, the command that makes it resolve), without the report's JSON (which
        // would copy every imported name).
        let links: Vec<(&str, &str, &str)> = r
            .relink
            .iter()
            .map(|(name, provider)| {
                let connect = coffer_core::link::Provider::from_id(provider).map_or(
                    "coffer connect --help",
                    coffer_vault::links::connect_command,
                );
                (name.as_str(), provider.as_str(), connect)
            })
            .collect();
        if links.len() <= RELINK_LINES {
            for (name, provider, connect) in &links {
                eprintln!("  {name} ({}): `{connect}`", escape(provider));
            }
        } else {
            // Many: one line per provider (the names are in `--json`).
            let mut by_provider: std::collections::BTreeMap<&str, (Vec<&str>, &str)> =
                Default::default();
            for (name, provider, connect) in &links {
                by_provider
                    .entry(provider)
                    .or_insert_with(|| (Vec::new(), connect))
                    .0
                    .push(name);
            }
            for (provider, (names, connect)) in by_provider {
                let shown = &names[..names.len().min(3)];
                eprintln!(
                    "  {} secret{} ({}{}) on {}: `{connect}`",
                    names.len(),
                    if names.len() == 1 { "" } else { "s" },
                    shown.join(", "),
                    if names.len() > shown.len() {
                        ", …"
                    } else {
                        ""
                    },
                    escape(provider)
                );
            }
            eprintln!("  (`coffer import --json` lists every name.)");
        }
    }
}

/// Linked secrets listed one per line after an import; more are summed up per provider.
const RELINK_LINES: usize = 10;
