//! `{{vault:NAME}}` templates and destination URLs: no panics; every reference found has a valid
//! name and a place; rendering is deterministic; a destination prints back to itself and is
//! allowed by an entry made from it.
#![no_main]

use coffer_core::reference::Template;
use coffer_core::{AllowedDomain, AllowedDomains, Destination, SecretName};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(t) = Template::parse(data) {
        for r in t.references() {
            assert!(SecretName::parse(r.name.as_str()).is_ok());
            assert!(r.line >= 1 && r.column >= 1);
        }
        let a = t.render(|_| Some(b"V".as_slice())).unwrap();
        let b = t.render(|_| Some(b"V".as_slice())).unwrap();
        assert_eq!(*a, *b);
        // Without references nothing is added: escapes only remove backslashes.
        if t.references().is_empty() {
            assert!(a.len() <= data.len());
        }
    }
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(d) = Destination::parse(s) {
        let again = Destination::parse(&format!("{d}/")).unwrap();
        assert_eq!(again, d);
        // One entry (a URL host may hold a comma, which a list would split).
        if let Ok(entry) = AllowedDomain::parse(&d.to_string()) {
            let list = AllowedDomains::from_entries([entry.to_string().as_str()]).unwrap();
            assert!(list.allows_destination(&d), "{d} not allowed by {list}");
        }
    }
});
