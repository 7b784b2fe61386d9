use crate::cli::{ActiveEnv, ForUrls, RefsArgs};
use crate::context::Context;
use crate::failure::{Failure, code};
use crate::resolve;
use coffer_core::{AllowedDomains, SecretName};
use coffer_vault::ops::resolve::{ResolveRequest, check};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::Path;

pub fn run(ctx: &Context, args: RefsArgs) -> Result<(), Failure> {
    report(ctx, &args.file, &args.dest, &args.env, args.json)
}

/// Lists the references in `file` and whether each would resolve; fails (exit 14) when one
/// would not. Prints no value.
pub fn report(
    ctx: &Context,
    file: &Path,
    dest: &ForUrls,
    env: &ActiveEnv,
    as_json: bool,
) -> Result<(), Failure> {
    let env = resolve::environment(env)?;
    let destinations = resolve::destinations(&dest.urls)?;
    let input = resolve::read_input(file)?;
    let template = resolve::parse(&crate::term::shown(file), &input)?;
    let mut places: BTreeMap<&SecretName, Vec<(usize, usize)>> = BTreeMap::new();
    for r in template.references() {
        places.entry(&r.name).or_default().push((r.line, r.column));
    }
    let outcomes = if places.is_empty() {
        Vec::new()
    } else {
        let mut vault = ctx.open()?;
        check(
            &mut vault,
            &ResolveRequest {
                names: places.keys().copied().collect(),
                environment: env.as_ref(),
                destinations: &destinations,
            },
        )
        .map_err(Failure::from)?
    };
    let mut failed = 0;
    let mut rows = Vec::new();
    let mut entries = Vec::new();
    for (name, outcome) in &outcomes {
        let at = &places[name];
        let used_at = at
            .iter()
            .map(|(l, c)| format!("{l}:{c}"))
            .collect::<Vec<_>>()
            .join(",");
        let (allowed, result, environment): (Option<&AllowedDomains>, String, _) = match outcome {
            Ok(v) => (
                Some(&v.allowed_domains),
                match &v.environment {
                    Some(e) => format!("resolves (value for {e})"),
                    None => "resolves".into(),
                },
                v.environment.as_ref(),
            ),
            Err(f) => {
                failed += 1;
                let why = f.to_string();
                let why = why
                    .strip_prefix(name.as_str())
                    .unwrap_or(&why)
                    .trim_start_matches([':', ' '])
                    .to_string();
                (None, format!("no: {why}"), f.environment.as_ref())
            }
        };
        let domains = allowed.map_or_else(
            || "-".to_string(),
            |a| {
                if a.is_any() {
                    "(any)".into()
                } else {
                    a.to_string()
                }
            },
        );
        entries.push(json!({
            "name": name.as_str(),
            "usedAt": at.iter().map(|(l, c)| json!({"line": l, "column": c})).collect::<Vec<_>>(),
            "resolves": outcome.is_ok(),
            "allowedDomains": allowed.map(AllowedDomains::to_strings),
            "environment": environment.map(|e| e.as_str()),
            "result": result,
        }));
        rows.push([name.to_string(), used_at, domains, result]);
    }
    if as_json {
        let doc = json!({
            "version": 1,
            "destinations": destinations.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "references": entries,
        });
        println!("{doc}");
    } else if rows.is_empty() {
        eprintln!("No references in {}.", crate::term::shown(file));
    } else {
        let header = ["NAME", "USED AT", "ALLOWED DOMAINS", "RESULT"];
        let mut width = header.map(str::len);
        for r in &rows {
            for (w, c) in width.iter_mut().zip(r) {
                *w = (*w).max(c.chars().count());
            }
        }
        let line = |c: [&str; 4]| {
            format!(
                "{:<w0$}  {:<w1$}  {:<w2$}  {}",
                c[0],
                c[1],
                c[2],
                c[3],
                w0 = width[0],
                w1 = width[1],
                w2 = width[2]
            )
        };
        println!("{}", crate::term::escape(&line(header)));
        for r in &rows {
            println!(
                "{}",
                crate::term::escape(&line(r.each_ref().map(String::as_str)))
            );
        }
    }
    if failed > 0 {
        return Err(Failure::new(
            code::UNRESOLVED,
            format!(
                "{failed} of {} referenced secrets would not resolve",
                outcomes.len()
            ),
            if destinations.is_empty() {
                "secrets with allowed domains resolve only with --for URL naming where the values go"
            } else {
                "see RESULT above for each"
            },
        ));
    }
    Ok(())
}
