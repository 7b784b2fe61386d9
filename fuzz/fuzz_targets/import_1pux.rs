//! 1PUX archives: no panics on any ZIP (truncated, lying sizes, bombs stop at the limit); every
//! item a valid name. Inputs are also wrapped into a valid archive as `export.data`, so the JSON
//! reader behind the ZIP is fuzzed too.
#![no_main]

use coffer_core::SecretName;
use coffer_core::foreign::{Options, Read, onepassword};
use libfuzzer_sys::fuzz_target;
use std::io::Write;

fn check(r: &Read) {
    for i in &r.items {
        assert!(SecretName::parse(i.name.as_str()).is_ok());
        assert!(!i.value.expose().is_empty());
    }
}

fuzz_target!(|data: &[u8]| {
    let notes = Options {
        only_secret_type: true,
        include_notes: true,
    };
    if let Ok(r) = onepassword::read_pux(data, &notes) {
        check(&r);
    }
    // The same bytes as the JSON inside a well-formed archive.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored);
    zip.start_file("export.data", opts).unwrap();
    zip.write_all(data).unwrap();
    let archive = zip.finish().unwrap().into_inner();
    if let Ok(r) = onepassword::read_pux(&archive, &notes) {
        check(&r);
    }
});
