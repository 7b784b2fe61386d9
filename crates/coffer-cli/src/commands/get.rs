use crate::context::Context;
use crate::failure::{Failure, code};
use coffer_core::SecretContent;
use coffer_vault::ops::get::get;
use std::io::Write;

pub fn run(ctx: &Context, name: &str, newline: bool) -> Result<(), Failure> {
    let name = super::name(name)?;
    let mut vault = ctx.open()?;
    let secret = get(&mut vault, &name)?;
    match &secret.content {
        SecretContent::Value(v) => {
            let mut out = std::io::stdout().lock();
            out.write_all(v.expose().as_bytes())
                .and_then(|()| {
                    if newline {
                        out.write_all(b"\n")
                    } else {
                        Ok(())
                    }
                })
                .and_then(|()| out.flush())
                .map_err(|e| {
                    Failure::new(
                        code::IO,
                        format!("cannot write the value: {e}"),
                        "check where stdout goes",
                    )
                })?;
            Ok(())
        }
        SecretContent::Link(link) => Err(Failure::new(
            code::INVALID_INPUT,
            format!(
                "secret {name} is linked to an external vault ({link}); its value is not stored here"
            ),
            "read it from the external vault after re-authenticating with it",
        )),
    }
}
