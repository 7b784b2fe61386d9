//! Names, allowed domains, vault keys, links and timestamps: no panics, and whatever parses
//! prints back to a form that parses to the same value. Foreign names: every mapped name valid.
//! (dotenv files have their own target, `import_dotenv`.)
#![no_main]

use coffer_core::{AllowedDomain, ExternalLink, SecretName, Timestamp, crypto::VaultKey};
use libfuzzer_sys::fuzz_target;
use secrecy::ExposeSecret;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let mut names = coffer_core::foreign::names::NameMapper::new();
    for part in s.split('\n') {
        assert!(SecretName::parse(names.map(part).name.as_str()).is_ok());
    }
    if let Ok(n) = SecretName::parse(s) {
        assert_eq!(SecretName::parse(n.as_str()).unwrap(), n);
    }
    if let Ok(d) = AllowedDomain::parse(s) {
        assert_eq!(AllowedDomain::parse(&d.to_string()).unwrap(), d);
    }
    if let Ok(k) = VaultKey::parse(s) {
        let again = VaultKey::parse(k.encode().expose_secret()).unwrap();
        assert_eq!(again.encode().expose_secret(), k.encode().expose_secret());
    }
    if let Ok(l) = serde_json::from_str::<ExternalLink>(s) {
        let text = serde_json::to_string(&l).unwrap();
        assert_eq!(serde_json::from_str::<ExternalLink>(&text).unwrap(), l);
    }
    if let Some(t) = Timestamp::parse(s) {
        assert_eq!(Timestamp::parse(&t.to_string()), Some(t));
    }
});
