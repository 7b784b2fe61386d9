use crate::cli::{ExportArgs, ExportFileFormat};
use crate::context::Context;
use crate::failure::{Failure, code};
use crate::output::Output;
use crate::{password, prompt};
use coffer_core::export::KdfParams;
use coffer_core::policy::ExportKind;
use coffer_vault::ops::export::{ExportFormat, export};
use coffer_vault::team::authorize::{authorize_export, export_notes, report_export};

pub fn run(ctx: &Context, args: ExportArgs) -> Result<(), Failure> {
    let mut vault = ctx.open()?;
    let output = Output::check(&args.output, args.force)?;
    let foreign = match args.format {
        ExportFileFormat::Coffer => None,
        ExportFileFormat::Dotenv => Some(("a dotenv file", ExportFormat::Dotenv)),
        ExportFileFormat::PostmanEnv => Some((
            "a Postman environment",
            ExportFormat::PostmanEnv {
                name: args.environment_name.clone(),
            },
        )),
    };
    if let (Some((what, _)), true) = (&foreign, args.encrypted) {
        return Err(Failure::new(
            code::USAGE,
            format!("{what} cannot be encrypted"),
            "use --format coffer --encrypted for an encrypted export, or drop --encrypted",
        ));
    }
    let encrypted = match (args.encrypted, args.plaintext) {
        _ if foreign.is_some() => false,
        (true, _) => true,
        (_, true) => false,
        _ => ask_format()?,
    };
    let kind = if encrypted {
        ExportKind::Encrypted
    } else {
        ExportKind::Plaintext
    };
    let grant = authorize_export(&mut vault, kind)?;
    let format = if let Some((what, format)) = foreign {
        prompt::require_confirmation(
            args.yes,
            &format!(
                "{what} holds every secret value in clear: anyone who can read the file can use them. Continue?"
            ),
            "pass --yes to write it, or use --format coffer --encrypted",
        )?;
        format
    } else if encrypted {
        ExportFormat::Encrypted {
            password: password::for_export(args.password_file.as_deref())?,
            params: kdf_params()?,
        }
    } else {
        prompt::require_confirmation(
            args.yes,
            "A plaintext export holds every secret value in clear: anyone who can read the file can use them. Continue?",
            "pass --yes to write a plaintext export, or use --encrypted",
        )?;
        ExportFormat::Plaintext
    };
    let out = export(&mut vault, &format, &grant)?;
    output.write(&out.bytes)?;
    let kind = match args.format {
        ExportFileFormat::Dotenv => "dotenv, plaintext",
        ExportFileFormat::PostmanEnv => "Postman environment, plaintext",
        ExportFileFormat::Coffer if encrypted => "encrypted",
        ExportFileFormat::Coffer => "plaintext",
    };
    let shown_target = output.describe();
    eprintln!(
        "Exported {} secret{} ({kind}) to {shown_target}.",
        out.count,
        if out.count == 1 { "" } else { "s" }
    );
    for (name, key) in &out.renamed {
        eprintln!(
            "  {name} is written as {key} (a dotenv key has no '-' and starts with a letter or '_')"
        );
    }
    if !out.left_out.is_empty() {
        eprintln!(
            "{} secret{} left out:",
            out.left_out.len(),
            if out.left_out.len() == 1 { "" } else { "s" }
        );
        for (name, why) in &out.left_out {
            eprintln!("  {name}: {why}");
        }
    }
    if matches!(args.format, ExportFileFormat::PostmanEnv) {
        eprintln!(
            "Allowed domains are not part of a Postman environment: Postman will send these values anywhere."
        );
    }
    if out.linked > 0 {
        eprintln!(
            "{} linked secret{} exported as links; after importing, re-authenticate with the external vault.",
            out.linked,
            if out.linked == 1 { " was" } else { "s were" }
        );
    }
    if !encrypted {
        if !output.is_file() {
            eprintln!("The output holds every value in clear.");
        } else {
            eprintln!("The file holds every value in clear: delete it when done.");
        }
    }
    if let ExportFormat::Encrypted { params, .. } = &format {
        let d = KdfParams::DEFAULT;
        if params.memory_kib < d.memory_kib || params.passes < d.passes {
            eprintln!(
                "warning: COFFER_EXPORT_KDF set a key derivation cost below the default ({} KiB, {} passes): the password is easier to guess from a stolen file.",
                d.memory_kib, d.passes
            );
        }
    }
    let reported = report_export(&mut vault, &grant, out.count);
    for note in export_notes(&grant, &reported) {
        eprintln!("{note}");
    }
    Ok(())
}

fn ask_format() -> Result<bool, Failure> {
    if !prompt::interactive() {
        return Err(Failure::new(
            code::USAGE,
            "choose the export format",
            "pass --encrypted (recommended) or --plaintext",
        ));
    }
    loop {
        let answer = prompt::line(
            "Export format: [E]ncrypted with a password (recommended), or [p]laintext? ",
        )?;
        match answer.trim().to_ascii_lowercase().as_str() {
            "" | "e" | "encrypted" => return Ok(true),
            "p" | "plaintext" => return Ok(false),
            _ => eprintln!("Answer e or p."),
        }
    }
}

/// Argon2id cost: the default, or `COFFER_EXPORT_KDF=m=KIB,t=PASSES,p=LANES` (within bounds;
/// for slow machines and tests).
pub(crate) fn kdf_params() -> Result<KdfParams, Failure> {
    let Ok(spec) = std::env::var("COFFER_EXPORT_KDF") else {
        return Ok(KdfParams::DEFAULT);
    };
    let p = KdfParams::from_spec(&spec).ok_or_else(|| {
        Failure::new(
            code::INVALID_INPUT,
            "COFFER_EXPORT_KDF is not of the form m=KIB,t=PASSES,p=LANES",
            "for example COFFER_EXPORT_KDF=m=65536,t=3,p=4, or unset it for the default",
        )
    })?;
    p.check().map_err(|e| {
        Failure::new(
            code::INVALID_INPUT,
            format!("COFFER_EXPORT_KDF: {e}"),
            "unset it for the default",
        )
    })?;
    Ok(p)
}
