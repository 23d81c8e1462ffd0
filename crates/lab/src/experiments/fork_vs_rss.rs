//! fork against the parent's resident memory (chapter 07): fork copies the
//! parent's page tables, so its cost grows with every page the parent has
//! touched, while posix_spawn (`std::process::Command`) copies none and stays
//! flat. The slope, fitted by least squares, is the finding.

use super::Args;
use crate::probes::{TRUE_PROGRAM, fork_exit_wait, spawn_true};
use crate::sample::{format_seconds, format_spread, median, try_sample};
use crate::{Plot, Point, Record, SeriesKind, fork};
use nix::sys::mman::{MapFlags, MmapAdvise, ProtFlags, madvise, mmap_anonymous, munmap};
use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::ptr::NonNull;

const MIB: usize = 1 << 20;
const PAGE: usize = 4096;

/// Parent memory sizes (MiB) the book build measures; `--full` adds 4 GiB.
const SIZES_MIB: [usize; 4] = [0, 64, 256, 1024];
const FULL_EXTRA_MIB: usize = 4096;

/// Where Linux says whether it uses transparent huge pages.
const THP_SETTING: &str = "/sys/kernel/mm/transparent_hugepage/enabled";

/// Memory the parent holds while it forks: mapped, and every page written,
/// so each one is resident and has a page-table entry that fork must copy.
struct Resident {
    start: NonNull<libc::c_void>,
    len: usize,
}

impl Resident {
    /// Maps and touches `mib` MiB, in 4 KiB pages or, with `huge`, asking for
    /// 2 MiB transparent huge pages. `None` for 0 MiB.
    fn touch(mib: usize, huge: bool) -> Result<Option<Resident>, String> {
        let Some(len) = NonZeroUsize::new(mib * MIB) else {
            return Ok(None);
        };
        // SAFETY: a fresh private anonymous mapping aliases nothing.
        let start = unsafe {
            mmap_anonymous(
                None,
                len,
                ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
                MapFlags::MAP_PRIVATE,
            )
        }
        .map_err(|e| format!("mmap {mib} MiB failed: {e}"))?;
        let resident = Resident {
            start,
            len: len.get(),
        };
        let advice = if huge {
            MmapAdvise::MADV_HUGEPAGE
        } else {
            MmapAdvise::MADV_NOHUGEPAGE
        };
        // SAFETY: advice on our own mapping; it changes no contents.
        unsafe { madvise(start, resident.len, advice) }
            .map_err(|e| format!("madvise({advice:?}) failed: {e}"))?;
        let bytes = start.as_ptr().cast::<u8>();
        for offset in (0..resident.len).step_by(PAGE) {
            // SAFETY: offset < len, inside the mapping, which only we use.
            unsafe { bytes.add(offset).write_volatile(1) };
        }
        Ok(Some(resident))
    }
}

impl Drop for Resident {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping `touch` made; nothing borrows it.
        let _ = unsafe { munmap(self.start, self.len) };
    }
}

/// One line of the chart: how a child is started, at every memory size.
struct Line {
    name: &'static str,
    kind: SeriesKind,
    points: Vec<Point>,
}

pub fn run(args: &Args) -> Result<Record, String> {
    let n = args.samples(20);
    let mut sizes = SIZES_MIB.to_vec();
    if args.full {
        sizes.push(FULL_EXTRA_MIB);
    }
    let thp = thp_mode(&std::fs::read_to_string(THP_SETTING).unwrap_or_default());
    let huge_pages = thp.as_deref().is_some_and(|mode| mode != "never");

    // Every measurement forks: none may run while the lab has other threads.
    fork::ensure_single_threaded()?;
    let mut fork_line = Line {
        name: "fork, 4 KiB pages",
        kind: SeriesKind::Processes,
        points: vec![],
    };
    let mut spawn_line = Line {
        name: "Command (posix_spawn)",
        kind: SeriesKind::Spawn,
        points: vec![],
    };
    let mut huge_line = Line {
        name: "fork, 2 MiB huge pages",
        kind: SeriesKind::Other,
        points: vec![],
    };
    for &mib in &sizes {
        let memory = Resident::touch(mib, false)?;
        fork_line.points.push(point(
            mib,
            try_sample(&format!("fork at {mib} MiB"), n, fork_exit_wait)?,
        ));
        spawn_line.points.push(point(
            mib,
            try_sample(&format!("Command at {mib} MiB"), n, spawn_true)?,
        ));
        drop(memory);
        if huge_pages {
            let memory = Resident::touch(mib, true)?;
            huge_line.points.push(point(
                mib,
                try_sample(
                    &format!("fork, huge pages, at {mib} MiB"),
                    n,
                    fork_exit_wait,
                )?,
            ));
            drop(memory);
        }
    }

    let fork_slope = slope_ms_per_gib(&fork_line.points)?;
    let spawn_slope = slope_ms_per_gib(&spawn_line.points)?;
    let largest = sizes.len() - 1;
    let spawn_all: Vec<f64> = spawn_line
        .points
        .iter()
        .flat_map(|p| p.samples.clone())
        .collect();
    let mut values = BTreeMap::from([
        (
            "fork_ms_per_gib".to_string(),
            format!("{fork_slope:.1} ms/GiB"),
        ),
        (
            "spawn_ms_per_gib".to_string(),
            format!("{spawn_slope:.2} ms/GiB"),
        ),
        ("largest_mib".to_string(), format!("{} MiB", sizes[largest])),
        (
            "fork_smallest".to_string(),
            format_spread_ms(&fork_line.points[0].samples)?,
        ),
        (
            "fork_largest".to_string(),
            format_spread_ms(&fork_line.points[largest].samples)?,
        ),
        (
            "spawn_smallest".to_string(),
            format_spread_ms(&spawn_line.points[0].samples)?,
        ),
        (
            "spawn_largest".to_string(),
            format_spread_ms(&spawn_line.points[largest].samples)?,
        ),
    ]);
    let mut notes = vec![
        format!(
            "Every page of the parent's memory is written before it forks; Command starts {TRUE_PROGRAM}."
        ),
        match &thp {
            Some(mode) => format!(
                "Transparent huge pages: {mode} ({THP_SETTING}). A 2 MiB huge page needs one page-table entry where 4 KiB pages need 512, so fork copies far less."
            ),
            None => format!("Transparent huge pages: unknown ({THP_SETTING} unreadable)."),
        },
    ];
    let mut lines = vec![fork_line, spawn_line];
    if huge_pages {
        values.insert(
            "huge_fork_ms_per_gib".into(),
            format!("{:.1} ms/GiB", slope_ms_per_gib(&huge_line.points)?),
        );
        values.insert(
            "huge_fork_largest".into(),
            format_spread_ms(&huge_line.points[largest].samples)?,
        );
        lines.push(huge_line);
    } else {
        // The book quotes these keys; say why there is no number.
        for key in ["huge_fork_ms_per_gib", "huge_fork_largest"] {
            values.insert(key.into(), "not measured (huge pages are off)".into());
        }
        notes.push("Huge pages are off here: no huge-page series.".into());
    }

    let plot = Plot::Lines {
        x_label: "parent's resident memory (MiB)".into(),
        y_label: "start + wait for exit (ms)".into(),
        log_x: false,
        log_y: false,
        series: lines
            .into_iter()
            .map(|line| line.kind.series(line.name, line.points))
            .collect(),
    };
    Ok(Record {
        values,
        notes,
        ..Record::new(
            title(fork_slope, spawn_slope, median("spawn", &spawn_all)?),
            plot,
        )
    })
}

/// The finding: fork's slope, and posix_spawn's either as "flat" (under a
/// tenth of fork's, then quoted by its median over every size) or as its own
/// slope. Slopes in ms/GiB, `spawn_ms` in ms.
fn title(fork_slope: f64, spawn_slope: f64, spawn_ms: f64) -> String {
    let spawn = if spawn_slope.abs() < fork_slope.abs() / 10.0 {
        format!("posix_spawn stays near {}", format_seconds(spawn_ms / 1e3))
    } else {
        format!("posix_spawn {spawn_slope:.1} ms per GiB")
    };
    format!("fork costs {fork_slope:.1} ms more per GiB the parent has touched; {spawn}")
}

/// A chart point at `mib` from samples in seconds, stored in milliseconds.
fn point(mib: usize, seconds: Vec<f64>) -> Point {
    Point {
        x: mib as f64,
        samples: seconds.iter().map(|s| s * 1e3).collect(),
    }
}

/// [`format_spread`] for samples already in milliseconds.
fn format_spread_ms(ms: &[f64]) -> Result<String, String> {
    format_spread(&ms.iter().map(|m| m / 1e3).collect::<Vec<_>>())
}

/// The least-squares slope through every sample of `points` (x in MiB, y in
/// ms), in ms per GiB.
fn slope_ms_per_gib(points: &[Point]) -> Result<f64, String> {
    let xy: Vec<(f64, f64)> = points
        .iter()
        .flat_map(|p| p.samples.iter().map(move |&ms| (p.x / 1024.0, ms)))
        .collect();
    least_squares(&xy)
        .map(|(slope, _)| slope)
        .ok_or_else(|| "cannot fit a line: need two memory sizes".into())
}

/// The line `y = slope * x + intercept` that minimises the squared vertical
/// distances to `points`; `None` when every x is the same.
fn least_squares(points: &[(f64, f64)]) -> Option<(f64, f64)> {
    if points.is_empty() {
        return None;
    }
    let n = points.len() as f64;
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    if sxx == 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    Some((slope, mean_y - slope * mean_x))
}

/// The selected mode in the kernel's `always [madvise] never` line.
fn thp_mode(setting: &str) -> Option<String> {
    let start = setting.find('[')? + 1;
    let end = start + setting[start..].find(']')?;
    Some(setting[start..end].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_an_exact_line() {
        let (slope, intercept) = least_squares(&[(0.0, 1.0), (1.0, 3.0), (2.0, 5.0)]).unwrap();
        assert!((slope - 2.0).abs() < 1e-12 && (intercept - 1.0).abs() < 1e-12);
    }

    #[test]
    fn fits_through_noise_and_repeated_x() {
        // Samples scattered symmetrically around y = 24x + 0.2.
        let points = [
            (0.0, 0.1),
            (0.0, 0.3),
            (1.0, 24.0),
            (1.0, 24.4),
            (4.0, 96.1),
            (4.0, 96.3),
        ];
        let (slope, intercept) = least_squares(&points).unwrap();
        assert!((slope - 24.0).abs() < 1e-9, "{slope}");
        assert!((intercept - 0.2).abs() < 1e-9, "{intercept}");
    }

    #[test]
    fn no_line_through_one_x() {
        assert_eq!(least_squares(&[]), None);
        assert_eq!(least_squares(&[(1.0, 2.0), (1.0, 3.0)]), None);
    }

    #[test]
    fn slope_is_per_gib_from_mib_points() {
        let points = [
            Point {
                x: 0.0,
                samples: vec![0.2, 0.2],
            },
            Point {
                x: 512.0,
                samples: vec![12.2],
            },
            Point {
                x: 1024.0,
                samples: vec![24.2],
            },
        ];
        assert!((slope_ms_per_gib(&points).unwrap() - 24.0).abs() < 1e-9);
        assert!(slope_ms_per_gib(&points[..1]).is_err());
    }

    #[test]
    fn title_calls_a_small_slope_flat() {
        assert_eq!(
            title(24.04, 0.3, 0.52),
            "fork costs 24.0 ms more per GiB the parent has touched; posix_spawn stays near 520 µs"
        );
        assert!(title(24.0, 5.0, 0.52).ends_with("posix_spawn 5.0 ms per GiB"));
    }

    #[test]
    fn reads_the_selected_thp_mode() {
        assert_eq!(
            thp_mode("always [madvise] never\n").as_deref(),
            Some("madvise")
        );
        assert_eq!(thp_mode("[never]").as_deref(), Some("never"));
        assert_eq!(thp_mode(""), None);
    }

    #[test]
    fn touched_memory_is_mapped_and_released() {
        assert!(Resident::touch(0, false).unwrap().is_none());
        let memory = Resident::touch(2, false).unwrap().unwrap();
        assert_eq!(memory.len, 2 * MIB);
        // SAFETY: the first byte lies inside the mapping and was written by touch.
        assert_eq!(
            unsafe { memory.start.as_ptr().cast::<u8>().read_volatile() },
            1
        );
    }
}
