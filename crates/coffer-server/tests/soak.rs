//! Soak (issue 12): two server replicas on one PostgreSQL database under a mixed load of a
//! bounded number of requests (75,000, about 60 s on this project's 2-core machine in a debug
//! build; `COFFER_SOAK_REQUESTS` to change it), one replica killed with SIGKILL when half of them
//! have been sent, and started again. No timer decides anything: the phases follow the count. Asserts zero 5xx answers, zero lost audit entries (every audited change
//! that was answered 2xx is in the log) and an intact audit chain; prints the figures
//! (`cargo test -p coffer-server --test soak -- --nocapture`).
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use common::{Backend, Server, Store};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Default, Debug)]
struct Tally {
    /// (operation, status) counts.
    answers: std::collections::BTreeMap<(String, u16), u64>,
    /// Requests that got no answer (connection refused or reset), per replica.
    no_answer: [u64; 2],
    /// Audited changes answered 2xx (each must be in the log).
    audited_ok: u64,
    /// Audited changes that got no answer (may or may not have committed).
    audited_unknown: u64,
    latencies_us: Vec<u64>,
}

fn requests() -> u64 {
    std::env::var("COFFER_SOAK_REQUESTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(75_000)
}

#[test]
fn two_replicas_on_one_postgres_survive_a_kill_without_losing_audit_entries() {
    let store = Store::new(Backend::Postgres);
    let admin = store.bootstrap("team");
    let replicas = Arc::new(Mutex::new([
        Server::start(&store, &[]),
        Server::start(&store, &[]),
    ]));
    let urls: [String; 2] = {
        let r = replicas.lock().unwrap();
        [r[0].url.clone(), r[1].url.clone()]
    };
    // Members to report exports (each has its own report budget per replica).
    let http = reqwest::blocking::Client::new();
    let mut members = Vec::new();
    for i in 0..6 {
        let r = http
            .post(format!("{}/v1/members", urls[0]))
            .bearer_auth(&admin)
            .json(&serde_json::json!({"name": format!("m{i}"), "role": "member"}))
            .send()
            .unwrap();
        assert!(r.status().is_success());
        let v: serde_json::Value = r.json().unwrap();
        members.push(v["token"].as_str().unwrap().to_string());
    }
    let team: String = store.sql(&["SELECT id FROM teams"])[0][0].clone();
    let count_audit = || -> i64 {
        store.sql(&[&format!(
            "SELECT COUNT(*) FROM audit_log WHERE team_id = '{team}'"
        )])[0][0]
            .parse()
            .unwrap()
    };
    let audit_before = count_audit();

    let total = requests();
    let started = Instant::now();
    // Each worker takes a number before each request; whoever takes the middle one says so.
    let sent = Arc::new(AtomicU64::new(0));
    let (halfway_tx, halfway) = std::sync::mpsc::channel::<()>();
    let tally = Arc::new(Mutex::new(Tally::default()));
    let mut workers = Vec::new();
    for w in 0..8usize {
        let (sent, tally, urls) = (sent.clone(), tally.clone(), urls.clone());
        let halfway_tx = halfway_tx.clone();
        let (admin, member) = (admin.clone(), members[w % members.len()].clone());
        workers.push(std::thread::spawn(move || {
            let client = reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap();
            let mut n = 0u64;
            loop {
                let ticket = sent.fetch_add(1, Ordering::Relaxed);
                if ticket >= total {
                    break;
                }
                if ticket == total / 2 {
                    let _ = halfway_tx.send(());
                }
                n += 1;
                let replica = (n as usize + w) % 2;
                let base = &urls[replica];
                // Mostly reads; some policy changes and export reports (both audited).
                let (op, audited, req) = match n % 10 {
                    0 => (
                        "policy.set",
                        true,
                        client
                            .put(format!("{base}/v1/policy/vault"))
                            .bearer_auth(&admin)
                            .json(&serde_json::json!({"export": {"enabled": true,
                                "formats": if n.is_multiple_of(20) { vec!["encrypted"] } else { vec!["encrypted", "plaintext"] }}})),
                    ),
                    1 | 2 => (
                        "vault.export",
                        true,
                        client
                            .post(format!("{base}/v1/audit/exports"))
                            .bearer_auth(&member)
                            .json(&serde_json::json!({"format": "encrypted", "secretCount": 3})),
                    ),
                    3..=5 => (
                        "me",
                        false,
                        client.get(format!("{base}/v1/me")).bearer_auth(&member),
                    ),
                    _ => (
                        "policy.get",
                        false,
                        client
                            .get(format!("{base}/v1/policy/vault"))
                            .bearer_auth(&member),
                    ),
                };
                let t0 = Instant::now();
                let res = req.send();
                let us = t0.elapsed().as_micros() as u64;
                let mut t = tally.lock().unwrap();
                match res {
                    Ok(r) => {
                        let s = r.status().as_u16();
                        *t.answers.entry((op.to_string(), s)).or_default() += 1;
                        if audited && (200..300).contains(&s) {
                            t.audited_ok += 1;
                        }
                        t.latencies_us.push(us);
                    }
                    Err(_) => {
                        t.no_answer[replica] += 1;
                        if audited {
                            t.audited_unknown += 1;
                        }
                    }
                }
            }
        }));
    }
    drop(halfway_tx);
    // Halfway: replica 0 killed with SIGKILL, then started again on the same address.
    halfway.recv().unwrap();
    let (killed_at, restarted) = {
        let mut r = replicas.lock().unwrap();
        let addr = r[0].addr();
        r[0].kill();
        let killed_at = started.elapsed();
        r[0] = Server::start_at(&store, &addr, &[], None);
        (killed_at, started.elapsed())
    };
    for w in workers {
        w.join().unwrap();
    }
    let elapsed = started.elapsed();
    let t = tally.lock().unwrap();
    let total: u64 = t.answers.values().sum();
    let five_xx: u64 = t
        .answers
        .iter()
        .filter(|((_, s), _)| *s >= 500)
        .map(|(_, n)| n)
        .sum();
    let mut lat = t.latencies_us.clone();
    lat.sort_unstable();
    let pct = |p: f64| lat[((lat.len() as f64 - 1.0) * p) as usize];
    let audit_after = count_audit();
    let logged = (audit_after - audit_before) as u64;
    println!(
        "soak: {:.1} s, 2 replicas on one PostgreSQL, 8 client threads; replica 0 killed at {:.1} s, back at {:.1} s",
        elapsed.as_secs_f64(),
        killed_at.as_secs_f64(),
        restarted.as_secs_f64()
    );
    println!(
        "answers: {total} ({:.0}/s), p50 {:.1} ms, p99 {:.1} ms; no answer: replica 0 {}, replica 1 {}",
        total as f64 / elapsed.as_secs_f64(),
        pct(0.5) as f64 / 1000.0,
        pct(0.99) as f64 / 1000.0,
        t.no_answer[0],
        t.no_answer[1]
    );
    for ((op, s), n) in &t.answers {
        println!("  {op:<13} {s} x {n}");
    }
    println!(
        "audit: {} changes answered 2xx, {} unanswered, {} new entries in the log",
        t.audited_ok, t.audited_unknown, logged
    );
    assert_eq!(five_xx, 0, "5xx answers: {:?}", t.answers);
    assert_eq!(
        t.no_answer[1], 0,
        "the replica that was not killed always answered"
    );
    assert!(
        logged >= t.audited_ok && logged <= t.audited_ok + t.audited_unknown,
        "lost audit entries: {} acknowledged, {} logged",
        t.audited_ok,
        logged
    );
    assert!(total > 100, "the load ran ({total} answers)");
    // The chain stayed whole with two writers and a kill.
    let (ok, err) = store.admin_status(&["audit", "verify"]);
    assert!(ok, "{err}");
    println!("{}", err.trim());
}
