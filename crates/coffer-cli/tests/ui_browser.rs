//! `coffer ui` in a real browser (headless Chromium over WebDriver), against a real server on
//! loopback, checked against the vault with the CLI afterwards (issue 9).
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

#[path = "common/bao.rs"]
mod bao;
#[path = "common/browser.rs"]
mod browser;
mod common;
#[path = "common/ui.rs"]
mod ui;

use bao::Bao;
use browser::Browser;
use common::TestVault;
use ui::UiServer;

const PASSWORD: &str = "correct horse battery staple";

async fn open(v: &TestVault) -> (UiServer, Browser) {
    let s = UiServer::start(v, &[]);
    let b = Browser::start().await;
    b.client.goto(&s.start_url).await.unwrap();
    b.el("#rows").await;
    // Signed in: the token leaves the address bar (waited for as a condition: the page's
    // script replaces the address as it starts, which a loaded machine may run after `#rows`
    // exists).
    let home = url::Url::parse(&s.url("/")).unwrap();
    b.client
        .wait()
        .at_most(std::time::Duration::from_secs(30))
        .for_url(&home)
        .await
        .unwrap();
    assert_eq!(b.client.current_url().await.unwrap().as_str(), s.url("/"));
    (s, b)
}

/// A value as the CLI prints it, without the newline.
fn val(v: &TestVault, name: &str) -> String {
    v.get(name).trim_end_matches('\n').to_string()
}

fn list_json(v: &TestVault) -> serde_json::Value {
    let out = v.cmd(&["list", "--json"]).output().unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test(flavor = "current_thread")]
async fn add_reveal_disable_and_delete_a_secret() {
    let v = TestVault::init();
    v.set("github", "ghp_existing_token");
    let (_s, b) = open(&v).await;
    b.el("tr[data-name=github]").await;
    // Add in the empty row.
    b.fill("#new-name", "stripe").await;
    b.fill("#new-value", "sk_test_from_the_page").await;
    b.fill("#new-domains", "api.stripe.com, *.stripe.com").await;
    b.click("#add").await;
    let domains = b
        .text_until("tr[data-name=stripe] td.domains", |t| !t.is_empty())
        .await;
    assert_eq!(domains, "api.stripe.com, *.stripe.com");
    assert_eq!(val(&v, "stripe"), "sk_test_from_the_page");
    // The value is not in the page until revealed.
    let html = b.js("return document.body.innerHTML").await;
    assert!(!html.as_str().unwrap().contains("sk_test_from_the_page"));
    b.click("tr[data-name=stripe] button.reveal").await;
    b.text_until("tr[data-name=stripe] .secret", |t| {
        t == "sk_test_from_the_page"
    })
    .await;
    // A domain the CLI refuses is refused with the CLI's words.
    b.fill("#new-name", "wild").await;
    b.fill("#new-value", "x").await;
    b.fill("#new-domains", "*.com").await;
    b.click("#add").await;
    let err = b.text_until("#error", |t| !t.is_empty()).await;
    assert!(err.contains("public suffix"), "{err}");
    assert!(err.contains("give hosts like api.example.com"), "{err}");
    b.screenshot("vault").await;
    // Disable with the checkbox: references stop resolving.
    b.click("tr[data-name=stripe] td.enabled input").await;
    b.text_until("#notice", |t| t.contains("disabled")).await;
    let list = list_json(&v);
    let stripe = list["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "stripe")
        .unwrap()
        .clone();
    assert_eq!(stripe["disabled"], true, "{stripe}");
    // Edit the allowed domains only: the value stays.
    b.click("tr[data-name=stripe] button.edit").await;
    b.fill("#edit-domains", "api.stripe.com").await;
    b.click("#edit-save").await;
    b.text_until("tr[data-name=stripe] td.domains", |t| t == "api.stripe.com")
        .await;
    assert_eq!(val(&v, "stripe"), "sk_test_from_the_page");
    // Environments: the switcher picks the environment's value; an edit there adds one and
    // keeps the default.
    v.cmd(&["set", "github", "--env", "prod"])
        .write_stdin("ghp_prod_value")
        .assert()
        .success();
    b.client.refresh().await.unwrap();
    b.el("#env option[value=prod]").await;
    b.select("#env", "prod").await;
    b.click("tr[data-name=github] button.reveal").await;
    b.text_until("tr[data-name=github] .secret", |t| t == "ghp_prod_value")
        .await;
    b.click("tr[data-name=stripe] button.edit").await;
    b.fill("#edit-value", "sk_prod_from_the_page").await;
    b.click("#edit-save").await;
    b.text_until("tr[data-name=stripe] td.name", |t| t.contains("prod"))
        .await;
    let out = v.cmd(&["get", "stripe", "--env", "prod"]).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim_end(),
        "sk_prod_from_the_page"
    );
    assert_eq!(val(&v, "stripe"), "sk_test_from_the_page");
    // An environment with its own domains keeps them when only its value is edited, or
    // nothing at all.
    v.cmd(&[
        "domains",
        "stripe",
        "--env",
        "prod",
        "--set",
        "api.prod.example.com",
    ])
    .assert()
    .success();
    b.click("tr[data-name=stripe] button.edit").await;
    b.click("#edit-save").await;
    b.until("!document.querySelector('#edit-dialog').open")
        .await;
    b.click("tr[data-name=stripe] button.edit").await;
    b.fill("#edit-value", "sk_prod_second").await;
    b.click("#edit-save").await;
    b.until("!document.querySelector('#edit-dialog').open")
        .await;
    let out = v
        .cmd(&["domains", "stripe", "--env", "prod"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "api.prod.example.com"
    );
    b.select("#env", "").await;
    // Delete, confirmed.
    b.click("tr[data-name=github] button.delete").await;
    b.click("#confirm-ok").await;
    b.until("!document.querySelector('tr[data-name=github]')")
        .await;
    assert!(!v.cmd(&["get", "github"]).output().unwrap().status.success());
    b.stop().await;
}

#[tokio::test(flavor = "current_thread")]
async fn export_encrypted_downloads_a_file_the_cli_imports() {
    let v = TestVault::init();
    v.set("stripe", "sk_live_exported");
    v.set("github", "ghp_exported");
    let (_s, b) = open(&v).await;
    b.click("#open-export").await;
    b.until("document.querySelector('#export-dialog').open")
        .await;
    // Live hint, and the CLI's rule.
    b.fill("#export-pw", "short").await;
    b.text_until("#strength", |t| t.starts_with("Too short"))
        .await;
    b.fill("#export-pw2", "short").await;
    b.click("#export-go").await;
    let err = b
        .text_until("#export-dialog .error", |t| !t.is_empty())
        .await;
    assert!(err.contains("12"), "{err}");
    // Different confirmation.
    b.fill("#export-pw", PASSWORD).await;
    b.fill("#export-pw2", "correct horse battery stapler").await;
    b.click("#export-go").await;
    b.text_until("#export-dialog .error", |t| t.contains("differ"))
        .await;
    b.fill("#export-pw2", PASSWORD).await;
    b.text_until("#strength", |t| t == "Strong.").await;
    b.screenshot("export-dialog").await;
    b.click("#export-go").await;
    let file = b.download().await;
    let name = file.file_name().unwrap().to_str().unwrap().to_string();
    assert!(
        name.starts_with("coffer-vault-") && !name.contains("plaintext"),
        "{name}"
    );
    b.text_until("#notice", |t| t.contains("Exported 2 secrets"))
        .await;
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("\"encrypted\": true") && !text.contains("sk_live_exported"));
    // Another machine: the CLI imports it with the password.
    let other = TestVault::init();
    let out = other
        .cmd(&["import", file.to_str().unwrap()])
        .env("COFFER_IMPORT_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert_eq!(val(&other, "stripe"), "sk_live_exported");
    assert_eq!(val(&other, "github"), "ghp_exported");
    b.stop().await;
}

/// An export of `pairs`, written by the CLI from a scratch vault (encrypted when a password is
/// given).
fn export_of(pairs: &[(&str, &str)], password: Option<&str>) -> (TestVault, std::path::PathBuf) {
    let src = TestVault::init();
    for (n, val) in pairs {
        src.set(n, val);
    }
    let file = src.dir.path().join("export.json");
    let mut c = src.cmd(&["export", "-o", file.to_str().unwrap()]);
    match password {
        Some(p) => {
            c.arg("--encrypted")
                .env("COFFER_EXPORT_PASSWORD", p)
                .env("COFFER_EXPORT_KDF", "m=8192,t=1,p=1");
        }
        None => {
            c.args(["--plaintext", "--yes"]);
        }
    }
    c.assert().success();
    (src, file)
}

#[tokio::test(flavor = "current_thread")]
async fn import_files_drops_and_pasted_text_with_duplicates_decided() {
    let v = TestVault::init();
    for (n, val) in [
        ("same", "1"),
        ("b", "old-b"),
        ("c", "old-c"),
        ("d", "old-d"),
    ] {
        v.set(n, val);
    }
    let (_src, encrypted) = export_of(
        &[
            ("same", "1"),
            ("b", "new-b"),
            ("c", "new-c"),
            ("d", "new-d"),
            ("fresh", "f"),
        ],
        Some(PASSWORD),
    );
    let (s, b) = open(&v).await;

    // 1. The file picker, an encrypted file: the password is asked in the page.
    b.click("#open-import").await;
    b.el("#file-input")
        .await
        .send_keys(encrypted.to_str().unwrap())
        .await
        .unwrap();
    b.text_until("#chosen", |t| t.contains("export.json")).await;
    b.click("#import-go").await;
    b.el("#pw-box:not([hidden])").await;
    b.fill("#import-pw", "not the password at all").await;
    b.click("#import-go").await;
    let err = b
        .text_until("#import-dialog .error", |t| {
            t.contains("check the password")
        })
        .await;
    assert!(
        err.contains("wrong password") || err.contains("password"),
        "{err}"
    );
    b.fill("#import-pw", PASSWORD).await;
    b.click("#import-go").await;
    let summary = b.text_until("#plan-summary", |t| !t.is_empty()).await;
    assert!(
        summary.contains("5 secrets from 1 source: 1 new, 1 identical, 3 duplicates"),
        "{summary}"
    );
    b.screenshot("import-plan").await;
    // Apply to all: skip; then one by one: replace c.
    b.select("#all-choice", "skip").await;
    b.select("tr[data-name=c] select.choice", "replace").await;
    b.select("tr[data-name=d] select.choice", "keepBoth").await;
    b.click("#import-go").await;
    let done = b.text_until("#done-summary", |t| !t.is_empty()).await;
    assert!(
        done.contains("1 added, 1 replaced, 1 skipped, 1 kept both (d → d-2), 1 identical"),
        "{done}"
    );
    assert_eq!(val(&v, "b"), "old-b");
    assert_eq!(val(&v, "c"), "new-c");
    assert_eq!(val(&v, "d"), "old-d");
    assert_eq!(val(&v, "d-2"), "new-d");
    assert_eq!(val(&v, "fresh"), "f");
    b.click("#import-go").await; // Done

    // 2. A drop of a file (a synthetic drop event carrying a File, as a drag from the desktop).
    let (_src2, plain) = export_of(&[("dropped", "from-a-drop")], None);
    let content = std::fs::read_to_string(&plain).unwrap();
    b.click("#open-import").await;
    b.client
        .execute(
            "const dt = new DataTransfer();
             dt.items.add(new File([arguments[0]], 'dropped.json', {type: 'application/json'}));
             const zone = document.querySelector('#drop');
             zone.dispatchEvent(new DragEvent('dragover', {dataTransfer: dt, bubbles: true, cancelable: true}));
             zone.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));",
            vec![serde_json::json!(content)],
        )
        .await
        .unwrap();
    b.text_until("#chosen", |t| t.contains("dropped.json"))
        .await;
    b.click("#import-go").await;
    b.text_until("#plan-summary", |t| t.contains("1 new")).await;
    b.click("#import-go").await;
    b.text_until("#done-summary", |t| t.contains("1 added"))
        .await;
    assert_eq!(val(&v, "dropped"), "from-a-drop");
    b.click("#import-go").await;

    // 2b. A folder, chosen with the folder picker: every export in it.
    let folder = tempfile::tempdir().unwrap();
    let (_f1, one) = export_of(&[("folder-one", "1")], None);
    let (_f2, two) = export_of(&[("folder-two", "2")], None);
    std::fs::copy(&one, folder.path().join("one.json")).unwrap();
    std::fs::copy(&two, folder.path().join("two.json")).unwrap();
    b.click("#open-import").await;
    b.el("#folder-input")
        .await
        .send_keys(folder.path().to_str().unwrap())
        .await
        .unwrap();
    b.text_until("#chosen", |t| {
        t.contains("one.json") && t.contains("two.json")
    })
    .await;
    b.click("#import-go").await;
    b.text_until("#plan-summary", |t| {
        t.contains("2 secrets from 2 sources: 2 new")
    })
    .await;
    b.click("#import-go").await;
    b.text_until("#done-summary", |t| t.contains("2 added"))
        .await;
    assert_eq!(val(&v, "folder-two"), "2");
    b.click("#import-go").await;

    // 3. Pasted raw text.
    let (_src3, pasted) = export_of(&[("pasted", "from-the-clipboard")], None);
    let text = std::fs::read_to_string(&pasted).unwrap();
    b.click("#open-import").await;
    b.client
        .execute(
            "const t = document.querySelector('#paste'); t.value = arguments[0];",
            vec![serde_json::json!(text)],
        )
        .await
        .unwrap();
    b.click("#import-go").await;
    b.text_until("#plan-summary", |t| t.contains("1 new")).await;
    b.click("#import-go").await;
    b.text_until("#done-summary", |t| t.contains("1 added"))
        .await;
    assert_eq!(val(&v, "pasted"), "from-the-clipboard");
    b.click("#import-go").await;

    // 4. Clear, confirmed by typing the word.
    b.click("#open-clear").await;
    b.fill("#confirm-type", "clear").await;
    b.click("#confirm-ok").await;
    b.until("document.querySelectorAll('#rows tr').length === 0")
        .await;
    assert_eq!(list_json(&v)["secrets"].as_array().unwrap().len(), 0);
    drop(s);
    b.stop().await;
}

/// Without --no-open on a desktop, `coffer ui` opens the browser through a private file that
/// redirects to the address: the token is never in a command line, and the page opens signed in.
#[tokio::test(flavor = "current_thread")]
async fn the_browser_opens_signed_in_without_the_token_in_a_command_line() {
    use std::os::unix::fs::PermissionsExt;
    let v = TestVault::init();
    v.set("opened", "1");
    let bin = tempfile::tempdir().unwrap();
    let seen = bin.path().join("argv");
    let fake = bin.path().join("xdg-open");
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\nprintf '%s' \"$*\" > '{}.tmp' && mv '{0}.tmp' '{0}'\n",
            seen.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut path = std::ffi::OsString::from(bin.path());
    path.push(":");
    path.push(std::env::var_os("PATH").unwrap());
    let s = UiServer::spawn(&v, &[], &[("PATH", path), ("DISPLAY", ":99".into())]);
    let b = Browser::start().await;
    // The opener runs right after the address is printed; wait for what it was given.
    b.until_file(&seen).await;
    let argv = std::fs::read_to_string(&seen).unwrap();
    let token = s.start_url.split("token=").nth(1).unwrap();
    assert!(
        !argv.contains(token),
        "the token is in a command line: {argv}"
    );
    let file = std::path::Path::new(argv.trim());
    assert_eq!(common::mode(file), 0o600);
    b.client
        .goto(&format!("file://{}", file.display()))
        .await
        .unwrap();
    b.el("tr[data-name=opened]").await;
    assert_eq!(b.client.current_url().await.unwrap().as_str(), s.url("/"));
    b.stop().await;
}

#[tokio::test(flavor = "current_thread")]
async fn linked_secrets_reveal_from_openbao_and_connections_are_shown_cleared_and_disconnected() {
    let bao = Bao::start();
    bao.cli(&["kv", "put", "secret/team/stripe", "api_key=sk_from_openbao"]);
    let v = TestVault::init();
    v.cmd(&[
        "link",
        "stripe",
        "--provider",
        "hashicorp-vault",
        "--mount",
        "secret",
        "--path",
        "team/stripe",
        "--key",
        "api_key",
    ])
    .assert()
    .success();
    v.cmd(&["connect", "hashicorp-vault", "--address", &bao.addr])
        .env("VAULT_TOKEN", "root")
        .assert()
        .success();
    let (_s, b) = open(&v).await;
    // Reveal fetches the linked value from OpenBao.
    b.el("tr[data-name=stripe] .linked-from").await;
    b.click("tr[data-name=stripe] button.reveal").await;
    b.text_until("tr[data-name=stripe] .secret", |t| t == "sk_from_openbao")
        .await;
    // Connections: the connection, its cache, never the token.
    b.click("#open-connections").await;
    let row = b
        .text_until(
            "#connections-table tr[data-provider=hashicorp-vault]",
            |t| t.contains("1 cached"),
        )
        .await;
    assert!(row.contains(&bao.addr), "{row}");
    assert!(row.contains("token"), "{row}");
    b.screenshot("connections").await;
    b.click("#cache-clear").await;
    b.text_until("#notice", |t| t.contains("Deleted 1 cached value"))
        .await;
    b.text_until(
        "#connections-table tr[data-provider=hashicorp-vault]",
        |t| t.contains("0 cached"),
    )
    .await;
    // Disconnect, confirmed: the CLI sees no connection, and Reveal says what to run.
    b.click("#connections-table tr[data-provider=hashicorp-vault] button")
        .await;
    b.click("#confirm-ok").await;
    b.text_until("#notice", |t| {
        t.contains("Disconnected from hashicorp-vault")
    })
    .await;
    b.settled().await;
    let out = v.cmd(&["connections", "--json"]).output().unwrap();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap(),
        serde_json::json!([])
    );
    b.click("#connections-dialog button[data-close]").await;
    // Hide the value shown earlier, then ask for it again.
    b.click("tr[data-name=stripe] button.reveal").await;
    b.text_until("tr[data-name=stripe] .secret", |t| t == "••••••••")
        .await;
    b.click("tr[data-name=stripe] button.reveal").await;
    let err = b
        .text_until("#error", |t| t.contains("not connected"))
        .await;
    assert!(
        err.contains("connect first: `coffer connect hashicorp-vault --address URL`"),
        "{err}"
    );
    b.stop().await;
}

/// Issue 11 on the page: a password-protected Bitwarden export (renames and skipped items shown
/// in the plan), pasted .env lines, and a .env export the CLI reads back.
#[tokio::test(flavor = "current_thread")]
async fn import_from_other_tools_and_export_a_dotenv_file() {
    let v = TestVault::init();
    let bitwarden = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors/foreign/bitwarden/protected-pbkdf2.json");
    let (_s, b) = open(&v).await;

    b.click("#open-import").await;
    b.el("#file-input")
        .await
        .send_keys(bitwarden.canonicalize().unwrap().to_str().unwrap())
        .await
        .unwrap();
    b.text_until("#chosen", |t| t.contains("protected-pbkdf2.json"))
        .await;
    b.click("#import-go").await;
    b.el("#pw-box:not([hidden])").await;
    b.fill("#import-pw", PASSWORD).await;
    b.click("#import-go").await;
    let summary = b.text_until("#plan-summary", |t| !t.is_empty()).await;
    assert!(
        summary.contains("4 secrets from 1 source: 4 new")
            && summary.contains("4 items not imported")
            && summary.contains("read as a Bitwarden export (password-protected, PBKDF2-SHA256"),
        "{summary}"
    );
    let name = b
        .text_until("tr[data-name=Stripe-live] td.name", |t| {
            t.contains("renamed")
        })
        .await;
    assert!(
        name.contains("renamed from \u{201c}Stripe live\u{201d}"),
        "{name}"
    );
    let skipped = b.text_until("#skipped-list", |t| !t.is_empty()).await;
    assert!(
        skipped.contains("item 4 (\"Company card\"): a card: cards are not imported"),
        "{skipped}"
    );
    b.screenshot("import-other-tools").await;
    b.click("#import-go").await;
    b.text_until("#done-summary", |t| t.contains("4 added"))
        .await;
    assert_eq!(val(&v, "Stripe-live"), "sk_live_fixture_1");
    b.click("#import-go").await;

    // Pasted .env lines, recognised from the content.
    b.click("#open-import").await;
    b.client
        .execute(
            "document.querySelector('#paste').value = arguments[0];",
            vec![serde_json::json!(
                "export PASTED_KEY='from the page'\nOTHER=2\n"
            )],
        )
        .await
        .unwrap();
    b.click("#import-go").await;
    b.text_until("#plan-summary", |t| {
        t.contains("2 new") && t.contains("dotenv")
    })
    .await;
    b.click("#import-go").await;
    b.text_until("#done-summary", |t| t.contains("2 added"))
        .await;
    assert_eq!(val(&v, "PASTED_KEY"), "from the page");
    b.click("#import-go").await;

    // A .env export: confirmed, downloaded, read back by a new vault.
    b.click("#open-export").await;
    b.until("document.querySelector('#export-dialog').open")
        .await;
    b.el("#fmt-dotenv:not([disabled])").await;
    b.click("#fmt-dotenv").await;
    b.el("#plain-ack:not([hidden])").await;
    b.click("#plain-ok").await;
    b.click("#export-go").await;
    let file = b.download().await;
    assert!(
        file.to_str().unwrap().ends_with(".env"),
        "{}",
        file.display()
    );
    b.text_until("#notice", |t| t.contains("Exported 6 secrets (dotenv)"))
        .await;
    let other = TestVault::init();
    other
        .cmd(&["import", file.to_str().unwrap()])
        .assert()
        .success();
    assert_eq!(val(&other, "PASTED_KEY"), "from the page");
    assert_eq!(val(&other, "Stripe_live"), "sk_live_fixture_1");
    b.stop().await;
}

#[tokio::test(flavor = "current_thread")]
async fn history_undoes_a_clear_and_a_conflict_is_decided_on_the_page() {
    let v = TestVault::init();
    v.set("stripe", "sk_live_before_clear");
    v.set("github", "ghp_before_clear");
    let (_s, b) = open(&v).await;
    b.el("tr[data-name=stripe]").await;
    // Clear on the page: the confirmation says History can put them back.
    b.click("#open-clear").await;
    let text = b.text_until("#confirm-text", |t| !t.is_empty()).await;
    assert!(text.contains("History can put them back"), "{text}");
    b.fill("#confirm-type", "clear").await;
    b.click("#confirm-ok").await;
    b.until("!document.querySelector('tr[data-name=stripe]')")
        .await;
    // A secret of the same name comes back changed (from the CLI) before the undo.
    v.set("stripe", "sk_live_newer");
    b.click("#open-history").await;
    b.text_until("#history-table tbody tr td:nth-child(3)", |t| t == "clear")
        .await;
    b.click("#history-table tbody tr button").await;
    b.text_until("#undo-table tr[data-name=github] td.status", |t| {
        t.contains("put back")
    })
    .await;
    let stripe = b
        .text_until("#undo-table tr[data-name=stripe] td.status", |t| {
            !t.is_empty()
        })
        .await;
    assert!(stripe.contains("changed since (value)"), "{stripe}");
    // The page shows names and actions, never a value.
    let html = b.js("return document.body.innerHTML").await;
    assert!(!html.as_str().unwrap().contains("sk_live_before_clear"));
    b.select("#undo-conflict", "keepBoth").await;
    b.screenshot("history-undo").await;
    b.click("#undo-go").await;
    b.text_until("#notice", |t| t.starts_with("Undone")).await;
    b.el("tr[data-name=stripe-2]").await;
    assert_eq!(val(&v, "github"), "ghp_before_clear");
    assert_eq!(val(&v, "stripe"), "sk_live_newer");
    assert_eq!(val(&v, "stripe-2"), "sk_live_before_clear");
    // The undo is in the history itself, and the vault checks out.
    b.text_until("#history-table tbody tr td:nth-child(3)", |t| t == "undo")
        .await;
    b.click("#verify-go").await;
    let ok = b.text_until("#verify-result", |t| !t.is_empty()).await;
    assert!(ok.starts_with("Vault OK: 3 secrets"), "{ok}");
    // A plan shown before a change elsewhere is not applied: the page is told to look again.
    b.click("#history-table tbody tr:nth-child(2) button").await;
    b.el("#undo-table tr[data-name=stripe]").await;
    v.set("other", "x");
    b.click("#undo-go").await;
    let err = b
        .text_until("#history-dialog .error", |t| !t.is_empty())
        .await;
    assert!(err.contains("the vault changed"), "{err}");
    assert_eq!(val(&v, "stripe"), "sk_live_newer");
    b.stop().await;
}

/// A large import in the page (issue 13): every duplicate is shown for a decision, the rest only
/// up to 200 rows and a line saying how many more; the import applies all of it.
#[tokio::test(flavor = "current_thread")]
async fn a_large_import_shows_every_decision_and_counts_the_rest() {
    let v = TestVault::init();
    v.set("s5", "mine");
    let names: Vec<String> = (0..260).map(|i| format!("s{i}")).collect();
    let pairs: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "theirs")).collect();
    let file = common::handmade(&v, "many.json", &pairs);
    let (_s, b) = open(&v).await;
    b.click("#open-import").await;
    b.el("#file-input").await.send_keys(&file).await.unwrap();
    b.text_until("#chosen", |t| t.contains("many.json")).await;
    b.click("#import-go").await;
    let summary = b.text_until("#plan-summary", |t| !t.is_empty()).await;
    assert!(
        summary.contains("260 secrets from 1 source: 259 new, 0 identical, 1 duplicate"),
        "{summary}"
    );
    // The duplicate and 200 others, then the count of the 59 not shown.
    let rows = b
        .js("return document.querySelectorAll('#plan-table tbody tr[data-name]').length")
        .await;
    assert_eq!(rows, serde_json::json!(201));
    let more = b.text_until("#plan-more", |t| !t.is_empty()).await;
    assert!(more.contains("59 more new or identical secrets"), "{more}");
    // Decisions first: the duplicate is the first row.
    let first = b
        .js("return document.querySelector('#plan-table tbody tr').dataset.name")
        .await;
    assert_eq!(first, serde_json::json!("s5"));
    b.js("document.querySelector('#plan-summary').scrollIntoView(); return 0")
        .await;
    b.screenshot("import-large").await;
    b.select("tr[data-name=s5] select.choice", "replace").await;
    b.click("#import-go").await;
    b.text_until("#done-summary", |t| t.contains("259 added, 1 replaced"))
        .await;
    assert_eq!(list_json(&v)["secrets"].as_array().unwrap().len(), 260);
    assert_eq!(val(&v, "s5"), "theirs");
    assert_eq!(val(&v, "s259"), "theirs");
}
