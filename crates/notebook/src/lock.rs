//! One build of a book at a time: the store's lock file.
//!
//! Two builds of one book at once would run the same programs twice (and
//! measure each other), and one would clean `book/` while the other writes
//! it. Each build takes an exclusive `flock` on `OUTPUTS/.lock`; a second
//! build waits for it, saying so. The kernel releases the lock when the
//! build ends, however it ends, so a killed build never leaves it taken.
//!
//! The preprocessor holds the lock while it runs. A front end that renders
//! in the same process (`MDBook::with_preprocessor`) can hold it for the
//! whole build with [`BookLock::acquire`]; the preprocessor then sees that
//! this process holds it already.

use anyhow::{Context, Result};
use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

/// Lock files this process holds, so a nested acquire does not wait on itself.
static HELD: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);

/// The lock of one book's store, held until dropped.
#[derive(Debug)]
pub struct BookLock {
    /// `None` when this process held the lock already.
    file: Option<(File, PathBuf)>,
}

impl BookLock {
    /// Takes the lock of the store at `outputs`, waiting while another
    /// build holds it.
    pub fn acquire(outputs: &Path) -> Result<BookLock> {
        std::fs::create_dir_all(outputs)
            .with_context(|| format!("cannot create {}", outputs.display()))?;
        let path = BookLock::path_for(outputs);
        let key = outputs
            .canonicalize()
            .unwrap_or_else(|_| outputs.to_path_buf());
        let mut held = HELD.lock().unwrap_or_else(|e| e.into_inner());
        if held.get_or_insert_with(HashSet::new).contains(&key) {
            return Ok(BookLock { file: None });
        }
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("cannot open the lock file {}", path.display()))?;
        let mut told = false;
        while !try_lock(&file)? {
            if !told {
                eprintln!(
                    "[notebook] another build of this book is running (it holds {}); waiting for it",
                    path.display()
                );
                told = true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        held.get_or_insert_with(HashSet::new).insert(key.clone());
        Ok(BookLock {
            file: Some((file, key)),
        })
    }
}

impl BookLock {
    /// The lock file of the store at `outputs` (which exists).
    pub fn path_for(outputs: &Path) -> PathBuf {
        use sha2::Digest;
        let canonical = outputs
            .canonicalize()
            .unwrap_or_else(|_| outputs.to_path_buf());
        let digest = sha2::Sha256::digest(canonical.to_string_lossy().as_bytes());
        let name = format!("mdbook-notebook-{}.lock", &crate::key::hex(&digest)[..16]);
        std::env::temp_dir().join(name)
    }
}

impl Drop for BookLock {
    fn drop(&mut self) {
        if let Some((_file, key)) = self.file.take() {
            let mut held = HELD.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(held) = held.as_mut() {
                held.remove(&key);
            }
            // Closing the file releases the flock.
        }
    }
}

#[cfg(unix)]
fn try_lock(file: &File) -> Result<bool> {
    use std::os::fd::AsRawFd;
    // SAFETY: flock on a descriptor we own.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
        return Ok(true);
    }
    let error = std::io::Error::last_os_error();
    if error.raw_os_error() == Some(libc::EWOULDBLOCK) {
        Ok(false)
    } else {
        Err(error).context("cannot lock the book's store")
    }
}

#[cfg(not(unix))]
fn try_lock(file: &File) -> Result<bool> {
    Ok(file.try_lock().is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_may_take_its_own_lock_again() {
        let dir = tempfile::tempdir().unwrap();
        let outer = BookLock::acquire(dir.path()).unwrap();
        let inner = BookLock::acquire(dir.path()).unwrap();
        assert!(outer.file.is_some() && inner.file.is_none());
        drop(inner);
        drop(outer);
        let again = BookLock::acquire(dir.path()).unwrap();
        assert!(again.file.is_some(), "the lock is free again once dropped");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn another_process_waits_until_the_lock_is_released() {
        let dir = tempfile::tempdir().unwrap();
        let lock = BookLock::acquire(dir.path()).unwrap();
        // flock(1) from util-linux stands in for a second build.
        let probe = |dir: &Path| {
            std::process::Command::new("flock")
                .args(["-n", &BookLock::path_for(dir).to_string_lossy(), "true"])
                .status()
                .expect("flock(1), from util-linux")
        };
        assert!(
            !probe(dir.path()).success(),
            "a second process took a held lock"
        );
        drop(lock);
        assert!(probe(dir.path()).success());
        assert!(
            std::fs::read_dir(dir.path()).unwrap().next().is_none(),
            "the lock adds nothing to the book's files"
        );
    }
}
