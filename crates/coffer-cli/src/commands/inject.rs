use crate::cli::InjectArgs;
use crate::context::Context;
use crate::failure::Failure;
use crate::output::Output;
use crate::resolve;

pub fn run(ctx: &Context, args: InjectArgs) -> Result<(), Failure> {
    if args.dry_run {
        return super::refs::report(ctx, &args.input, &args.dest, &args.env, false);
    }
    let env = resolve::environment(&args.env)?;
    let destinations = resolve::destinations(&args.dest.urls)?;
    // The output is checked first: a refusal costs nothing and reads no secret.
    let output = args
        .output
        .as_deref()
        .map(|p| Output::check(p, args.force))
        .transpose()?;
    let input = resolve::read_input(&args.input)?;
    let label = crate::term::shown(&args.input);
    let template = resolve::parse(&label, &input)?;
    let values = resolve::values(ctx, &[&template], env.as_ref(), &destinations)?;
    let rendered = resolve::render(&template, &values);
    match output {
        Some(out) => {
            out.write(&rendered)?;
            eprintln!(
                "Wrote {} with {} reference{} resolved.",
                out.describe(),
                template.references().len(),
                if template.references().len() == 1 {
                    ""
                } else {
                    "s"
                }
            );
        }
        None => Output::check(std::path::Path::new("-"), false)?.write(&rendered)?,
    }
    Ok(())
}
