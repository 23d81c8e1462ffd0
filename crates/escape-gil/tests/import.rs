//! The module builds, `python3` imports it, and its `*_releasing` functions
//! really let go of the GIL: two Python threads can wait for each other
//! inside `meet_releasing`, and never inside `meet_holding`. No clock is
//! read; a timeout only ends a wait that can never succeed.

use std::path::Path;
use std::process::Command;

/// Python run against the module: prints one `name=value` line per check.
const CHECKS: &str = r#"
import sys, threading
import escape_gil

def both(function, *args):
    results = [None, None]
    def call(i):
        results[i] = function(*args)
    threads = [threading.Thread(target=call, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results

print("file=" + escape_gil.__file__)
print("holding=%d" % escape_gil.count_holding(1000))
print("releasing=%d" % escape_gil.count_releasing(1000))
# Released: the second thread gets in while the first waits.
print("meet_releasing=%s" % both(escape_gil.meet_releasing, 2, 60.0))
# Held: the first waits with the GIL, so the second cannot call in until it
# gives up; each then waits alone.
print("meet_holding=%s" % both(escape_gil.meet_holding, 2, 0.2))
"#;

#[test]
fn python_imports_the_module_and_releasing_lets_threads_meet() {
    let exe = std::env::current_exe().unwrap();
    let built = escape_gil::built_module(&exe).expect("Cargo builds the module with this test");
    let dir = std::env::temp_dir().join(format!("escape-gil-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let module = dir.join("escape_gil.so");
    std::fs::copy(&built, &module).unwrap();

    let out = Command::new("python3")
        .args(["-c", CHECKS])
        .env("PYTHONPATH", &dir)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("python3 must be on PATH to test the extension module");
    std::fs::remove_dir_all(&dir).unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "python3 failed\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0],
        format!("file={}", module.display()),
        "imported another escape_gil"
    );
    assert_eq!(
        &lines[1..],
        [
            "holding=1000",
            "releasing=1000",
            "meet_releasing=[True, True]",
            "meet_holding=[False, False]",
        ]
    );
    assert!(Path::new(&built).is_file());
}
