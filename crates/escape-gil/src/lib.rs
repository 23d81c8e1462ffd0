//! `escape_gil`, a CPython extension module written in Rust with PyO3.
//!
//! Python sees two functions that do the same CPU-bound work, the book's
//! countdown: `count_holding(n)` keeps the GIL for the whole call, as C code
//! called from Python does unless it says otherwise; `count_releasing(n)` lets
//! go of it around the work with [`Python::detach`], so other Python threads
//! run meanwhile, and other calls of it run on other cores. `meet_holding` and
//! `meet_releasing` make the difference visible without a clock: callers wait
//! inside the module for each other, which they can only do if it released
//! the GIL.
//!
//! Cargo builds the module as `libescape_gil.so` (a `cdylib`); Python imports
//! a file named after the module, so [`install`] copies it as `escape_gil.so`.
//! Any package that depends on this one gets the module built with it, in
//! `target/<profile>/deps/`, which is how the lab and the tests find it.

use pyo3::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// The name Python imports the module by.
pub const MODULE: &str = "escape_gil";

/// The work both `count_*` functions do: plain Rust that touches no Python
/// object, so it may run without the GIL. Returns `n`, so a caller can check
/// that it ran.
pub fn work(n: u64) -> u64 {
    tasks::countdown(n);
    n
}

/// Who is waiting in [`meet`], and how many meetings have completed.
struct Meeting {
    waiting: usize,
    completed: u64,
}

static MEETING: Mutex<Meeting> = Mutex::new(Meeting {
    waiting: 0,
    completed: 0,
});
static MET: Condvar = Condvar::new();

/// Waits until `parties` callers are inside this function at the same time,
/// or `timeout` passes; returns whether they met. A caller that times out
/// leaves, so a later meeting starts afresh.
pub fn meet(parties: usize, timeout: Duration) -> bool {
    let mut meeting = MEETING.lock().unwrap_or_else(|e| e.into_inner());
    meeting.waiting += 1;
    if meeting.waiting >= parties {
        meeting.waiting = 0;
        meeting.completed += 1;
        MET.notify_all();
        return true;
    }
    let this_one = meeting.completed;
    let (mut meeting, _) = MET
        .wait_timeout_while(meeting, timeout, |m| m.completed == this_one)
        .unwrap_or_else(|e| e.into_inner());
    if meeting.completed == this_one {
        meeting.waiting -= 1;
        false
    } else {
        true
    }
}

#[pymodule]
mod escape_gil {
    use pyo3::prelude::*;
    use std::time::Duration;

    /// Counts down from `n` holding the GIL: no other Python thread runs
    /// until it returns.
    #[pyfunction]
    fn count_holding(n: u64) -> u64 {
        super::work(n)
    }

    /// Counts down from `n` with the GIL released: `detach` gives it up, runs
    /// the closure, and takes it back before returning to Python.
    #[pyfunction]
    fn count_releasing(py: Python<'_>, n: u64) -> u64 {
        py.detach(|| super::work(n))
    }

    /// Waits, holding the GIL, for `parties` callers to be inside at once
    /// (at most `timeout` seconds); returns whether they met.
    #[pyfunction]
    fn meet_holding(parties: usize, timeout: f64) -> bool {
        super::meet(parties, Duration::from_secs_f64(timeout))
    }

    /// The same wait with the GIL released.
    #[pyfunction]
    fn meet_releasing(py: Python<'_>, parties: usize, timeout: f64) -> bool {
        py.detach(|| super::meet(parties, Duration::from_secs_f64(timeout)))
    }
}

/// The file name Cargo gives the built module (`libescape_gil.so` on Linux).
pub fn built_file_name() -> String {
    format!(
        "{}{MODULE}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    )
}

/// The module Cargo built beside the program `exe` (`target/<profile>/lab`,
/// an example, or a test in `target/<profile>/deps/`): Cargo puts a
/// dependency's `cdylib` in `target/<profile>/deps/`.
pub fn built_module(exe: &Path) -> Result<PathBuf, String> {
    let dir = exe.parent().ok_or("the program has no folder")?;
    let profile = if dir.ends_with("deps") || dir.ends_with("examples") {
        dir.parent().ok_or("no target folder")?
    } else {
        dir
    };
    let file = built_file_name();
    [profile.join("deps").join(&file), profile.join(&file)]
        .into_iter()
        .find(|path| path.is_file())
        .ok_or_else(|| {
            format!(
                "{file} is not in {}/deps: build a package that depends on escape-gil",
                profile.display()
            )
        })
}

/// Copies the module built beside the running program into `dir` under the
/// name Python imports (`escape_gil.so`); returns the copy's path. With `dir`
/// on `sys.path`, `import escape_gil` loads it.
pub fn install(dir: &Path) -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let built = built_module(&exe)?;
    let target = dir.join(format!("{MODULE}.so"));
    std::fs::copy(&built, &target).map_err(|e| {
        format!(
            "cannot copy {} to {}: {e}",
            built.display(),
            target.display()
        )
    })?;
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread;

    #[test]
    fn work_returns_its_count() {
        assert_eq!(work(1_000), 1_000);
    }

    #[test]
    fn meet_waits_for_every_party_or_times_out() {
        // Alone, nobody comes: a timeout, and the next meeting is not spoiled.
        assert!(!meet(2, Duration::from_millis(10)));
        let met: Vec<bool> = thread::scope(|s| {
            let others: Vec<_> = (0..2)
                .map(|_| s.spawn(|| meet(3, Duration::from_secs(60))))
                .collect();
            let mine = meet(3, Duration::from_secs(60));
            let mut all: Vec<bool> = others.into_iter().map(|h| h.join().unwrap()).collect();
            all.push(mine);
            all
        });
        assert_eq!(met, [true, true, true]);
    }

    #[test]
    fn finds_the_module_beside_a_program_or_in_deps() {
        let target = tempfile_dir();
        let release = target.join("release");
        std::fs::create_dir_all(release.join("deps")).unwrap();
        let exe = release.join("lab");
        assert!(built_module(&exe).unwrap_err().contains("deps"));
        let module = release.join("deps").join(built_file_name());
        std::fs::write(&module, b"").unwrap();
        assert_eq!(built_module(&exe).unwrap(), module);
        assert_eq!(
            built_module(&release.join("deps").join("import-0123")).unwrap(),
            module
        );
        assert_eq!(
            built_module(&release.join("examples").join("x")).unwrap(),
            module
        );
        std::fs::remove_dir_all(&target).unwrap();
    }

    /// A fresh folder under the system's temporary directory.
    fn tempfile_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("escape-gil-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }
}
