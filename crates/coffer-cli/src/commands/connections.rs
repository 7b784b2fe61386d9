//! `coffer connections`: each external vault connection, never its credential.

use crate::context::Context;
use crate::failure::Failure;
use coffer_vault::links::connections::connections;

pub fn run(ctx: &Context, json: bool) -> Result<(), Failure> {
    let mut vault = ctx.open()?;
    let list = connections(&mut vault, coffer_vault::clock::now())?;
    if json {
        let items: Vec<serde_json::Value> = list.iter().map(|c| c.to_json()).collect();
        println!("{}", serde_json::Value::Array(items));
        return Ok(());
    }
    if list.is_empty() {
        eprintln!("No connections. Connect with `coffer connect hashicorp-vault --address URL`.");
        return Ok(());
    }
    for c in &list {
        let state = match (c.expired, c.expires_at) {
            _ if !c.credential_stored => format!(
                "credential not kept (--no-store): taken from {} at each use",
                c.variables
            ),
            (true, _) => "EXPIRED: run `coffer connect` again".to_string(),
            (false, Some(t)) => format!("valid until {t}"),
            (false, None) => "valid (no expiry set by the server)".to_string(),
        };
        let ns = c
            .namespace
            .as_deref()
            .map_or(String::new(), |n| format!(" namespace {n}"));
        let cache = if c.cache_ttl_secs == 0 {
            "no cache".to_string()
        } else {
            format!(
                "cache {} s, {} value(s) cached",
                c.cache_ttl_secs, c.cached_values
            )
        };
        println!(
            "{}\t{}{ns}\t{} login\t{state}\t{cache}",
            c.provider,
            crate::term::escape(&c.address),
            c.auth
        );
    }
    Ok(())
}
