use crate::context::Context;
use crate::failure::Failure;
use coffer_core::{AllowedDomains, EnvName, ExternalLink, SecretName, Timestamp};
use coffer_vault::ops::list::{SecretSummary, list};
use serde::Serialize;

pub fn run(ctx: &Context, as_json: bool) -> Result<(), Failure> {
    let mut vault = ctx.open()?;
    let secrets = list(&mut vault)?;
    if as_json {
        println!("{}", to_json(&secrets));
        return Ok(());
    }
    if secrets.is_empty() {
        eprintln!("No secrets yet. Add one with `coffer set NAME`.");
        return Ok(());
    }
    let rows: Vec<[String; 6]> = secrets
        .iter()
        .map(|s| {
            [
                s.name.to_string(),
                if s.disabled { "disabled" } else { "enabled" }.into(),
                if s.allowed_domains.is_any() {
                    "(any)".into()
                } else {
                    s.allowed_domains.to_string()
                },
                s.link
                    .as_ref()
                    .map_or_else(|| "-".into(), |l| l.provider().to_string()),
                if s.environments.is_empty() {
                    "-".into()
                } else {
                    s.environments
                        .iter()
                        .map(EnvName::as_str)
                        .collect::<Vec<_>>()
                        .join(",")
                },
                s.updated_at.to_string(),
            ]
        })
        .collect();
    let header = [
        "NAME",
        "STATE",
        "ALLOWED DOMAINS",
        "LINKED",
        "ENVIRONMENTS",
        "UPDATED",
    ];
    crate::table::print(header, &rows);
    Ok(())
}

/// The stable machine-readable form (documented in docs/cli.md).
#[derive(Serialize)]
struct ListJson<'a> {
    version: u32,
    secrets: Vec<EntryJson<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EntryJson<'a> {
    name: &'a SecretName,
    allowed_domains: &'a AllowedDomains,
    linked: bool,
    link: Option<&'a ExternalLink>,
    disabled: bool,
    environments: &'a [EnvName],
    created_at: Timestamp,
    updated_at: Timestamp,
}

fn to_json(secrets: &[SecretSummary]) -> String {
    let doc = ListJson {
        version: 1,
        secrets: secrets
            .iter()
            .map(|s| EntryJson {
                name: &s.name,
                allowed_domains: &s.allowed_domains,
                linked: s.link.is_some(),
                link: s.link.as_ref(),
                disabled: s.disabled,
                environments: &s.environments,
                created_at: s.created_at,
                updated_at: s.updated_at,
            })
            .collect(),
    };
    serde_json::to_string(&doc).expect("serialising metadata to memory cannot fail")
}
