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
    let logins = table::read_logins(bytes, "1Password CSV export")?;
    let t = &logins.table;
    let (url, otp, archived) = (
        t.column(&["url", "website"]),
        t.column(&["otpauth"]),
        t.column(&["archived"]),
    );
    let mut c = Collector::new(Format::OnePasswordCsv);
    t.each_row(&mut c, |c, row| {
        let name = row.get(logins.title);
        let origin = format!("line {} (\"{}\")", row.line, clip(name));
        let pw = row.get(logins.password);
        if pw.is_empty() {
            return c.skip(origin, "an item without a password");
        }
        if !row.get(otp).is_empty() {
            c.skip_totp(format!("{origin}, one-time password"));
        }
        let is_archived = row.get(archived).eq_ignore_ascii_case("true");
        let added = c.add(
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
    });
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
