//! File helpers: private directories and atomic, private (0600) file writes.
//!
//! A file holding secrets appears under its name only when it is complete and on disk. Where the
//! file system allows it the data goes into an unnamed `O_TMPFILE` file that is linked into place
//! at the end, so not even `kill -9` can leave part of it behind; elsewhere a named `0600`
//! temporary file beside the target is tracked by [`crate::cleanup`] and renamed into place.

use crate::cleanup;
use rustix::fs::{AtFlags, CWD, Mode, OFlags};
use std::fs::{self, File};
use std::io::{self, Write};
use std::os::fd::AsFd;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Creates `dir` and its parents; directories this creates are `0700`.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Makes an existing directory `0700` if it is looser; returns whether it changed it.
pub fn tighten_dir(dir: &Path) -> io::Result<bool> {
    let mode = fs::metadata(dir)?.permissions().mode();
    if mode & 0o077 == 0 {
        return Ok(false);
    }
    fs::set_permissions(dir, fs::Permissions::from_mode(mode & 0o700))?;
    Ok(true)
}

/// Where an output path points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Nothing there yet.
    Missing,
    /// A regular file (replaced atomically).
    Regular,
    /// A directory (refused).
    Directory,
    /// A device, FIFO or socket: written in place, never replaced (`/dev/stdout`, `/dev/null`,
    /// a pipe).
    Special,
}

/// Whether `path`, or the symbolic link it is, leads into `/dev` or `/proc` (`/dev/stdout`,
/// `/dev/fd/3`, `/proc/self/fd/1`): such a name is never replaced, only written through, even
/// when what it leads to is a regular file (stdout redirected to a file).
fn through_system_dir(path: &Path) -> bool {
    let system = |p: &Path| p.starts_with("/dev") || p.starts_with("/proc");
    if system(path) {
        return true;
    }
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
        && fs::read_link(path).is_ok_and(|t| system(&t))
}

/// What is at `path` (following symbolic links).
pub fn target(path: &Path) -> io::Result<Target> {
    match fs::metadata(path) {
        Ok(_) if through_system_dir(path) => Ok(Target::Special),
        Ok(m) if m.is_dir() => Ok(Target::Directory),
        Ok(m) if m.is_file() => Ok(Target::Regular),
        Ok(m) => {
            let t = m.file_type();
            debug_assert!(
                t.is_fifo() || t.is_char_device() || t.is_block_device() || t.is_socket()
            );
            Ok(Target::Special)
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Target::Missing),
        Err(e) => Err(e),
    }
}

/// Writes `bytes` into an existing device or FIFO, or through a name in `/dev` or `/proc` (no
/// temporary file, nothing replaced; a regular file reached that way is truncated first).
pub fn write_special(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = fs::OpenOptions::new().write(true).open(path)?;
    if f.metadata()?.is_file() {
        if !through_system_dir(path) {
            // Swapped for a regular file since we looked: do not write secrets into it in place.
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "the output became a regular file",
            ));
        }
        f.set_len(0)?;
    }
    f.write_all(bytes)?;
    f.flush()
}

/// Writes `bytes` to `path` atomically: readers see the old file or the whole new one, never a
/// part, and a crash leaves no partial file. The file is created `0600`. With `overwrite` false
/// an existing `path` is left alone and `AlreadyExists` is returned.
pub fn write_private_atomic(path: &Path, bytes: &[u8], overwrite: bool) -> io::Result<()> {
    let dir = parent(path);
    match open_unnamed(dir) {
        Ok(mut f) => {
            f.write_all(bytes)?;
            f.sync_all()?;
            link_into_place(&f, path, overwrite)?;
            sync_dir(path)
        }
        Err(e) if unnamed_unsupported(&e) => write_named(path, bytes, overwrite),
        Err(e) => Err(e),
    }
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// An unnamed `0600` file in `dir` (Linux `O_TMPFILE`).
fn open_unnamed(dir: &Path) -> io::Result<File> {
    let fd = rustix::fs::open(
        dir,
        OFlags::TMPFILE | OFlags::WRONLY | OFlags::CLOEXEC,
        Mode::RUSR | Mode::WUSR,
    )?;
    Ok(File::from(fd))
}

/// Errors that mean "this file system (or kernel) has no `O_TMPFILE`": fall back to a name.
fn unnamed_unsupported(e: &io::Error) -> bool {
    use rustix::io::Errno;
    let errno = e.raw_os_error().map(Errno::from_raw_os_error);
    matches!(
        errno,
        Some(Errno::OPNOTSUPP | Errno::ISDIR | Errno::INVAL | Errno::NOSYS)
    )
}

/// Gives the unnamed file `f` the name `path` (or replaces `path` with it).
fn link_into_place(f: &File, path: &Path, overwrite: bool) -> io::Result<()> {
    if !overwrite {
        return cleanup::place(None, || link_fd(f, path));
    }
    // linkat cannot replace: link under a fresh name beside `path`, then rename over it. The
    // fresh name holds the complete, synced file and is tracked for the moment it exists.
    let tmp = cleanup::create_tracked(
        || {
            for _ in 0..16 {
                let candidate = temp_name(path);
                match link_fd(f, &candidate) {
                    Ok(()) => return Ok(candidate),
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                    Err(e) => return Err(e),
                }
            }
            Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "could not name a temporary file",
            ))
        },
        Clone::clone,
    )?;
    let placed = cleanup::place(Some(&tmp), || fs::rename(&tmp, path));
    if placed.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    placed
}

/// `linkat` of an open file descriptor: through `/proc/self/fd` (any user), or `AT_EMPTY_PATH`
/// (needs CAP_DAC_READ_SEARCH) where `/proc` is not mounted.
fn link_fd(f: &File, path: &Path) -> io::Result<()> {
    let fd = f.as_fd();
    let proc_path = format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&fd));
    match rustix::fs::linkat(CWD, proc_path.as_str(), CWD, path, AtFlags::SYMLINK_FOLLOW) {
        Err(rustix::io::Errno::NOENT) if !Path::new("/proc/self/fd").exists() => {
            Ok(rustix::fs::linkat(fd, "", CWD, path, AtFlags::EMPTY_PATH)?)
        }
        r => Ok(r?),
    }
}

/// `.NAME.tmp-` for `DIR/NAME`: the prefix of every temporary name beside `path`.
fn temp_prefix(path: &Path) -> String {
    let base = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!(".{base}.tmp-")
}

fn temp_name(path: &Path) -> PathBuf {
    let tag: [u8; 6] = coffer_core::crypto::random::bytes();
    parent(path).join(format!(
        "{}{}",
        temp_prefix(path),
        coffer_core::hex::encode(&tag)
    ))
}

/// The fallback: a named, tracked `0600` temporary file beside `path`, renamed into place.
fn write_named(path: &Path, bytes: &[u8], overwrite: bool) -> io::Result<()> {
    let tmp = temp_beside(path)?;
    let mut f = tmp.file();
    f.write_all(bytes)?;
    f.sync_all()?;
    tmp.commit(path, overwrite)
}

/// A named `0600` temporary file, tracked for removal on interrupt and removed when dropped.
pub struct TempFile(Option<tempfile::NamedTempFile>);

/// A new, empty [`TempFile`] beside `path`.
pub fn temp_beside(path: &Path) -> io::Result<TempFile> {
    let t = cleanup::create_tracked(
        || {
            tempfile::Builder::new()
                .prefix(&temp_prefix(path))
                .permissions(fs::Permissions::from_mode(0o600))
                .tempfile_in(parent(path))
        },
        |t| t.path().to_path_buf(),
    )?;
    Ok(TempFile(Some(t)))
}

impl TempFile {
    fn inner(&self) -> &tempfile::NamedTempFile {
        self.0.as_ref().expect("present until committed or dropped")
    }

    /// Its current name.
    pub fn path(&self) -> &Path {
        self.inner().path()
    }

    /// The open file.
    pub fn file(&self) -> &File {
        self.inner().as_file()
    }

    /// Moves the finished file to `path` and makes that durable. With `overwrite` false an
    /// existing `path` is left alone and `AlreadyExists` is returned. The temporary name is gone
    /// afterwards either way.
    pub fn commit(mut self, path: &Path, overwrite: bool) -> io::Result<()> {
        let tmp = self.0.take().expect("present until committed or dropped");
        let name = tmp.path().to_path_buf();
        cleanup::place(Some(&name), || {
            if overwrite {
                tmp.persist(path).map(drop)
            } else {
                tmp.persist_noclobber(path).map(drop)
            }
            .map_err(|e| e.error)
        })?;
        sync_dir(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(t) = self.0.take() {
            let name = t.path().to_path_buf();
            drop(t);
            cleanup::untrack(&name);
        }
    }
}

/// Flushes the directory entry of `path` to disk.
pub fn sync_dir(path: &Path) -> io::Result<()> {
    File::open(parent(path))?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(p: &Path) -> u32 {
        fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    fn entries(d: &Path) -> usize {
        fs::read_dir(d).unwrap().count()
    }

    /// Both ways of writing (unnamed file linked into place, and the named fallback): 0600,
    /// no clobber without `overwrite`, nothing left behind.
    #[test]
    fn atomic_writes_are_private_and_respect_overwrite() {
        type Write = fn(&Path, &[u8], bool) -> io::Result<()>;
        let writers: [(&str, Write); 2] =
            [("unnamed", write_private_atomic), ("named", write_named)];
        for (how, write) in writers {
            let d = tempfile::tempdir().unwrap();
            let p = d.path().join("f");
            write(&p, b"one", false).unwrap();
            assert_eq!(fs::read(&p).unwrap(), b"one", "{how}");
            assert_eq!(mode(&p), 0o600, "{how}");
            let e = write(&p, b"two", false).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::AlreadyExists, "{how}");
            assert_eq!(fs::read(&p).unwrap(), b"one", "{how}");
            write(&p, b"two", true).unwrap();
            assert_eq!(fs::read(&p).unwrap(), b"two", "{how}");
            assert_eq!(mode(&p), 0o600, "{how}");
            assert_eq!(
                entries(d.path()),
                1,
                "{how}: no temporary files left behind"
            );
        }
    }

    #[test]
    fn the_unnamed_file_has_no_name_until_it_is_complete() {
        let d = tempfile::tempdir().unwrap();
        let mut f = match open_unnamed(d.path()) {
            Ok(f) => f,
            Err(e) if unnamed_unsupported(&e) => return, // this file system has no O_TMPFILE
            Err(e) => panic!("{e}"),
        };
        f.write_all(b"partial").unwrap();
        assert_eq!(entries(d.path()), 0, "nothing named exists while writing");
    }

    #[test]
    fn devices_and_fifos_are_written_in_place() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(target(Path::new("/dev/null")).unwrap(), Target::Special);
        assert_eq!(target(d.path()).unwrap(), Target::Directory);
        assert_eq!(target(&d.path().join("no")).unwrap(), Target::Missing);
        write_special(Path::new("/dev/null"), b"gone").unwrap();
        // A name in /proc leading to a regular file (how /dev/stdout looks when stdout is
        // redirected to a file): written through, never replaced.
        let file = d.path().join("out");
        fs::write(&file, b"old contents, longer than the new").unwrap();
        let f = fs::OpenOptions::new().write(true).open(&file).unwrap();
        let via = format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&f));
        assert_eq!(target(Path::new(&via)).unwrap(), Target::Special);
        write_special(Path::new(&via), b"new").unwrap();
        assert_eq!(fs::read(&file).unwrap(), b"new");
        let meta = fs::metadata("/dev/null").unwrap();
        assert!(
            meta.file_type().is_char_device(),
            "/dev/null is still a device"
        );
    }

    #[test]
    fn tighten_dir_removes_group_and_other_access() {
        let d = tempfile::tempdir().unwrap();
        fs::set_permissions(d.path(), fs::Permissions::from_mode(0o755)).unwrap();
        assert!(tighten_dir(d.path()).unwrap());
        assert_eq!(mode(d.path()), 0o700);
        assert!(!tighten_dir(d.path()).unwrap());
    }
}
