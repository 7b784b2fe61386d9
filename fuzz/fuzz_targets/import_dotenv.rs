//! dotenv files (`coffer import` of a .env): no panics; lines in range; every item a valid name
//! and a non-empty value; what Coffer writes as dotenv reads back to the same values.
#![no_main]

use coffer_core::foreign::{self, dotenv};
use coffer_core::{AllowedDomains, Secret, SecretContent, SecretName, Timestamp};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = foreign::detect(data);
    let Ok(p) = dotenv::parse(data) else {
        return;
    };
    let lines = data.iter().filter(|b| **b == b'\n').count() + 1;
    assert!(p.entries.iter().all(|e| (1..=lines).contains(&e.line)));
    assert!(p.unreadable.iter().all(|u| (1..=lines).contains(&u.line)));
    let read = dotenv::read(data).unwrap();
    assert!(read.items.len() + read.skipped.len() <= p.entries.len() + p.unreadable.len());
    let t = Timestamp::from_unix(0).unwrap();
    let mut secrets: Vec<Secret> = Vec::new();
    for item in read.items {
        assert!(SecretName::parse(item.name.as_str()).is_ok());
        assert!(!item.value.expose().is_empty());
        if secrets.iter().any(|s| s.name == item.name) || !dotenv::is_key(item.name.as_str()) {
            continue;
        }
        secrets.push(Secret {
            name: item.name,
            content: SecretContent::Value(item.value),
            allowed_domains: AllowedDomains::any(),
            disabled: false,
            environments: Default::default(),
            created_at: t,
            updated_at: t,
        });
    }
    let written = dotenv::write(&secrets, "fuzz").unwrap();
    let again = dotenv::parse(&written.bytes).unwrap();
    assert!(again.unreadable.is_empty());
    let mut want: Vec<(&str, &str)> = secrets
        .iter()
        .filter_map(|s| match &s.content {
            SecretContent::Value(v) => Some((s.name.as_str(), v.expose())),
            SecretContent::Link(_) => None,
        })
        .collect();
    want.sort();
    let got: Vec<(&str, &str)> = again
        .entries
        .iter()
        .map(|e| (e.key.as_str(), e.value.as_str()))
        .collect();
    assert_eq!(got, want);
});
