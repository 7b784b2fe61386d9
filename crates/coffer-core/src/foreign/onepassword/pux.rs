//! 1Password's 1PUX export: a ZIP archive holding `export.attributes` and `export.data` (JSON:
//! `accounts[].vaults[].items[]`); attachments under `files/` are not read.
//!
//! The archive is bounded before and while reading: `export.data` may declare and inflate to at
//! most [`MAX_DATA_BYTES`] (a ZIP bomb stops there), only deflate and stored entries are read.
//!
//! What becomes a secret: a login's password and a Password item's password (named after the
//! item, allowed for the item's URLs' hosts), every concealed field of a login, password, server,
//! database, email account or API credential item (`ITEM.FIELD`), and a secure note's text with
//! notes included. Archived items become disabled secrets. Listed and not imported: one-time
//! password seeds, items of other categories (cards, identities, documents, …), items without a
//! secret.

use crate::foreign::text::{Text, json_error};
use crate::foreign::{Collector, Domains, ForeignError, Format, Naming, Options, Read, clip};
use serde::Deserialize;
use std::io::Read as _;
use zeroize::Zeroizing;

/// The most `export.data` may hold once inflated.
pub const MAX_DATA_BYTES: u64 = 128 * 1024 * 1024;

#[derive(Deserialize)]
struct Data {
    accounts: Option<Vec<Account>>,
}

#[derive(Deserialize)]
struct Account {
    vaults: Option<Vec<Vault>>,
}

#[derive(Deserialize)]
struct Vault {
    attrs: Option<VaultAttrs>,
    items: Option<Vec<Item>>,
}

#[derive(Deserialize)]
struct VaultAttrs {
    name: Option<Text>,
}

#[derive(Deserialize)]
struct Item {
    state: Option<Text>,
    #[serde(rename = "categoryUuid")]
    category: Option<Text>,
    details: Option<Details>,
    overview: Option<Overview>,
}

#[derive(Deserialize)]
struct Overview {
    title: Option<Text>,
    url: Option<Text>,
    urls: Option<Vec<UrlEntry>>,
}

#[derive(Deserialize)]
struct UrlEntry {
    url: Option<Text>,
}

#[derive(Deserialize)]
struct Details {
    #[serde(rename = "loginFields")]
    login_fields: Option<Vec<LoginField>>,
    #[serde(rename = "notesPlain")]
    notes: Option<Text>,
    sections: Option<Vec<Section>>,
    password: Option<Text>,
}

#[derive(Deserialize)]
struct LoginField {
    value: Option<Text>,
    designation: Option<Text>,
}

#[derive(Deserialize)]
struct Section {
    fields: Option<Vec<Field>>,
}

#[derive(Deserialize)]
struct Field {
    title: Option<Text>,
    id: Option<Text>,
    value: Option<FieldValue>,
}

#[derive(Deserialize)]
struct FieldValue {
    concealed: Option<Text>,
    totp: Option<Text>,
}

/// The name of a category, and whether its items' secrets are imported.
fn category(uuid: &str) -> (&'static str, bool) {
    match uuid {
        "001" => ("login", true),
        "002" => ("credit card", false),
        "003" => ("secure note", true),
        "004" => ("identity", false),
        "005" => ("password", true),
        "006" => ("document", false),
        "100" => ("software license", false),
        "101" => ("bank account", false),
        "102" => ("database", true),
        "103" => ("driver license", false),
        "104" => ("outdoor license", false),
        "105" => ("membership", false),
        "106" => ("passport", false),
        "107" => ("reward program", false),
        "108" => ("social security number", false),
        "109" => ("wireless router", false),
        "110" => ("server", true),
        "111" => ("email account", true),
        "112" => ("API credential", true),
        "113" => ("medical record", false),
        "114" => ("SSH key", false),
        _ => ("item of an unknown category", false),
    }
}

/// `export.data` of a 1PUX archive, bounded.
fn export_data(bytes: &[u8]) -> Result<Zeroizing<Vec<u8>>, ForeignError> {
    let not_zip = || ForeignError::Malformed("the 1PUX file is not a readable ZIP archive".into());
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| not_zip())?;
    let mut file = zip.by_name("export.data").map_err(|e| match e {
        zip::result::ZipError::FileNotFound => {
            ForeignError::Malformed("the 1PUX archive has no export.data".into())
        }
        zip::result::ZipError::UnsupportedArchive(_) => ForeignError::Unsupported(
            "the 1PUX archive's export.data is encrypted or compressed in a way Coffer does not read"
                .into(),
        ),
        _ => not_zip(),
    })?;
    if file.size() > MAX_DATA_BYTES {
        return Err(ForeignError::Malformed(format!(
            "the 1PUX archive's export.data is larger than {MAX_DATA_BYTES} bytes"
        )));
    }
    // Sized from the declared size, so an honest archive reads without reallocating (which
    // would leave unzeroed copies of the plaintext behind).
    let mut out = Zeroizing::new(Vec::with_capacity(file.size() as usize));
    // The declared size may lie: never inflate past the limit.
    let read = file
        .by_ref()
        .take(MAX_DATA_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|_| not_zip())?;
    if read as u64 > MAX_DATA_BYTES {
        return Err(ForeignError::Malformed(format!(
            "the 1PUX archive's export.data inflates to more than {MAX_DATA_BYTES} bytes"
        )));
    }
    Ok(out)
}

/// Reads a 1PUX archive for an import.
pub fn read_pux(bytes: &[u8], options: &Options) -> Result<Read, ForeignError> {
    let data = export_data(bytes)?;
    let data: Data =
        serde_json::from_slice(&data).map_err(|e| json_error("1PUX export.data", &e))?;
    let accounts = data.accounts.ok_or_else(|| {
        ForeignError::Malformed("the 1PUX export.data has no `accounts` list".into())
    })?;
    let mut c = Collector::new(Format::OnePux);
    let mut vaults = 0;
    for vault in accounts
        .into_iter()
        .flat_map(|a| a.vaults.unwrap_or_default())
    {
        vaults += 1;
        let vname = vault
            .attrs
            .as_ref()
            .and_then(|a| a.name.as_ref())
            .map(Text::as_str)
            .unwrap_or_default()
            .to_string();
        for item in vault.items.unwrap_or_default() {
            read_item(&mut c, &vname, item, options);
        }
    }
    c.detail(format!(
        "{vaults} vault{}",
        if vaults == 1 { "" } else { "s" }
    ));
    Ok(c.finish())
}

fn read_item(c: &mut Collector, vault: &str, item: Item, options: &Options) {
    let overview = item.overview.as_ref();
    let title = overview
        .and_then(|o| o.title.as_ref())
        .map(Text::as_str)
        .unwrap_or_default()
        .to_string();
    let origin = format!("vault \"{}\", item \"{}\"", clip(vault), clip(&title));
    let state = item.state.as_ref().map(Text::as_str).unwrap_or("active");
    let archived = match state {
        "active" => false,
        "archived" => true,
        _ => {
            c.skip(origin, "it is deleted");
            return;
        }
    };
    let (kind, imported) = category(item.category.as_ref().map(Text::as_str).unwrap_or_default());
    if !imported {
        c.skip(origin, format!("a {kind}: not imported"));
        return;
    }
    let urls: Vec<String> = overview
        .map(|o| {
            o.url
                .iter()
                .chain(o.urls.iter().flatten().filter_map(|u| u.url.as_ref()))
                .map(|t| t.as_str().to_string())
                .collect()
        })
        .unwrap_or_default();
    let domains = || Domains::from_urls(urls.iter().map(String::as_str));
    let details = item.details;
    let listed = c.listed();
    let add = |c: &mut Collector, name: &str, origin: String, value: &Text, d: Domains| {
        if c.add(name, Naming::Distinct, origin, value.0.clone(), d, archived) && archived {
            c.note_last("archived in 1Password: imported disabled");
        }
    };
    let password = details.as_ref().and_then(|d| {
        d.login_fields
            .iter()
            .flatten()
            .find(|f| f.designation.as_ref().map(Text::as_str) == Some("password"))
            .and_then(|f| f.value.as_ref())
            .or(d.password.as_ref())
            .filter(|p| !p.as_str().is_empty())
    });
    if let Some(pw) = password {
        add(c, &title, format!("{origin}, password"), pw, domains());
    }
    for field in details
        .iter()
        .flat_map(|d| d.sections.iter().flatten())
        .flat_map(|s| s.fields.iter().flatten())
    {
        let label = field
            .title
            .as_ref()
            .filter(|t| !t.as_str().is_empty())
            .or(field.id.as_ref())
            .map(Text::as_str)
            .unwrap_or_default();
        let forigin = format!("{origin}, field \"{}\"", clip(label));
        let Some(value) = &field.value else { continue };
        if value.totp.as_ref().is_some_and(|t| !t.as_str().is_empty()) {
            c.skip_totp(forigin);
            continue;
        }
        if let Some(v) = value.concealed.as_ref().filter(|v| !v.as_str().is_empty()) {
            add(c, &format!("{title}.{label}"), forigin, v, domains());
        }
    }
    let notes = details
        .as_ref()
        .and_then(|d| d.notes.as_ref())
        .filter(|n| !n.as_str().is_empty());
    if kind == "secure note" {
        match notes {
            Some(n) if options.include_notes => {
                add(c, &title, format!("{origin}, note"), n, Domains::any());
            }
            Some(_) => {
                c.skip(origin.clone(), "a secure note (include-notes is off)");
                return;
            }
            None => {}
        }
    }
    if c.listed() == listed {
        c.skip(
            origin,
            format!("a {kind} without a password or concealed field"),
        );
    }
}
