//! The machine a result was produced on, recorded beside every result so a
//! reader can tell whose numbers they are looking at.

use notebook_record::Machine;
use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

/// Reads the facts of the machine this process runs on.
pub fn detect() -> Machine {
    Machine {
        cpu: cpu_model(),
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        os: os_release(),
        date: utc_date(SystemTime::now()),
    }
}

/// The first line `program ARGS` prints on stdout or stderr (Python 2 prints
/// its version on stderr), if it runs and succeeds.
pub fn first_line(program: &std::ffi::OsStr, args: &[&str]) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    [&out.stdout, &out.stderr].into_iter().find_map(|stream| {
        let text = String::from_utf8_lossy(stream);
        let line = text.lines().next()?.trim();
        (!line.is_empty()).then(|| line.to_string())
    })
}

fn cpu_model() -> String {
    let from_proc = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, model)| model.trim().to_string())
        });
    from_proc
        .or_else(|| first_line("sysctl".as_ref(), &["-n", "machdep.cpu.brand_string"]))
        .unwrap_or_else(|| "unknown CPU".into())
}

fn os_release() -> String {
    let name = first_line("uname".as_ref(), &["-s"]).unwrap_or_else(|| std::env::consts::OS.into());
    match first_line("uname".as_ref(), &["-r"]) {
        Some(release) => format!("{name} {release}"),
        None => name,
    }
}

/// `YYYY-MM-DD` in UTC, from the days-since-epoch civil calendar algorithm
/// (Howard Hinnant's `civil_from_days`).
pub fn utc_date(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64 + 719_468;
    let era = days.div_euclid(146_097);
    let doe = days.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn dates_match_the_calendar() {
        let at = |secs| utc_date(UNIX_EPOCH + Duration::from_secs(secs));
        assert_eq!(at(0), "1970-01-01");
        assert_eq!(at(951_782_400), "2000-02-29");
        assert_eq!(at(1_795_564_800), "2026-11-25");
    }

    #[test]
    fn the_machine_is_described() {
        let machine = detect();
        assert!(machine.cores >= 1);
        assert_eq!(machine.date.len(), 10);
        assert!(!machine.cpu.is_empty() && !machine.os.is_empty());
    }

    #[test]
    fn first_line_reads_stdout_or_stderr() {
        assert_eq!(
            first_line("sh".as_ref(), &["-c", "echo out"]).as_deref(),
            Some("out")
        );
        assert_eq!(
            first_line("sh".as_ref(), &["-c", "echo err >&2"]).as_deref(),
            Some("err")
        );
        assert_eq!(first_line("sh".as_ref(), &["-c", "exit 1"]), None);
        assert_eq!(first_line("/no/such/program".as_ref(), &[]), None);
    }
}
