//! The team's export policy in the web page: a real `coffer-server`, a member's `coffer ui`,
//! headless Chromium (issue 9). What the page allows is what the vault's policy gate allows.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

#[path = "../../coffer-cli/tests/common/browser.rs"]
mod browser;
mod common;

use browser::Browser;
use common::{Backend, MemberVault, Server, Store};

/// Team "Acme" on plan team, on a real server: alice (super admin) and bob (member).
struct Acme {
    alice: MemberVault,
    bob: MemberVault,
    _server: Server,
    _store: Store,
}

/// A POST from inside the page, with its session, as its own script would send it: what the
/// server answers whatever the page shows. Returns `[status, body]`.
async fn page_post(b: &Browser, path: &str, body: &str) -> serde_json::Value {
    b.client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(arguments[0], {method: 'POST', headers: {'Content-Type': 'application/json',
               'Authorization': 'Bearer ' + sessionStorage.getItem('coffer-session')},
               body: arguments[1]})
               .then(async r => done([r.status, await r.text()]));",
            vec![serde_json::json!(path), serde_json::json!(body)],
        )
        .await
        .unwrap()
}

/// A member's `coffer ui` in the browser, with the Team dialog open.
async fn team_dialog(member: &MemberVault) -> (std::process::Child, Browser) {
    let (ui, url) = member.ui();
    let b = Browser::start().await;
    b.client.goto(&url).await.unwrap();
    // The start address answers a page that moves on to the app at once: wait for the app
    // before running any script in the page (a script started in the first page never ends).
    b.el("#rows").await;
    b.click("#open-team:not([hidden])").await;
    (ui, b)
}

fn acme() -> Acme {
    let store = Store::new(Backend::Sqlite);
    let alice_token = store.bootstrap("team");
    let fingerprint = store.fingerprint();
    let server = Server::start(&store, &[]);
    let alice = MemberVault::new();
    alice.login(&server, &alice_token, &fingerprint);
    let bob = MemberVault::new();
    let bob_token = alice.invite("bob", "member");
    bob.login(&server, &bob_token, &fingerprint);
    Acme {
        alice,
        bob,
        _server: server,
        _store: store,
    }
}

#[tokio::test(flavor = "current_thread")]
async fn the_export_dialog_follows_the_team_policy() {
    let Acme {
        alice,
        bob,
        _server,
        _store,
    } = acme();
    alice
        .run(&["team", "policy", "set", "--export", "off"])
        .unwrap();

    let (mut ui, url) = bob.ui();
    let b = Browser::start().await;
    b.client.goto(&url).await.unwrap();
    b.el("#rows").await;

    // Export off: both formats disabled, the team named, nothing to press.
    b.click("#open-export").await;
    let why = b.text_until("#export-policy", |t| !t.is_empty()).await;
    assert!(
        why.contains("vault export is turned off by the policy of team \"Acme\""),
        "{why}"
    );
    b.until("document.querySelector('#fmt-encrypted').disabled && document.querySelector('#fmt-plaintext').disabled && document.querySelector('#export-go').disabled && document.querySelector('#export-password').hidden").await;
    b.screenshot("export-refused").await;
    // The server refuses too, whatever the page does.
    let refused = page_post(
        &b,
        "/api/export",
        r#"{"format": "plaintext", "confirmPlaintext": true}"#,
    )
    .await;
    assert_eq!(refused[0], 403, "{refused}");
    assert!(
        refused[1].as_str().unwrap().contains("turned off"),
        "{refused}"
    );
    b.click("#export-dialog [data-close]").await;

    // Encrypted only: plaintext disabled with the reason; an encrypted export downloads.
    alice.set_policy("on", Some("encrypted"));
    b.click("#open-export").await;
    let why = b
        .text_until("#why-plaintext", |t| t.contains("plaintext export"))
        .await;
    assert!(
        why.contains("plaintext export is not allowed") && why.contains("allowed: encrypted"),
        "{why}"
    );
    b.until("!document.querySelector('#fmt-encrypted').disabled && document.querySelector('#fmt-plaintext').disabled && !document.querySelector('#export-go').disabled").await;
    b.fill("#export-pw", "correct horse battery staple").await;
    b.fill("#export-pw2", "correct horse battery staple").await;
    b.click("#export-go").await;
    let file = b.download().await;
    assert!(
        std::fs::read_to_string(file)
            .unwrap()
            .contains("\"encrypted\": true")
    );
    // The export is in the team's audit log, as bob's.
    let log = alice.run(&["team", "audit", "--json"]).unwrap();
    let v: serde_json::Value = serde_json::from_str(&log).unwrap();
    assert!(
        v["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "vault.export" && e["actorName"] == "bob"),
        "{log}"
    );
    b.stop().await;
    let _ = ui.kill();
    let _ = ui.wait();
}

/// An admin changes the export policy, invites a member and reads the audit log in the page;
/// a member sees the same policy read-only.
#[tokio::test(flavor = "current_thread")]
async fn admins_manage_the_team_in_the_page_and_members_read_it() {
    let Acme {
        alice,
        bob,
        _server,
        _store,
    } = acme();

    let (mut alice_ui, b) = team_dialog(&alice).await;
    b.text_until("#team-me", |t| t == "alice (super-admin)")
        .await;
    b.text_until("#team-members", |t| t.contains("bob (member)"))
        .await;
    let policy = b.text_until("#team-policy", |t| !t.is_empty()).await;
    assert!(
        policy.contains("valid until") && policy.contains("from the server"),
        "{policy}"
    );
    // Encrypted only.
    b.until("document.querySelector('#policy-plaintext').checked")
        .await;
    b.click("#policy-plaintext").await;
    b.click("#policy-save").await;
    b.text_until("#notice", |t| t.contains("revision")).await;
    let shown = bob.run(&["team", "policy", "--json"]).unwrap();
    let v: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(
        v["export"]["formats"],
        serde_json::json!(["encrypted"]),
        "{shown}"
    );
    // Invite: the token is shown once, and the member exists.
    b.fill("#invite-name", "carol").await;
    b.click("#invite-go").await;
    let token = b.text_until("#invite-token-text", |t| !t.is_empty()).await;
    assert!(token.len() >= 32, "{token}");
    b.text_until("#team-members", |t| t.contains("carol (member)"))
        .await;
    b.text_until("#team-audit", |t| {
        t.contains("policy.set") && t.contains("member.add")
    })
    .await;
    // The log's chain and signatures check out, as `coffer team audit --verify` says.
    b.click("#audit-verify").await;
    let verified = b.text_until("#audit-verified", |t| !t.is_empty()).await;
    assert!(verified.starts_with("Intact:"), "{verified}");
    b.screenshot("team").await;
    b.stop().await;
    let _ = alice_ui.kill();
    let _ = alice_ui.wait();

    // Bob, a member: the same policy, read-only, no admin section.
    let (mut bob_ui, b) = team_dialog(&bob).await;
    b.text_until("#team-me", |t| t == "bob (member)").await;
    b.until("document.querySelector('#policy-save').disabled && document.querySelector('#policy-enabled').disabled && document.querySelector('#policy-encrypted').checked && !document.querySelector('#policy-plaintext').checked && document.querySelector('#team-admin').hidden").await;
    // The server refuses a member's change whatever the page does.
    let refused = page_post(
        &b,
        "/api/team/policy",
        r#"{"enabled": true, "formats": ["plaintext"]}"#,
    )
    .await;
    assert_eq!(refused[0], 403, "{refused}");
    assert!(
        refused[1]
            .as_str()
            .unwrap()
            .contains("only a team admin can"),
        "the team server refused it: {refused}"
    );
    b.stop().await;
    let _ = bob_ui.kill();
    let _ = bob_ui.wait();
}
