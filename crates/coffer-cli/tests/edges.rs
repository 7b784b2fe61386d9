//! Edges found by review and adversarial runs (issue 7): each test failed before its fix.

mod common;

use common::{TestVault, fails_with, handmade};
use std::io::Read;
use std::os::unix::fs::FileTypeExt;
use std::path::Path;
use std::process::{Command, Stdio};

const INVALID: i32 = 4;

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// `kill -9` the moment anything appears in the output directory: whatever is there must be
/// the complete export, never a partial (temporary) file.
#[test]
fn kill_9_during_an_export_leaves_no_partial_file() {
    let v = TestVault::init();
    let big = "v".repeat(4096);
    let secrets: Vec<(String, &str)> = (0..1500).map(|i| (format!("s{i}"), big.as_str())).collect();
    let refs: Vec<(&str, &str)> = secrets.iter().map(|(n, s)| (n.as_str(), *s)).collect();
    let src = handmade(&v, "src.json", &refs);
    v.cmd(&["import", &src]).assert().success();
    for round in 0..3 {
        let out_dir = v.dir.path().join(format!("out{round}"));
        std::fs::create_dir(&out_dir).unwrap();
        let target = out_dir.join("vault.json");
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("coffer"))
            .args(["export", "--plaintext", "--yes", "-o"])
            .arg(&target)
            .env_clear()
            .env("COFFER_HOME", v.home())
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let appeared = loop {
            let seen = entries(&out_dir);
            if !seen.is_empty() {
                child.kill().unwrap();
                break seen;
            }
            if child.try_wait().unwrap().is_some() {
                break entries(&out_dir);
            }
        };
        child.wait().unwrap();
        assert_eq!(
            appeared,
            ["vault.json"],
            "round {round}: the first name to appear is the export"
        );
        assert_eq!(
            entries(&out_dir),
            ["vault.json"],
            "round {round}: nothing else left"
        );
        let doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&target).unwrap()).unwrap();
        assert_eq!(
            doc["secrets"].as_array().unwrap().len(),
            1500,
            "round {round}: complete"
        );
    }
}

/// A FIFO or device given to `-o` is written into, never replaced; `-o /dev/stdout` is `-o -`.
#[test]
fn export_into_a_fifo_or_dev_stdout_writes_in_place() {
    let v = TestVault::init();
    v.set("a", "value-a");
    let fifo = v.dir.path().join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    for force in [false, true] {
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || {
                let mut s = String::new();
                std::fs::File::open(fifo)
                    .unwrap()
                    .read_to_string(&mut s)
                    .unwrap();
                s
            })
        };
        let mut args = vec![
            "export",
            "--plaintext",
            "--yes",
            "-o",
            fifo.to_str().unwrap(),
        ];
        if force {
            args.push("--force");
        }
        let out = v.cmd(&args).output().unwrap();
        assert!(out.status.success(), "{}", common::stderr(&out));
        let got = reader.join().unwrap();
        assert!(got.contains("value-a"), "the reader got the export: {got}");
        let meta = std::fs::metadata(&fifo).unwrap();
        assert!(meta.file_type().is_fifo(), "still a FIFO (force: {force})");
    }
    let out = v
        .cmd(&["export", "--plaintext", "--yes", "-o", "/dev/stdout"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("value-a"));
    let err = fails_with(
        &mut v.cmd(&[
            "export",
            "--plaintext",
            "--yes",
            "-o",
            v.dir.path().to_str().unwrap(),
        ]),
        INVALID,
    );
    assert!(err.contains("is a directory"), "{err}");
}

/// File names from a folder are untrusted: control characters cannot rewrite the plan.
#[test]
fn hostile_file_names_cannot_rewrite_what_is_shown() {
    let v = TestVault::init();
    v.set("stripe", "mine");
    let dir = v.dir.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    let hostile = "\x1b[2K\ridentical  stripe  \x1b]0;owned\x07\u{202e}.json";
    let src = handmade(&v, "plain.json", &[("stripe", "theirs")]);
    std::fs::rename(&src, dir.join(hostile)).unwrap();
    let out = v
        .cmd(&["import", dir.to_str().unwrap(), "--dry-run"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    let shown = String::from_utf8_lossy(&out.stdout).into_owned() + &common::stderr(&out);
    for bad in ['\x1b', '\r', '\x07', '\u{202e}'] {
        assert!(
            !shown.contains(bad),
            "{bad:?} reached the terminal: {shown:?}"
        );
    }
    assert!(shown.contains("duplicate"), "{shown}");
    assert!(shown.contains("\\e[2K\\r"), "shown as escapes: {shown}");
    // The same file, refused: its name in the error line is escaped too.
    std::fs::write(dir.join(hostile), b"{}").unwrap();
    let err = fails_with(&mut v.cmd(&["import", dir.to_str().unwrap()]), INVALID);
    assert!(!err.contains('\x1b') && !err.contains('\r'), "{err:?}");
}
