//! The machine a result was measured on, recorded beside every result so a
//! reader can tell whose numbers they are looking at.

use serde::{Deserialize, Serialize};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    /// CPU model name, e.g. "AMD EPYC 7B13".
    pub cpu: String,
    /// Cores this process may run on (`available_parallelism`).
    pub cores: usize,
    /// Kernel name and release, e.g. "Linux 6.18.0".
    pub os: String,
    /// `rustc -V` of the toolchain that built the program.
    pub rustc: String,
    /// UTC date of the measurement, `YYYY-MM-DD`.
    pub date: String,
}

impl Machine {
    /// Reads the facts of the machine this process runs on.
    pub fn detect() -> Machine {
        Machine {
            cpu: cpu_model(),
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            os: os_release(),
            rustc: command_line("rustc", &["-V"]).unwrap_or_else(|| "rustc (unknown)".into()),
            date: utc_date(SystemTime::now()),
        }
    }

    /// One line for a caption: "AMD EPYC 7B13, 2 cores, Linux 6.18.0, rustc 1.95.0, 2026-11-25".
    pub fn summary(&self) -> String {
        let rustc = self.rustc.split(" (").next().unwrap_or(&self.rustc);
        format!(
            "{}, {} cores, {}, {}, {}",
            self.cpu, self.cores, self.os, rustc, self.date
        )
    }
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
        .or_else(|| command_line("sysctl", &["-n", "machdep.cpu.brand_string"]))
        .unwrap_or_else(|| "unknown CPU".into())
}

fn os_release() -> String {
    let name = command_line("uname", &["-s"]).unwrap_or_else(|| std::env::consts::OS.into());
    match command_line("uname", &["-r"]) {
        Some(release) => format!("{name} {release}"),
        None => name,
    }
}

fn command_line(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let line = text.lines().next()?.trim();
    (out.status.success() && !line.is_empty()).then(|| line.to_string())
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
    fn summary_names_every_fact() {
        let m = Machine {
            cpu: "Test CPU".into(),
            cores: 2,
            os: "Linux 6.1".into(),
            rustc: "rustc 1.95.0 (59807616e 2026-04-14)".into(),
            date: "2026-11-25".into(),
        };
        assert_eq!(
            m.summary(),
            "Test CPU, 2 cores, Linux 6.1, rustc 1.95.0, 2026-11-25"
        );
    }
}
