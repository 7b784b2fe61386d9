use crate::cli::SetArgs;
use crate::context::Context;
use crate::failure::{Failure, code};
use crate::prompt;
use coffer_core::value::MAX_VALUE_LEN;
use coffer_core::{SecretContent, SecretValue, ValueError};
use coffer_vault::ops::set::{SetError, SetOutcome, SetRequest, set};
use std::io::Read;
use zeroize::Zeroizing;

pub fn run(ctx: &Context, args: SetArgs) -> Result<(), Failure> {
    let name = super::name(&args.name)?;
    let domains = super::domain_change(args.allowed_domains.as_deref(), args.clear_domains)?;
    let environment = super::env_name(args.env.as_deref())?;
    // Open first: no point asking for a value if the vault cannot take it.
    let mut vault = ctx.open()?;
    let value = read_value(&args, name.as_str())?;
    let outcome = set(
        &mut vault,
        SetRequest {
            name: name.clone(),
            content: SecretContent::Value(value),
            domains,
            environment: environment.clone(),
        },
    )
    .map_err(|e| match e {
        SetError::NotFound { .. } => Failure::from(e).hint(format!(
            "set its default value first with `coffer set {name}`, then each environment's with --env"
        )),
        e => Failure::from(e),
    })?;
    match (outcome, environment) {
        (SetOutcome::Created, _) => eprintln!("Added secret {:?}.", name.as_str()),
        (SetOutcome::Updated, None) => eprintln!("Updated secret {:?}.", name.as_str()),
        (SetOutcome::Updated, Some(e)) => eprintln!(
            "Set the {:?} value of secret {:?}.",
            e.as_str(),
            name.as_str()
        ),
    }
    Ok(())
}

fn read_value(args: &SetArgs, name: &str) -> Result<SecretValue, Failure> {
    let bytes = if let Some(path) = &args.value_file {
        let file = std::fs::File::open(path).map_err(|e| {
            Failure::new(
                code::IO,
                format!("cannot read {}: {e}", path.display()),
                "check the path given to --value-file",
            )
        })?;
        read_limited(file)?
    } else if prompt::interactive() {
        let label = match &args.env {
            Some(env) => format!("Value for {name} in {env} (hidden): "),
            None => format!("Value for {name} (hidden): "),
        };
        let text = prompt::hidden(&label)?;
        Zeroizing::new(text.as_bytes().to_vec())
    } else {
        read_limited(std::io::stdin().lock())?
    };
    SecretValue::from_input(bytes).map_err(|e| {
        let hint = match e {
            ValueError::Empty if args.allowed_domains.is_some() || args.clear_domains => {
                "to change only where it may be used: `coffer domains NAME --set LIST` or `--clear`"
            }
            ValueError::Empty => {
                "pipe the value on stdin, type it at the prompt, or use --value-file FILE"
            }
            ValueError::TooLong => {
                "a value is a key, token or password; keep a large file elsewhere and store its key or path here"
            }
            ValueError::NotUtf8 => {
                "values are text: encode binary data first, e.g. `base64 < FILE | coffer set NAME`"
            }
        };
        Failure::from(e).hint(hint)
    })
}

/// Reads at most one byte past the value limit into memory that is zeroed when dropped.
fn read_limited(r: impl Read) -> Result<Zeroizing<Vec<u8>>, Failure> {
    let limit = MAX_VALUE_LEN + 3;
    let mut buf = Zeroizing::new(Vec::with_capacity(limit));
    r.take(limit as u64).read_to_end(&mut buf).map_err(|e| {
        Failure::new(
            code::IO,
            format!("cannot read the value: {e}"),
            "check the input",
        )
    })?;
    Ok(buf)
}
