//! How much of the machine other programs took while an experiment ran.
//!
//! On a shared 2-core machine a concurrent build can halve a "parallel"
//! speedup. The lab cannot stop that, but it can say so: a record whose
//! numbers were taken on a busy machine carries a note saying how busy.

use nix::sys::resource::{UsageWho, getrusage};
use nix::sys::time::TimeValLike;

/// Above this share of all cores' time used by others, a record says so.
const NOTE_ABOVE: f64 = 0.10;

/// CPU time counters at the start of a measurement.
pub struct Contention {
    start: Option<(f64, f64)>,
    own: f64,
}

impl Contention {
    /// Starts counting.
    pub fn start() -> Contention {
        Contention {
            start: machine_seconds(),
            own: own_seconds(),
        }
    }

    /// The share (0 to 1) of all cores' time since [`Contention::start`] that
    /// went to other programs; `None` where the machine's counters cannot be
    /// read (not Linux).
    pub fn others_share(&self) -> Option<f64> {
        let (total0, busy0) = self.start?;
        let (total1, busy1) = machine_seconds()?;
        let total = total1 - total0;
        let others = (busy1 - busy0) - (own_seconds() - self.own);
        (total > 0.0).then(|| (others / total).clamp(0.0, 1.0))
    }

    /// A note for the record when others took a noticeable share.
    pub fn note(&self) -> Option<String> {
        let share = self.others_share()?;
        (share > NOTE_ABOVE).then(|| {
            format!(
                "Other programs used about {:.0}% of the machine's CPU time while this ran, \
                 so these numbers are noisier (and parallel speedups lower) than on an idle machine.",
                share * 100.0
            )
        })
    }
}

/// (all cores' time, busy time) in seconds since boot, from `/proc/stat`.
fn machine_seconds() -> Option<(f64, f64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<f64> = stat
        .lines()
        .next()?
        .strip_prefix("cpu ")?
        .split_whitespace()
        .take(8) // user nice system idle iowait irq softirq steal
        .map(|f| f.parse().ok())
        .collect::<Option<_>>()?;
    if fields.len() < 8 {
        return None;
    }
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    let total: f64 = fields.iter().sum();
    let idle = fields[3] + fields[4];
    (ticks > 0.0).then(|| (total / ticks, (total - idle) / ticks))
}

/// CPU seconds used by this process and its reaped children.
fn own_seconds() -> f64 {
    [UsageWho::RUSAGE_SELF, UsageWho::RUSAGE_CHILDREN]
        .into_iter()
        .filter_map(|who| getrusage(who).ok())
        .map(|u| {
            (u.user_time().num_microseconds() + u.system_time().num_microseconds()) as f64 / 1e6
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_readable_and_shares_bounded() {
        let contention = Contention::start();
        tasks::countdown(10_000_000);
        if machine_seconds().is_some() {
            let share = contention.others_share().unwrap_or(0.0);
            assert!((0.0..=1.0).contains(&share), "{share}");
        }
        assert!(own_seconds() > 0.0);
    }
}
