//! The team server reaches PostgreSQL over TLS with the certificate and host name verified
//! (`sslmode=verify-full`, a private CA in `sslrootcert`), and refuses a database elsewhere than
//! this machine without it (issue 12).
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use common::{PgCluster, coffer_server as server, pki};

#[test]
fn postgres_over_verified_tls_and_nothing_weaker_off_this_machine() {
    let (ca, cert, key) = pki(&["127.0.0.1"]);
    let (_pg, port) = PgCluster::start_tls(&cert, &key);
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca).unwrap();
    let sealing = dir.path().join("sealing.key");
    let sealing = sealing.to_str().unwrap();
    assert!(server(&["keygen", sealing]).0);
    let url = format!(
        "postgres://postgres@127.0.0.1:{port}/postgres?sslmode=verify-full&sslrootcert={}",
        ca_file.display()
    );
    let (ok, token, err) = server(&[
        "--database",
        &url,
        "--sealing-key-file",
        sealing,
        "bootstrap",
        "--team",
        "Acme",
    ]);
    assert!(ok, "{err}");
    assert!(token.starts_with("cft_"));
    // The connection the server uses is encrypted (PostgreSQL says so).
    sqlx::any::install_default_drivers();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let ssl: bool = rt.block_on(async {
        use sqlx::Row;
        let mut c = <sqlx::AnyConnection as sqlx::Connection>::connect(&url)
            .await
            .unwrap();
        sqlx::query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .fetch_one(&mut c)
            .await
            .unwrap()
            .try_get::<bool, _>("ssl")
            .unwrap()
    });
    assert!(ssl);
    // Another CA: the server's certificate is refused, nothing starts.
    let (other_ca, _, _) = pki(&["127.0.0.1"]);
    let other = dir.path().join("other.pem");
    std::fs::write(&other, other_ca).unwrap();
    let wrong = url.replace(ca_file.to_str().unwrap(), other.to_str().unwrap());
    let (ok, _, err) = server(&[
        "--database",
        &wrong,
        "--sealing-key-file",
        sealing,
        "fingerprint",
    ]);
    assert!(!ok, "a certificate from another CA was accepted");
    assert!(err.contains("PostgreSQL"), "{err}");
    // A database elsewhere without verify-full is refused before connecting.
    for weak in [
        "postgres://u@203.0.113.7/coffer",
        "postgres://u@203.0.113.7/coffer?sslmode=require",
    ] {
        let (ok, _, err) = server(&[
            "--database",
            weak,
            "--sealing-key-file",
            sealing,
            "fingerprint",
        ]);
        assert!(!ok);
        assert!(err.contains("sslmode=verify-full"), "{err}");
    }
}
