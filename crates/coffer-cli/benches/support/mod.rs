//! Shared by the benchmarks: filling a vault quickly through the library.

use coffer_core::{AllowedDomains, Secret, SecretContent, SecretName, SecretValue, Timestamp};
use coffer_vault::{KeySource, StoreError, Vault, VaultLocation};
use std::path::Path;

/// Inserts `n` secrets named `name(i)` with ~50-byte values into the vault in `home`, in one
/// transaction.
pub fn fill(home: &Path, n: usize, name: impl Fn(usize) -> String) {
    let loc = VaultLocation::in_dir(home);
    let mut vault = Vault::open(&loc, &KeySource::File(loc.key_path.clone())).unwrap();
    let now = Timestamp::now();
    vault
        .write(|records| {
            for i in 0..n {
                records.insert(&Secret {
                    name: SecretName::parse(&name(i)).unwrap(),
                    content: SecretContent::Value(
                        SecretValue::new(format!("sk_live_{i:08}_{}", "x".repeat(32))).unwrap(),
                    ),
                    allowed_domains: AllowedDomains::parse_list("api.example.com").unwrap(),
                    disabled: false,
                    environments: Default::default(),
                    created_at: now,
                    updated_at: now,
                })?;
            }
            Ok::<_, StoreError>(())
        })
        .unwrap();
}
