//! `coffer connect PROVIDER`: log in to an external vault; again to re-authenticate.

use crate::cli::{
    AwsConnectArgs, AzureConnectArgs, ConnectCommand, HashicorpAuthArg, HashicorpConnectArgs,
    OnePasswordConnectArgs,
};
use crate::context::Context;
use crate::failure::{Failure, code};
use crate::password::credential;
use coffer_vault::links::aws::{self, AwsSettings, Keys};
use coffer_vault::links::azure::AzureSettings;
use coffer_vault::links::connect::{ConnectRequest, Login, connect};
use coffer_vault::links::hashicorp::{self, AuthMethod, HashicorpSettings};
use coffer_vault::links::onepassword::OnePasswordSettings;
use coffer_vault::links::{MAX_CACHE_TTL_SECS, Settings};
use secrecy::SecretString;

pub fn run(ctx: &Context, c: ConnectCommand) -> Result<(), Failure> {
    // The vault and its key first: nothing is asked for or sent to a provider without them.
    let mut vault = ctx.open()?;
    let req = match c {
        ConnectCommand::HashicorpVault(a) => hashicorp_request(a)?,
        ConnectCommand::AwsSecretsManager(a) => aws_request(a)?,
        ConnectCommand::AzureKeyVault(a) => azure_request(a)?,
        ConnectCommand::OnePassword(a) => onepassword_request(a)?,
    };
    let provider = req.settings.provider();
    let variables = coffer_vault::links::memory::variables(&req.settings);
    let connected = connect(&mut vault, req, coffer_vault::clock::now()).map_err(|e| {
        let hint = e.hint();
        Failure::from(e).hint(hint)
    })?;
    let until = match connected.expires_at {
        Some(t) => format!("until {t}"),
        None => "with no expiry set by the server".to_string(),
    };
    if connected.stored {
        eprintln!("Connected to {provider} {until}; linked secrets to it now resolve.");
    } else {
        eprintln!(
            "Connected to {provider} without keeping the credential: each use takes it from {} again.",
            variables
        );
    }
    if connected.cache_cleared > 0 {
        eprintln!(
            "Dropped {} value(s) cached from the earlier connection.",
            connected.cache_cleared
        );
    }
    Ok(())
}

fn azure_request(a: AzureConnectArgs) -> Result<ConnectRequest, Failure> {
    Ok(ConnectRequest {
        settings: Settings::AzureKeyVault(AzureSettings {
            tenant_id: a.tenant,
            client_id: a.client_id,
            authority_host: a.authority_host.filter(|h| !h.is_empty()),
            ca_pem: ca_file(a.cacert.as_deref(), "--cacert")?,
            device_code: a.device_code,
        }),
        login: if a.device_code {
            Login::AzureDeviceCode {
                show: Box::new(|m| eprintln!("{m}")),
            }
        } else {
            Login::Azure(credential(
                "Azure client secret",
                a.client_secret_file.as_deref(),
                "--client-secret-file",
                Some("AZURE_CLIENT_SECRET"),
            )?)
        },
        cache_ttl_secs: cache_ttl(&a.cache.cache_ttl)?,
        store: !a.cache.no_store,
    })
}

fn onepassword_request(a: OnePasswordConnectArgs) -> Result<ConnectRequest, Failure> {
    Ok(ConnectRequest {
        settings: Settings::OnePassword(OnePasswordSettings {
            address: if a.op_cli {
                "op".into()
            } else {
                a.address
                .or_else(|| std::env::var("OP_CONNECT_HOST").ok().filter(|h| !h.is_empty()))
                .ok_or_else(|| {
                    Failure::new(
                        code::USAGE,
                        "a Connect server's address is needed",
                        "pass --address URL (or set OP_CONNECT_HOST), or use the op CLI with --op-cli",
                    )
                })?
            },
            op_cli: a.op_cli,
            ca_pem: ca_file(a.cacert.as_deref(), "--cacert")?,
        }),
        login: Login::OnePassword(if a.op_cli {
            credential(
                "1Password service account token",
                a.token_file.as_deref(),
                "--token-file",
                Some("OP_SERVICE_ACCOUNT_TOKEN"),
            )?
        } else {
            credential(
                "1Password Connect token",
                a.token_file.as_deref(),
                "--token-file",
                Some("OP_CONNECT_TOKEN"),
            )?
        }),
        cache_ttl_secs: cache_ttl(&a.cache.cache_ttl)?,
        store: !a.cache.no_store,
    })
}

fn hashicorp_request(a: HashicorpConnectArgs) -> Result<ConnectRequest, Failure> {
    let ca_pem = ca_file(a.cacert.as_deref(), "--cacert (or VAULT_CACERT)")?;
    if a.cache.no_store && a.auth != HashicorpAuthArg::Token {
        return Err(Failure::new(
            code::USAGE,
            "--no-store works with token login only",
            "give the token in VAULT_TOKEN at each use, or drop --no-store to keep the AppRole or JWT login's token sealed in the vault",
        ));
    }
    let (auth, role, login) = match a.auth {
        HashicorpAuthArg::Token => (
            AuthMethod::Token,
            None,
            hashicorp::Login::Token(credential(
                "Vault token",
                a.token_file.as_deref(),
                "--token-file",
                Some("VAULT_TOKEN"),
            )?),
        ),
        HashicorpAuthArg::Approle => (
            AuthMethod::Approle,
            a.role_id,
            hashicorp::Login::Approle(credential(
                "AppRole secret id",
                a.secret_id_file.as_deref(),
                "--secret-id-file",
                Some("VAULT_SECRET_ID"),
            )?),
        ),
        HashicorpAuthArg::Jwt => (
            AuthMethod::Jwt,
            a.role,
            hashicorp::Login::Jwt(credential(
                "JWT",
                a.jwt_file.as_deref(),
                "--jwt-file",
                None,
            )?),
        ),
    };
    Ok(ConnectRequest {
        settings: Settings::HashicorpVault(HashicorpSettings {
            address: a.address,
            namespace: a.namespace.filter(|n| !n.is_empty()),
            ca_pem,
            auth,
            auth_path: a.auth_path,
            role,
        }),
        login: Login::Hashicorp(login),
        cache_ttl_secs: cache_ttl(&a.cache.cache_ttl)?,
        store: !a.cache.no_store,
    })
}

fn aws_request(a: AwsConnectArgs) -> Result<ConnectRequest, Failure> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let link_failure = |e: coffer_vault::links::LinkError| {
        let hint = e.hint();
        Failure::from(e).hint(hint)
    };
    let (keys, profile_region) = if let Some(p) = &a.profile {
        aws::profile_keys(p).map_err(link_failure)?
    } else if let Some(id) = env("AWS_ACCESS_KEY_ID") {
        let secret = env("AWS_SECRET_ACCESS_KEY").ok_or_else(|| {
            Failure::new(
                code::INVALID_INPUT,
                "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not",
                "set both, or use --profile NAME",
            )
        })?;
        let keys = Keys {
            access_key_id: id,
            secret_access_key: SecretString::from(secret),
            session_token: env("AWS_SESSION_TOKEN").map(SecretString::from),
        };
        (keys, None)
    } else if crate::prompt::interactive() {
        let id = crate::prompt::line("AWS access key id: ")?;
        let secret = crate::prompt::hidden("AWS secret access key: ")?;
        let token = crate::prompt::hidden("Session token (empty for long-lived keys): ")?;
        let keys = Keys {
            access_key_id: id.trim().to_string(),
            secret_access_key: SecretString::from(secret.trim()),
            session_token: (!token.trim().is_empty()).then(|| SecretString::from(token.trim())),
        };
        (keys, None)
    } else {
        return Err(Failure::new(
            code::INVALID_INPUT,
            "AWS keys are needed and there is no terminal to ask for them",
            "use --profile NAME (~/.aws/credentials) or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
        ));
    };
    let region = a
        .region
        .or_else(|| env("AWS_REGION"))
        .or_else(|| env("AWS_DEFAULT_REGION"))
        .or(profile_region)
        .ok_or_else(|| {
            Failure::new(
                code::INVALID_INPUT,
                "no AWS region given",
                "pass --region (e.g. eu-west-1), or set AWS_REGION",
            )
        })?;
    Ok(ConnectRequest {
        settings: Settings::AwsSecretsManager(AwsSettings {
            region,
            // The SDK's standard endpoint settings, read once here and kept with the connection.
            endpoint_url: a
                .endpoint_url
                .or_else(|| env("AWS_ENDPOINT_URL_SECRETS_MANAGER"))
                .or_else(|| env("AWS_ENDPOINT_URL")),
            profile: a.profile,
            access_key_id: keys.access_key_id.clone(),
        }),
        login: Login::Aws(keys),
        cache_ttl_secs: cache_ttl(&a.cache.cache_ttl)?,
        store: !a.cache.no_store,
    })
}

/// The PEM text of a CA file given with `flag`.
fn ca_file(path: Option<&std::path::Path>, flag: &str) -> Result<Option<String>, Failure> {
    path.map(|p| {
        std::fs::read_to_string(p).map_err(|e| {
            Failure::new(
                code::IO,
                format!("cannot read the CA file {}: {e}", crate::term::shown(p)),
                format!("give a PEM file with {flag}"),
            )
        })
    })
    .transpose()
}

/// Parses `0`, `90s`, `30m`, `2h` (at most a day).
pub fn cache_ttl(s: &str) -> Result<u64, Failure> {
    let bad = || {
        Failure::new(
            code::INVALID_INPUT,
            format!("invalid cache time {s:?}"),
            "give 0 (no cache) or a number with s, m or h, e.g. 90s, 30m, 1h; at most 24h",
        )
    };
    let s = s.trim();
    let (num, unit) = match s.char_indices().last() {
        Some((i, c @ ('s' | 'm' | 'h'))) => (&s[..i], c),
        _ if s == "0" => return Ok(0),
        _ => return Err(bad()),
    };
    let n: u64 = num.parse().map_err(|_| bad())?;
    let secs = match unit {
        'h' => n.checked_mul(3600),
        'm' => n.checked_mul(60),
        _ => Some(n),
    }
    .ok_or_else(bad)?;
    if secs > MAX_CACHE_TTL_SECS {
        return Err(bad());
    }
    Ok(secs)
}

#[cfg(test)]
mod tests {
    use super::cache_ttl;

    #[test]
    fn cache_times() {
        assert_eq!(cache_ttl("0").unwrap(), 0);
        assert_eq!(cache_ttl("90s").unwrap(), 90);
        assert_eq!(cache_ttl("30m").unwrap(), 1800);
        assert_eq!(cache_ttl("24h").unwrap(), 86_400);
        for bad in [
            "",
            "h",
            "25h",
            "1d",
            "-1h",
            "1.5h",
            "1 h",
            "99999999999999999999h",
        ] {
            assert!(cache_ttl(bad).is_err(), "{bad}");
        }
    }
}
