//! `coffer link NAME --provider P FIELDS`: a secret whose value lives in an external vault.
//! Coffer stores where it lives (validated by the link rules of `coffer-core`), never the value.

use crate::cli::{LinkArgs, ProviderArg};
use crate::context::Context;
use crate::failure::{Failure, code};
use coffer_core::SecretContent;
use coffer_core::link::{ExternalLink, LinkRepr};
use coffer_vault::ops::set::{SetOutcome, SetRequest, set};

pub fn run(ctx: &Context, args: LinkArgs) -> Result<(), Failure> {
    let name = super::name(&args.name)?;
    let domains = super::domain_change(args.allowed_domains.as_deref(), args.clear_domains)?;
    let link = ExternalLink::new(repr(&args)?).map_err(|e| {
        Failure::from(e).hint("see `coffer link --help` for each provider's fields")
    })?;
    let mut vault = ctx.open()?;
    let outcome = set(
        &mut vault,
        SetRequest {
            name: name.clone(),
            content: SecretContent::Link(link.clone()),
            domains,
            environment: None,
        },
    )?;
    let verb = match outcome {
        SetOutcome::Created => "Added",
        SetOutcome::Updated => "Updated",
    };
    eprintln!(
        "{verb} linked secret {:?} -> {link} (Coffer stores where the value lives, never the value).",
        name.as_str()
    );
    Ok(())
}

/// The link's fields from the flags: each provider's required ones present, no other
/// provider's given.
fn repr(a: &LinkArgs) -> Result<LinkRepr, Failure> {
    let provider = a.provider.provider().id();
    let fields: [(&str, &Option<String>, ProviderArg); 9] = [
        ("--mount", &a.mount, ProviderArg::HashicorpVault),
        ("--path", &a.path, ProviderArg::HashicorpVault),
        ("--key", &a.key, ProviderArg::HashicorpVault),
        (
            "--secret-arn",
            &a.secret_arn,
            ProviderArg::AwsSecretsManager,
        ),
        ("--role-arn", &a.role_arn, ProviderArg::AwsSecretsManager),
        (
            "--version-id",
            &a.version_id,
            ProviderArg::AwsSecretsManager,
        ),
        ("--json-key", &a.json_key, ProviderArg::AwsSecretsManager),
        ("--secret-id", &a.secret_id, ProviderArg::AzureKeyVault),
        ("--reference", &a.reference, ProviderArg::OnePassword),
    ];
    let own: Vec<&str> = fields
        .iter()
        .filter(|(_, _, p)| *p == a.provider)
        .map(|(f, _, _)| *f)
        .collect();
    if let Some((flag, _, _)) = fields
        .iter()
        .find(|(_, v, p)| v.is_some() && *p != a.provider)
    {
        return Err(Failure::new(
            code::USAGE,
            format!("{flag} is not a field of {provider} links"),
            format!("{provider} links take {}", own.join(", ")),
        ));
    }
    let need = |v: &Option<String>, flag: &str| {
        v.clone().ok_or_else(|| {
            Failure::new(
                code::USAGE,
                format!("a {provider} link needs {flag}"),
                format!("{provider} links take {}", own.join(", ")),
            )
        })
    };
    Ok(match a.provider {
        ProviderArg::HashicorpVault => LinkRepr::HashicorpVault {
            mount: need(&a.mount, "--mount")?,
            path: need(&a.path, "--path")?,
            key: need(&a.key, "--key")?,
        },
        ProviderArg::AwsSecretsManager => LinkRepr::AwsSecretsManager {
            secret_arn: need(&a.secret_arn, "--secret-arn")?,
            role_arn: a.role_arn.clone(),
            version_id: a.version_id.clone(),
            json_key: a.json_key.clone(),
        },
        ProviderArg::AzureKeyVault => LinkRepr::AzureKeyVault {
            secret_id: need(&a.secret_id, "--secret-id")?,
        },
        ProviderArg::OnePassword => LinkRepr::OnePassword {
            reference: need(&a.reference, "--reference")?,
        },
    })
}
