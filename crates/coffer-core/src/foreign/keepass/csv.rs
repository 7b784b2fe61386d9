//! KeePassXC's CSV export (`keepassxc-cli export -f csv`, or Database > Export > CSV):
//! `"Group","Title","Username","Password","URL","Notes","TOTP","Icon","Last Modified","Created"`,
//! columns found by name (older releases wrote only the first six).
//!
//! Each entry with a password becomes a secret named after its title, allowed for its URL's
//! host. Listed and not imported: entries without a password, TOTP seeds, entries in the
//! recycle bin.

use crate::foreign::{Collector, Domains, ForeignError, Format, Naming, Read, clip, table};
use zeroize::Zeroizing;

/// Whether a CSV header is KeePassXC's.
pub(crate) fn is_header(h: &[String]) -> bool {
    ["group", "title", "username", "password", "url", "notes"]
        .iter()
        .all(|c| h.iter().any(|x| x == c))
}

/// Reads a KeePassXC CSV export for an import.
pub fn read_csv(bytes: &[u8]) -> Result<Read, ForeignError> {
    let logins = table::read_logins(bytes, "KeePassXC CSV export")?;
    let t = &logins.table;
    let (group, url, totp) = (
        t.column(&["group"]),
        t.column(&["url"]),
        t.column(&["totp"]),
    );
    let mut c = Collector::new(Format::KeepassCsv);
    t.each_row(&mut c, |c, row| {
        let name = row.get(logins.title);
        let path = row.get(group);
        let origin = format!("line {} (\"{}/{}\")", row.line, clip(path), clip(name));
        if path.split('/').any(|g| g == "Recycle Bin") {
            return c.skip(origin, "it is in the recycle bin");
        }
        let pw = row.get(logins.password);
        if pw.is_empty() {
            return c.skip(origin, "an entry without a password");
        }
        if !row.get(totp).is_empty() {
            c.skip_totp(format!("{origin}, TOTP"));
        }
        c.add(
            name,
            Naming::Distinct,
            origin,
            Zeroizing::new(pw.to_string()),
            Domains::from_urls([row.get(url)]),
            false,
        );
    });
    Ok(c.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::foreign::testing::{items, want};

    #[test]
    fn entries_become_secrets_by_title() {
        let csv = "\"Group\",\"Title\",\"Username\",\"Password\",\"URL\",\"Notes\",\"TOTP\",\"Icon\",\"Last Modified\",\"Created\"\n\
\"Passwords/Dev\",\"API key\",\"alice\",\"va\"\"l,ue\",\"https://api.example.com\",\"line1\nline2\",\"\",\"0\",\"2026-11-28T17:14:37Z\",\"2026-11-28T17:14:37Z\"\n\
\"Passwords\",\"No pw\",\"bob\",\"\",\"\",\"\",\"\",\"0\",\"\",\"\"\n\
\"Passwords/Recycle Bin\",\"Old\",\"\",\"x\",\"\",\"\",\"\",\"0\",\"\",\"\"\n\
\"Passwords\",\"With otp\",\"\",\"p\",\"\",\"\",\"otpauth://totp/x?secret=A\",\"0\",\"\",\"\"\n";
        let r = read_csv(csv.as_bytes()).unwrap();
        let got = items(&r);
        assert_eq!(
            got,
            want(&[
                ("API-key", "va\"l,ue", "api.example.com"),
                ("With-otp", "p", "")
            ])
        );
        assert_eq!(r.items[0].origin, "line 2 (\"Passwords/Dev/API key\")");
        let skipped: Vec<&str> = r.skipped.iter().map(|s| s.reason.as_str()).collect();
        assert_eq!(
            skipped,
            [
                "an entry without a password",
                "it is in the recycle bin",
                "one-time password seeds are not imported"
            ]
        );
    }
}
