//! Committed vectors for other tools' formats (`tests/vectors/foreign/`), read forever: every
//! file in the folders is listed here with what it must give; a file not listed fails the test.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use coffer_core::foreign::{self, ForeignError, Format, Options, Read, bitwarden, detect};
use secrecy::SecretString;
use std::collections::BTreeSet;
use std::path::PathBuf;

const PASSWORD: &str = "correct horse battery staple";

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/foreign")
}

fn bytes(path: &str) -> Vec<u8> {
    std::fs::read(dir().join(path)).unwrap()
}

/// (name, value, allowed domains, disabled, renamed from) of each item.
fn items(r: &Read) -> Vec<(String, String, String, bool, Option<String>)> {
    r.items
        .iter()
        .map(|i| {
            (
                i.name.to_string(),
                i.value.expose().to_string(),
                i.allowed_domains.to_string(),
                i.disabled,
                i.renamed_from.clone(),
            )
        })
        .collect()
}

fn skipped(r: &Read) -> Vec<String> {
    r.skipped.iter().map(|s| s.origin.clone()).collect()
}

fn t(
    name: &str,
    value: &str,
    domains: &str,
    disabled: bool,
    from: Option<&str>,
) -> (String, String, String, bool, Option<String>) {
    (
        name.into(),
        value.into(),
        domains.into(),
        disabled,
        from.map(Into::into),
    )
}

fn bitwarden_expected() -> Vec<(String, String, String, bool, Option<String>)> {
    vec![
        t(
            "Stripe-live",
            "sk_live_fixture_1",
            "api.stripe.com,dashboard.stripe.com",
            false,
            Some("Stripe live"),
        ),
        t(
            "Stripe-live.webhook-secret",
            "whsec_fixture_1",
            "api.stripe.com,dashboard.stripe.com",
            false,
            Some("Stripe live.webhook secret"),
        ),
        t(
            "Stripe-live-2",
            "sk_live_fixture_2",
            "",
            false,
            Some("Stripe live"),
        ),
        t(
            "n_code-_-login",
            "pässwörd ✓",
            "http://intranet.example:8080",
            false,
            Some("Ünïcode ✓ login"),
        ),
    ]
}

const BITWARDEN_SKIPPED: &[&str] = &[
    "item 2 (\"Stripe live\"), TOTP",
    "item 3 (\"DB recovery key\")",
    "item 4 (\"Company card\")",
    "item 6 (\"Deleted\")",
];

fn unlock(path: &str, password: &str) -> Result<Read, ForeignError> {
    match bitwarden::open(&bytes(path), &Options::default())? {
        bitwarden::Opened::Locked(l) => {
            l.unlock(&SecretString::from(password), &Options::default())
        }
        bitwarden::Opened::Plain(_) => panic!("{path} is not protected"),
    }
}

#[test]
fn every_vector_file_is_checked() {
    let mut found = BTreeSet::new();
    for sub in ["bitwarden", "postman", "dotenv", "onepassword", "keepass"] {
        for e in std::fs::read_dir(dir().join(sub)).unwrap() {
            let name = e.unwrap().file_name().into_string().unwrap();
            if !name.ends_with(".md") && !name.ends_with(".py") {
                found.insert(format!("{sub}/{name}"));
            }
        }
    }
    let listed: BTreeSet<String> = [
        "bitwarden/plain.json",
        "bitwarden/protected-pbkdf2.json",
        "bitwarden/protected-argon2id.json",
        "bitwarden/negative-tampered-mac.json",
        "bitwarden/negative-tampered-ciphertext.json",
        "bitwarden/negative-tampered-iterations.json",
        "bitwarden/negative-hostile-kdf.json",
        "bitwarden/negative-hostile-iterations.json",
        "bitwarden/negative-account-restricted.json",
        "postman/environment.json",
        "postman/globals.json",
        "postman/collection.json",
        "dotenv/sample.env",
        "dotenv/negative.env",
        "onepassword/export.1pux",
        "onepassword/negative-truncated.1pux",
        "onepassword/negative-no-data.1pux",
        "onepassword/negative-zip-bomb.1pux",
        "onepassword/negative-zip-bomb-lying-size.1pux",
        "onepassword/1password.csv",
        "keepass/keepassxc.csv",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(found, listed, "every vector is listed in this test");
    for f in &listed {
        let want = match f.split('/').next().unwrap() {
            "bitwarden" => Format::Bitwarden,
            "postman" => Format::Postman,
            "onepassword" if f.ends_with(".csv") => Format::OnePasswordCsv,
            "onepassword" => Format::OnePux,
            "keepass" => Format::KeepassCsv,
            _ => Format::Dotenv,
        };
        assert_eq!(detect(&bytes(f)), Some(want), "{f}");
    }
}

#[test]
fn bitwarden_plain() {
    let r = match bitwarden::open(&bytes("bitwarden/plain.json"), &Options::default()).unwrap() {
        bitwarden::Opened::Plain(r) => r,
        bitwarden::Opened::Locked(_) => panic!("plain"),
    };
    assert_eq!(items(&r), bitwarden_expected());
    assert_eq!(skipped(&r), BITWARDEN_SKIPPED);
    let notes = Options {
        include_notes: true,
        ..Options::default()
    };
    let r = match bitwarden::open(&bytes("bitwarden/plain.json"), &notes).unwrap() {
        bitwarden::Opened::Plain(r) => r,
        bitwarden::Opened::Locked(_) => panic!("plain"),
    };
    assert!(items(&r).contains(&t(
        "DB-recovery-key",
        "line one\nline two",
        "",
        false,
        Some("DB recovery key")
    )));
}

#[test]
fn bitwarden_protected_pbkdf2_and_argon2id() {
    for (f, detail) in [
        (
            "bitwarden/protected-pbkdf2.json",
            "password-protected, PBKDF2-SHA256 5000 iterations",
        ),
        (
            "bitwarden/protected-argon2id.json",
            "password-protected, Argon2id 16 MiB, 2 passes, 1 lanes",
        ),
    ] {
        let r = unlock(f, PASSWORD).unwrap();
        assert_eq!(r.detail.as_deref(), Some(detail));
        assert_eq!(items(&r), bitwarden_expected(), "{f}");
        assert_eq!(skipped(&r), BITWARDEN_SKIPPED);
        assert_eq!(
            unlock(f, "wrong horse battery staple").unwrap_err(),
            ForeignError::Decrypt
        );
    }
}

#[test]
fn bitwarden_negatives() {
    for f in [
        "bitwarden/negative-tampered-mac.json",
        "bitwarden/negative-tampered-ciphertext.json",
        "bitwarden/negative-tampered-iterations.json",
    ] {
        assert_eq!(
            unlock(f, PASSWORD).unwrap_err(),
            ForeignError::Decrypt,
            "{f}"
        );
    }
    for f in [
        "bitwarden/negative-hostile-kdf.json",
        "bitwarden/negative-hostile-iterations.json",
    ] {
        let e = bitwarden::open(&bytes(f), &Options::default())
            .err()
            .unwrap();
        assert!(matches!(e, ForeignError::KdfBounds(_)), "{f}: {e:?}");
    }
    assert_eq!(
        bitwarden::open(
            &bytes("bitwarden/negative-account-restricted.json"),
            &Options::default()
        )
        .err()
        .unwrap(),
        ForeignError::AccountRestricted
    );
}

#[test]
fn postman_environment_globals_and_collection() {
    let o = Options::default();
    let r = foreign::postman::read(&bytes("postman/environment.json"), &o).unwrap();
    assert_eq!(r.detail.as_deref(), Some("environment \"Production\""));
    assert_eq!(
        items(&r),
        [
            t(
                "stripe-key",
                "sk_live_postman_1",
                "",
                false,
                Some("stripe key")
            ),
            t("legacy_token", "tok_old", "", true, None),
            t("retries", "3", "", false, None),
        ]
    );
    assert_eq!(
        skipped(&r),
        [
            "variable 1 (baseUrl)",
            "variable 4 (auth)",
            "variable 5 (session)",
            "variable 7 (timeout)"
        ]
    );
    let r = foreign::postman::read(&bytes("postman/globals.json"), &o).unwrap();
    assert_eq!(items(&r), [t("GLOBAL_SECRET", "g-1", "", false, None)]);
    let r = foreign::postman::read(&bytes("postman/collection.json"), &o).unwrap();
    assert_eq!(r.detail.as_deref(), Some("collection \"Payments API\""));
    assert_eq!(
        items(&r),
        [t("webhook_secret", "whsec_collection_1", "", false, None)]
    );
}

#[test]
fn dotenv_sample_and_negative() {
    let r = foreign::dotenv::read(&bytes("dotenv/sample.env")).unwrap();
    assert_eq!(
        items(&r),
        [
            t(
                "DATABASE_URL",
                "postgres://app:p%40ss@db.internal:5432/app",
                "",
                false,
                None
            ),
            t("STRIPE_KEY", "sk_test_dotenv_1", "", false, None),
            t("QUOTED", "double quoted value", "", false, None),
            t("SINGLE", "single $NOT_EXPANDED", "", false, None),
            t("BASE", "https://api.example.com", "", false, None),
            t("URL", "https://api.example.com/v1", "", false, None),
            t("MULTI", "line one\nline two", "", false, None),
            t("ESCAPED", "a \"quote\" and a $dollar", "", false, None),
        ]
    );
    assert_eq!(skipped(&r), ["line 11 (EMPTY)"]);
    let r = foreign::dotenv::read(&bytes("dotenv/negative.env")).unwrap();
    assert_eq!(items(&r), [t("GOOD", "1", "", false, None)]);
    assert_eq!(skipped(&r), ["line 2"]);
}

#[test]
fn onepassword_1pux() {
    let r = foreign::onepassword::read_pux(&bytes("onepassword/export.1pux"), &Options::default())
        .unwrap();
    assert_eq!(r.detail.as_deref(), Some("1 vault"));
    assert_eq!(
        items(&r),
        [
            t("GitHub", "gh-1pux-password", "github.com", false, None),
            t(
                "GitHub.API-token",
                "ghp_1pux_token",
                "github.com",
                false,
                Some("GitHub.API token")
            ),
            t("DB-root", "db-root-pw", "", false, Some("DB root")),
            t("Stripe.credential", "sk_live_1pux", "", false, None),
            t(
                "Old-login",
                "old-pw",
                "legacy.example.com",
                true,
                Some("Old login")
            ),
        ]
    );
    assert_eq!(
        r.items[4].notes,
        ["archived in 1Password: imported disabled"]
    );
    let skipped: Vec<(String, String)> = r
        .skipped
        .iter()
        .map(|s| (s.origin.clone(), s.reason.clone()))
        .collect();
    assert_eq!(
        skipped,
        [
            (
                "vault \"Personal\", item \"GitHub\", field \"one-time password\"".to_string(),
                "one-time password seeds are not imported".to_string()
            ),
            (
                "vault \"Personal\", item \"Recovery codes\"".to_string(),
                "a secure note (include-notes is off)".to_string()
            ),
            (
                "vault \"Personal\", item \"Company card\"".to_string(),
                "a credit card: not imported".to_string()
            ),
            (
                "vault \"Personal\", item \"No password\"".to_string(),
                "a login without a password or concealed field".to_string()
            ),
        ]
    );
    let notes = Options {
        include_notes: true,
        ..Options::default()
    };
    let r = foreign::onepassword::read_pux(&bytes("onepassword/export.1pux"), &notes).unwrap();
    assert!(items(&r).contains(&t(
        "Recovery-codes",
        "aaaa-bbbb\ncccc-dddd",
        "",
        false,
        Some("Recovery codes")
    )));
}

#[test]
fn onepassword_1pux_negatives_are_bounded() {
    for (f, want) in [
        (
            "onepassword/negative-truncated.1pux",
            "not a readable ZIP archive",
        ),
        ("onepassword/negative-no-data.1pux", "has no export.data"),
        (
            "onepassword/negative-zip-bomb.1pux",
            "larger than 134217728 bytes",
        ),
        // Its headers say 2 bytes: inflating stops at the declared size, and the rest fails
        // the checksum (or, were the limit reached first, the limit).
        (
            "onepassword/negative-zip-bomb-lying-size.1pux",
            "not a readable ZIP archive",
        ),
    ] {
        let e = foreign::onepassword::read_pux(&bytes(f), &Options::default()).unwrap_err();
        assert!(e.to_string().contains(want), "{f}: {e}");
    }
}

#[test]
fn onepassword_csv() {
    let r = foreign::onepassword::read_csv(&bytes("onepassword/1password.csv")).unwrap();
    assert_eq!(
        items(&r),
        [
            t("GitHub", "gh-csv-password", "github.com", false, None),
            t(
                "Stripe-API",
                "sk_live_csv,with \"quotes\"",
                "api.stripe.com",
                false,
                Some("Stripe API")
            ),
            t(
                "Old-login",
                "old-csv-pw",
                "legacy.example.com",
                true,
                Some("Old login")
            ),
        ]
    );
    assert_eq!(
        skipped(&r),
        [
            "line 2 (\"GitHub\"), one-time password",
            "line 6 (\"Wifi\")"
        ]
    );
}

#[test]
fn keepassxc_csv() {
    let r = foreign::keepass::read_csv(&bytes("keepass/keepassxc.csv")).unwrap();
    assert_eq!(
        items(&r),
        [
            t(
                "API-key",
                "va\"l,ue",
                "api.example.com",
                false,
                Some("API key")
            ),
            t(
                "API-key-2",
                "second",
                "http://intranet.example:8080",
                false,
                Some("API key")
            ),
        ]
    );
    assert_eq!(
        skipped(&r),
        [
            "line 4 (\"Passwords/No password\")",
            "line 5 (\"Passwords/Recycle Bin/Old\")",
            "line 6 (\"Passwords/API key\"), TOTP"
        ]
    );
}
