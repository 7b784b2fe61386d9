//! File helpers: private directories and atomic, private (0600) file writes.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Temporary files and directories that exist right now and hold (or may hold) secrets, so that
/// an interrupt handler can remove them before the process ends.
static TRACKED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Registers a temporary path for removal on interrupt.
pub fn track(path: &Path) {
    if let Ok(mut t) = TRACKED.lock() {
        t.push(path.to_path_buf());
    }
}

/// Forgets a temporary path (it was renamed into place or removed).
pub fn untrack(path: &Path) {
    if let Ok(mut t) = TRACKED.lock() {
        t.retain(|p| p != path);
    }
}

/// Removes every tracked temporary path (for a signal handler, just before exiting).
pub fn remove_tracked() {
    let paths = match TRACKED.lock() {
        Ok(mut t) => std::mem::take(&mut *t),
        Err(_) => return,
    };
    for p in paths {
        let _ = fs::remove_dir_all(&p).or_else(|_| fs::remove_file(&p));
    }
}

/// Creates `dir` and its parents; directories this creates are `0700`.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// A new, empty `0600` file next to `path`, with a random name. The caller removes it.
pub fn private_temp_beside(path: &Path) -> io::Result<(PathBuf, File)> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let base = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for _ in 0..16 {
        let tag: [u8; 6] = coffer_core::crypto::random::bytes();
        let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
        let tmp = dir.join(format!(".{base}.tmp-{hex}"));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
        {
            Ok(f) => {
                track(&tmp);
                return Ok((tmp, f));
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "could not create a temporary file",
    ))
}

/// Moves a finished temp file to `path` and makes that durable. With `overwrite` false an
/// existing `path` is left alone and `AlreadyExists` is returned. The temp file is always gone
/// afterwards.
pub fn commit_temp(tmp: &Path, path: &Path, overwrite: bool) -> io::Result<()> {
    let placed = commit(tmp, path, overwrite);
    untrack(tmp);
    placed
}

fn commit(tmp: &Path, path: &Path, overwrite: bool) -> io::Result<()> {
    let placed = if overwrite {
        fs::rename(tmp, path)
    } else {
        let r = fs::hard_link(tmp, path);
        let _ = fs::remove_file(tmp);
        r
    };
    if placed.is_err() {
        let _ = fs::remove_file(tmp);
    }
    placed?;
    sync_dir(path)
}

/// Writes `bytes` to `path` atomically (temp file, fsync, rename): readers see the old file or
/// the whole new one, never a part. The file is created `0600`.
pub fn write_private_atomic(path: &Path, bytes: &[u8], overwrite: bool) -> io::Result<()> {
    let (tmp, mut f) = private_temp_beside(path)?;
    let written = f.write_all(bytes).and_then(|()| f.sync_all());
    drop(f);
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        untrack(&tmp);
        return Err(e);
    }
    commit_temp(&tmp, path, overwrite)
}

/// Flushes the directory entry of `path` to disk.
pub fn sync_dir(path: &Path) -> io::Result<()> {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => File::open(d)?.sync_all(),
        _ => File::open(".")?.sync_all(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// `remove_tracked` acts on the whole process: these tests take turns.
    static SERIAL: Mutex<()> = Mutex::new(());

    #[test]
    fn atomic_write_is_private_and_respects_overwrite() {
        let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("f");
        write_private_atomic(&p, b"one", false).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"one");
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let e = write_private_atomic(&p, b"two", false).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&p).unwrap(), b"one");
        write_private_atomic(&p, b"two", true).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        let leftovers: Vec<_> = fs::read_dir(d.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temp files left behind");
        assert!(
            TRACKED.lock().unwrap().is_empty(),
            "nothing left to clean up"
        );
    }

    #[test]
    fn tracked_temporaries_are_removed_on_request() {
        let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let d = tempfile::tempdir().unwrap();
        let (tmp, _f) = private_temp_beside(&d.path().join("x")).unwrap();
        let dir = d.path().join("clone");
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join("export.json"), "{}").unwrap();
        track(&dir);
        remove_tracked();
        assert!(!tmp.exists() && !dir.exists());
    }
}
