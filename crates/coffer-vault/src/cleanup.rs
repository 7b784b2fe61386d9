//! What must not outlive an interrupted process: named temporary files and directories that may
//! hold secrets, and child processes (git) working for it.
//!
//! One registry, one lock. Everything that creates such a path does it through
//! [`create_tracked`] while holding the lock; an interrupt handler calls [`shut_down`], which
//! takes the lock, closes the registry, removes every path and kills every child's process group,
//! and keeps the lock until the process exits. So once `shut_down` has begun nothing new can be
//! created or put into place, and nothing created earlier is missed.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

#[derive(Default)]
struct Registry {
    /// Set by [`shut_down`]: no new paths, no new placements.
    closed: bool,
    paths: Vec<PathBuf>,
    /// Process ids of children started in their own process group (pgid = pid).
    groups: Vec<u32>,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    closed: false,
    paths: Vec::new(),
    groups: Vec::new(),
});

fn lock() -> MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

/// The error every registry operation gives once the process is shutting down.
pub fn interrupted() -> io::Error {
    io::Error::new(io::ErrorKind::Interrupted, "interrupted")
}

/// Runs `create` under the registry's lock and tracks the path it made (`path_of`), so an
/// interrupt removes it. Fails with [`io::ErrorKind::Interrupted`] once shutting down.
pub fn create_tracked<T>(
    create: impl FnOnce() -> io::Result<T>,
    path_of: impl FnOnce(&T) -> PathBuf,
) -> io::Result<T> {
    let mut reg = lock();
    if reg.closed {
        return Err(interrupted());
    }
    let made = create()?;
    reg.paths.push(path_of(&made));
    Ok(made)
}

/// Runs `place` (a rename or link that makes a finished file visible) under the lock, unless
/// shutting down; then the tracked temporary `tmp` (if any) is forgotten.
pub fn place<T>(tmp: Option<&Path>, place: impl FnOnce() -> io::Result<T>) -> io::Result<T> {
    let mut reg = lock();
    if reg.closed {
        return Err(interrupted());
    }
    let out = place();
    if let Some(tmp) = tmp {
        reg.paths.retain(|p| p != tmp);
    }
    out
}

/// Forgets a tracked path (it was renamed into place or removed by its owner).
pub fn untrack(path: &Path) {
    lock().paths.retain(|p| p != path);
}

/// Tracks a child started with `process_group(0)`: an interrupt kills its whole group.
/// Fails once shutting down (the caller should kill the child it just started).
pub fn track_group(pid: u32) -> io::Result<()> {
    let mut reg = lock();
    if reg.closed {
        return Err(interrupted());
    }
    reg.groups.push(pid);
    Ok(())
}

/// Starts `cmd` (which must use `process_group(0)`) and tracks its process group, under the
/// lock: an interrupt either comes first (nothing is started) or finds the child and kills its
/// group. There is no moment in which a child runs untracked.
pub fn spawn_tracked(cmd: &mut std::process::Command) -> io::Result<std::process::Child> {
    let mut reg = lock();
    if reg.closed {
        return Err(interrupted());
    }
    let child = cmd.spawn()?;
    reg.groups.push(child.id());
    Ok(child)
}

/// Forgets a child (it was reaped).
pub fn untrack_group(pid: u32) {
    lock().groups.retain(|p| *p != pid);
}

/// Set as soon as [`shut_down`] begins (before it has the lock).
static SHUTTING_DOWN: AtomicBool = AtomicBool::new(false);

/// Whether [`shut_down`] has begun.
pub fn shutting_down() -> bool {
    SHUTTING_DOWN.load(Ordering::SeqCst)
}

/// For an interrupt handler, just before the process exits: closes the registry, removes every
/// tracked path, kills every tracked child's process group, and keeps the lock held so that no
/// other thread can create or place anything afterwards. Concurrent callers wait here forever
/// (the first one exits the process).
pub fn shut_down() {
    SHUTTING_DOWN.store(true, Ordering::SeqCst);
    let mut reg = lock();
    close(&mut reg);
    // Held until exit.
    std::mem::forget(reg);
}

fn close(reg: &mut Registry) {
    reg.closed = true;
    for pid in std::mem::take(&mut reg.groups) {
        kill_group(pid);
    }
    for p in std::mem::take(&mut reg.paths) {
        let _ = std::fs::remove_dir_all(&p).or_else(|_| std::fs::remove_file(&p));
    }
}

/// Sends SIGKILL to the process group `pid` (the child was started as its group's leader).
pub fn kill_group(pid: u32) {
    if let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
}

/// Tests only: what [`shut_down`] does, but releasing the lock afterwards (a real shutdown ends
/// the process). Closing is process-wide: call it only from a test binary of its own.
#[doc(hidden)]
pub fn close_for_tests() {
    SHUTTING_DOWN.store(true, Ordering::SeqCst);
    close(&mut lock());
}

/// Tests only: opens the registry again after [`close_for_tests`].
#[doc(hidden)]
pub fn reopen_for_tests() {
    SHUTTING_DOWN.store(false, Ordering::SeqCst);
    lock().closed = false;
}
