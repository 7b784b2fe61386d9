//! 1Password's CSV export (1Password 8: `Title,Url,Username,Password,OTPAuth,Favorite,
//! Archived,Tags,Notes`; columns found by name, `URL` accepted for `Url`).
//!
//! Each item with a password becomes a secret named after its title, allowed for its URL's
//! host; an archived item becomes a disabled secret. Listed and not imported: items without a
//! password, TOTP seeds.

use crate::foreign::{Collector, Domains, ForeignError, Format, Naming, Read, clip, table};
use zeroize::Zeroizing;

/// Whether a CSV header is 1Password's: `Title`, `Url`, `Password` and `OTPAuth` (other tools'
/// password CSVs name other columns and are not guessed at; `--from 1password-csv` reads any
/// CSV with Title and Password columns).
pub(crate) fn is_header(h: &[String]) -> bool {
    let has = |c: &str| h.iter().any(|x| x == c);
    has("title") && has("url") && has("password") && has("otpauth") && !has("group")
}

/// Reads a 1Password CSV export for an import.
pub fn read_csv(bytes: &[u8]) -> Result<Read, ForeignError> {
    let t = table::read(bytes, "1Password CSV export")?;
    let (title, password, url, otp, archived) = (
        t.column(&["title"]),
        t.column(&["password"]),
        t.column(&["url", "website"]),
        t.column(&["otpauth"]),
        t.column(&["archived"]),
    );
    if title.is_none() || password.is_none() {
        return Err(ForeignError::Malformed(
            "the 1Password CSV export has no Title or Password column".into(),
        ));
    }
    let mut c = Collector::new(Format::OnePasswordCsv);
    for row in &t.rows {
        let row = match row {
            Ok(r) => r,
            Err((line, why)) => {
                c.skip(format!("line {line}"), why.clone());
                continue;
            }
        };
        let name = row.get(title);
        let origin = format!("line {} (\"{}\")", row.line, clip(name));
        let pw = row.get(password);
        if pw.is_empty() {
            c.skip(origin, "an item without a password");
            continue;
        }
        if !row.get(otp).is_empty() {
            c.skip(
                format!("{origin}, one-time password"),
                "one-time password seeds are not imported",
            );
        }
        let is_archived = row.get(archived).eq_ignore_ascii_case("true");
        let added = c.try_add(
            name,
            Naming::Distinct,
            origin,
            Zeroizing::new(pw.to_string()),
            Domains::from_urls([row.get(url)]),
            is_archived,
        );
        if added && is_archived {
            c.note_last("archived in 1Password: imported disabled");
        }
    }
    Ok(c.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_become_secrets_and_archived_ones_are_disabled() {
        let csv = "Title,Url,Username,Password,OTPAuth,Favorite,Archived,Tags,Notes\n\
Stripe,https://dashboard.stripe.com,me@example.com,sk_1,,false,false,,\n\
Old API,api.example.com,,sk_old,otpauth://totp/x?secret=A,false,true,work,\"multi\nline\"\n\
Wifi,,,,,false,false,,\n";
        let r = read_csv(csv.as_bytes()).unwrap();
        let got: Vec<(&str, &str, String, bool)> = r
            .items
            .iter()
            .map(|i| {
                (
                    i.name.as_str(),
                    i.value.expose(),
                    i.allowed_domains.to_string(),
                    i.disabled,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("Stripe", "sk_1", "dashboard.stripe.com".to_string(), false),
                ("Old-API", "sk_old", "api.example.com".to_string(), true),
            ]
        );
        assert_eq!(
            r.items[1].notes,
            ["archived in 1Password: imported disabled"]
        );
        assert_eq!(r.skipped.len(), 2);
        assert_eq!(r.skipped[1].origin, "line 5 (\"Wifi\")");
    }
}
