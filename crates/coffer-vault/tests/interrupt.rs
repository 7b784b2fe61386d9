//! What an interrupt leaves behind. Closing the cleanup registry is process-wide, so this test
//! binary holds one test that runs its steps in order, with nothing else in the process.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use coffer_vault::cleanup::{
    close_for_tests, create_tracked, place, reopen_for_tests, track_group,
};
use coffer_vault::fs::{temp_beside, write_private_atomic};
use std::io;
use std::os::unix::process::{CommandExt, ExitStatusExt};

fn entries(d: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn after_an_interrupt_everything_tracked_is_gone_and_nothing_new_appears() {
    let d = tempfile::tempdir().unwrap();
    // Before: a tracked path, a tracked temporary file, a child in its own process group.
    let early = d.path().join("early");
    create_tracked(|| std::fs::write(&early, b"x"), |()| early.clone()).unwrap();
    let leftover = temp_beside(&d.path().join("export.json")).unwrap();
    let mut child = std::process::Command::new("sleep")
        .arg("60")
        .process_group(0)
        .spawn()
        .unwrap();
    track_group(child.id()).unwrap();

    close_for_tests();

    assert!(!early.exists(), "tracked paths are removed");
    assert!(!leftover.path().exists(), "tracked temporaries are removed");
    assert_eq!(
        child.wait().unwrap().signal(),
        Some(9),
        "the child's group is killed"
    );
    let late = d.path().join("late");
    let e = create_tracked(|| std::fs::write(&late, b"x"), |()| late.clone()).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::Interrupted);
    let e = place(None, || std::fs::write(&late, b"x")).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::Interrupted);
    assert!(track_group(1).is_err());
    for overwrite in [false, true] {
        let e = write_private_atomic(&late, b"secret", overwrite).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::Interrupted);
    }
    drop(leftover);
    assert!(
        entries(d.path()).is_empty(),
        "no file, named or temporary: {:?}",
        entries(d.path())
    );

    reopen_for_tests();
    write_private_atomic(&late, b"after", false).unwrap();
    assert_eq!(entries(d.path()), ["late"]);
}
