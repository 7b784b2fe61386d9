use crate::cli::{PolicyAction, TeamCommand};
use crate::context::Context;
use crate::failure::{Failure, code};
use crate::prompt;
use crate::term::escape;
use coffer_core::policy::{ExportKind, ExportPolicy, PolicyStatement, Role};
use coffer_vault::team::authorize::PolicySource;
use coffer_vault::team::{self, TeamError};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

pub fn run(ctx: &Context, cmd: TeamCommand) -> Result<(), Failure> {
    let vault = &mut ctx.open()?;
    match cmd {
        TeamCommand::Login {
            server,
            fingerprint,
            cacert,
        } => {
            let ca_pem = match &cacert {
                None => None,
                Some(path) => Some(std::fs::read_to_string(path).map_err(|e| {
                    Failure::new(
                        code::INVALID_INPUT,
                        format!("cannot read the CA file {}: {e}", path.display()),
                        "give the PEM file of the CA that signed the server's certificate",
                    )
                })?),
            };
            let token = match std::env::var("COFFER_TEAM_TOKEN") {
                Ok(t) if !t.is_empty() => SecretString::from(t),
                _ if prompt::interactive() => {
                    SecretString::from(prompt::hidden("Team API token: ")?.as_str())
                }
                _ => {
                    return Err(Failure::new(
                        code::INVALID_INPUT,
                        "no API token: set COFFER_TEAM_TOKEN or run on a terminal",
                        "an admin gets a token with `coffer team invite NAME`",
                    ));
                }
            };
            if fingerprint.is_none() && !prompt::interactive() {
                return Err(Failure::new(
                    code::CANCELLED,
                    "cannot confirm the team server's key without a terminal",
                    "pass --fingerprint with the value `coffer-server fingerprint` prints on the server",
                ));
            }
            let mut confirm = |fp: &str| {
                eprintln!("The team server's policy key fingerprint is {fp}");
                eprintln!(
                    "Compare it with the output of `coffer-server fingerprint` on the server."
                );
                prompt::confirm("Trust this server?").unwrap_or(false)
            };
            let link = team::login::login(
                vault,
                &server,
                token,
                fingerprint.as_deref(),
                ca_pem,
                &mut confirm,
            )
                .map_err(|e| match e {
                    TeamError::FingerprintMismatch { .. } => Failure::from(e).hint(
                        "the server is not the one you expected, or its key changed: do not continue until you know why",
                    ),
                    other => Failure::from(other),
                })?;
            eprintln!(
                "Joined team \"{}\" on {} as {} ({}). This vault now follows the team's export policy.",
                escape(&link.team_name),
                escape(&link.server_url),
                escape(&link.member_name),
                link.role.as_str()
            );
        }
        TeamCommand::Logout => {
            let r = team::logout::logout(vault).map_err(|e| {
                let offline = matches!(e, TeamError::Unreachable { .. });
                let f = Failure::from(e);
                if offline {
                    f.hint("logging out needs the team server (it revokes the token and signs the release); nothing was changed")
                } else {
                    f
                }
            })?;
            eprintln!(
                "Left team \"{}\"; its API token is revoked.",
                escape(&r.team)
            );
            eprintln!(
                "The team's last export policy still applies to this vault until {} (when every policy it may hold has expired).",
                r.released_at
            );
        }
        TeamCommand::Status { json } => {
            let s = team::status::status(vault)?;
            if json {
                println!(
                    "{}",
                    json!({
                        "server": s.link.server_url,
                        "fingerprint": s.fingerprint,
                        "team": {"id": s.link.team_id, "name": s.link.team_name},
                        "member": {"id": s.link.member_id, "name": s.link.member_name, "role": s.link.role.as_str()},
                        "loggedOut": s.logged_out,
                        "online": s.offline_reason.is_none() && !s.logged_out,
                        "policy": s.policy.as_ref().map(|(st, src)| policy_json(st, src)),
                    })
                );
            } else {
                println!(
                    "Team:    {} ({})",
                    escape(&s.link.team_name),
                    escape(&s.link.team_id)
                );
                println!(
                    "Member:  {} ({})",
                    escape(&s.link.member_name),
                    s.link.role.as_str()
                );
                println!(
                    "Server:  {} (key {})",
                    escape(&s.link.server_url),
                    s.fingerprint
                );
                if s.logged_out {
                    println!("State:   logged out");
                } else if let Some(why) = &s.offline_reason {
                    println!("State:   offline ({})", escape(why));
                } else if let Some(why) = &s.refused_reason {
                    println!("State:   online; {}", escape(why));
                } else {
                    println!("State:   online");
                }
                print_policy(s.policy.as_ref());
            }
        }
        TeamCommand::Policy { action: None, json } => {
            let s = team::status::status(vault)?;
            if json {
                println!(
                    "{}",
                    json!(s.policy.as_ref().map(|(st, src)| policy_json(st, src)))
                );
            } else {
                println!(
                    "Team:    {} ({})",
                    escape(&s.link.team_name),
                    escape(&s.link.team_id)
                );
                print_policy(s.policy.as_ref());
                if let Some(why) = &s.offline_reason {
                    eprintln!("(the team server could not be reached: {})", escape(why));
                }
                if let Some(why) = &s.refused_reason {
                    eprintln!("({})", escape(why));
                }
            }
        }
        TeamCommand::Policy {
            action: Some(PolicyAction::Set { export, formats }),
            ..
        } => {
            let formats = match formats {
                None => [ExportKind::Encrypted, ExportKind::Plaintext].into(),
                Some(list) => list
                    .split(',')
                    .map(|f| {
                        ExportKind::parse(f).ok_or_else(|| {
                            Failure::new(
                                code::INVALID_INPUT,
                                format!("unknown export format {:?}", f.trim()),
                                "formats are encrypted and plaintext, separated by a comma",
                            )
                        })
                    })
                    .collect::<Result<_, _>>()?,
            };
            let policy = ExportPolicy {
                enabled: export == "on",
                formats,
            };
            policy.validate().map_err(|e| {
                Failure::new(
                    code::INVALID_INPUT,
                    e.to_string(),
                    "give --formats encrypted, plaintext or both",
                )
            })?;
            let st = team::policy::set_export_policy(vault, &policy)?;
            eprintln!(
                "Vault export for team \"{}\" is now {} (revision {}).",
                escape(&st.team_name),
                st.export.describe(),
                st.revision
            );
        }
        TeamCommand::Invite { name, role } => {
            let role = Role::parse(&role).ok_or_else(|| {
                Failure::new(
                    code::INVALID_INPUT,
                    format!("unknown role {role:?}"),
                    "roles are member, admin and super-admin",
                )
            })?;
            let token = team::invite::invite(vault, &name, role)?;
            eprintln!(
                "Invited \"{}\" as {}. Their API token (shown once; give it to them privately):",
                escape(&name),
                role.as_str()
            );
            println!("{}", token.expose_secret());
        }
        TeamCommand::Members { json } => {
            let members = team::members::members(vault)?;
            if json {
                println!("{}", json!({"members": members}));
            } else {
                for m in members {
                    println!("{:<24} {}", escape(&m.name), m.role.as_str());
                }
            }
        }
        TeamCommand::Audit {
            limit,
            before,
            json,
            verify,
            jsonl,
        } => {
            if verify || jsonl {
                let check = team::audit::verify(vault)?;
                if jsonl {
                    for e in &check.entries {
                        println!("{}", json!(e));
                    }
                    println!("{}", json!({"head": check.head, "verified": true}));
                } else if json {
                    println!(
                        "{}",
                        json!({"ok": true, "entries": check.entries.len(), "head": check.head})
                    );
                } else {
                    eprintln!(
                        "Audit log intact: {} entries, every one chained to the one before and signed by the server key pinned at login; head {} ({}).",
                        check.entries.len(),
                        check.head.seq,
                        &check.head.hash[..16.min(check.head.hash.len())]
                    );
                }
                return Ok(());
            }
            let log = team::audit::audit(vault, limit, before)?;
            if json {
                println!("{}", json!(log));
            } else {
                for e in &log.entries {
                    let when = coffer_core::Timestamp::from_unix(e.at_micros / 1_000_000)
                        .map(|t| t.to_string())
                        .unwrap_or_default();
                    println!(
                        "{:>6}  {when}  {:<14} {:<12} {}",
                        e.seq,
                        escape(&e.action),
                        escape(e.actor_name.as_deref().unwrap_or("(server)")),
                        escape(&e.detail)
                    );
                }
                if let Some(n) = log.next {
                    eprintln!("Older entries: `coffer team audit --before {n}`.");
                }
            }
        }
    }
    Ok(())
}

fn policy_json(st: &PolicyStatement, src: &PolicySource) -> serde_json::Value {
    let (source, expires) = match src {
        PolicySource::Fresh => ("server", st.expires_at),
        PolicySource::Cached { expires_at, .. } => ("cache", *expires_at),
    };
    json!({
        "team": st.team_name,
        "plan": st.plan.as_str(),
        "export": st.export,
        "revision": st.revision,
        "issuedAt": st.issued_at,
        "expiresAt": expires,
        "source": source,
    })
}

fn print_policy(p: Option<&(PolicyStatement, PolicySource)>) {
    match p {
        None => println!(
            "Policy:  none available (the server is unreachable and no valid policy is cached)"
        ),
        Some((st, src)) => {
            println!("Plan:    {}", st.plan.as_str());
            println!("Export:  {}", st.export.describe());
            let from = match src {
                PolicySource::Fresh => "from the server".to_string(),
                PolicySource::Cached { .. } => "cached".to_string(),
            };
            println!(
                "Policy:  revision {}, signed {}, valid until {} ({from})",
                st.revision, st.issued_at, st.expires_at
            );
        }
    }
}
