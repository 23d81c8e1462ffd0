//! "Threads are fine for I/O", measured (chapters 01, 02, 05, 07): 1, 2, 4
//! and 8 threads that each block — in `sleep`, in a `read` from a pipe whose
//! other end is a process that answers after a pause, in `read`s of a file
//! that bypass the page cache (`O_DIRECT`) — next to threads that count down,
//! and next to sleeping threads that share the process with one CPU-bound
//! thread. In Rust threads and, where `python3` exists, in CPython threads
//! (crates/lab/python/io_threads.py), the same workloads.
//!
//! A blocked thread uses no CPU, and in CPython it has released the GIL, so
//! N blocked threads should take about the time of one; N CPU-bound threads
//! need N times one thread's CPU time, spread over the cores (Rust) or taken
//! one at a time under the GIL (CPython).

use super::Args;
use crate::python as lab_python;
use crate::python::samples_at;
use crate::sample::{format_ratio, format_seconds, interleaved, median, seconds};
use crate::{Plot, Point, Record, Series, SeriesKind, fork};
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork as fork_process, pipe, read, write};
use std::alloc::{Layout, alloc_zeroed, dealloc};
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::fd::OwnedFd;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

/// The thread counts compared.
const THREADS: [usize; 4] = [1, 2, 4, 8];
/// One blocking call of `sleep` and of the pipe's peer.
const WAIT: Duration = Duration::from_millis(2);
/// Blocking calls per thread: 20 ms of waiting per thread (`--full`: 50 ms).
const ROUNDS: usize = 10;
const FULL_ROUNDS: usize = 25;
/// Each file-reading thread reads this many blocks of [`BLOCK`] bytes, at
/// pseudo-random offsets, one after the other.
const FILE_READS: usize = 256;
/// The unit of an `O_DIRECT` read: offsets, lengths and the buffer's address
/// must be multiples of the device's block size; 4 KiB suits every device.
const BLOCK: usize = 4096;
/// The file the threads read: 16 MiB, 4096 blocks.
const FILE_BLOCKS: usize = 4096;
/// A CPU-bound thread's countdown: about 20 ms, as long as a thread's waits.
const COUNT: u64 = tasks::CPU_TASK_COUNT / 30;
/// About 20 ms of counting for CPython 3.11 on the machine that builds the book.
const PYTHON_COUNT: u64 = 1_600_000;
const PYTHON_SCRIPT: &str = "io_threads.py";

/// What each thread does: a bar of the chart.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Work {
    Sleep,
    Pipe,
    File,
    Cpu,
    /// Sleep, while one more thread counts down without pause.
    SleepBesideCpu,
}

/// (workload, its key in the values and in the script's JSON, its category).
const WORKS: [(Work, &str, &str); 5] = [
    (Work::Sleep, "sleep", "sleep"),
    (Work::Pipe, "pipe", "pipe read"),
    (Work::File, "file", "file read (O_DIRECT)"),
    (Work::Cpu, "cpu", "CPU-bound"),
    (
        Work::SleepBesideCpu,
        "sleep_beside_cpu",
        "sleep, beside 1 CPU-bound thread",
    ),
];

pub fn run(args: &Args) -> Result<Record, String> {
    let n = args.samples(5);
    let rounds = if args.full { FULL_ROUNDS } else { ROUNDS };
    let file = TestFile::create()?;
    let mut notes = vec![format!(
        "Each thread: {rounds} sleeps of {} ms; or {rounds} requests over a pipe to its own \
         forked process, which sleeps {} ms before each answer; or {FILE_READS} reads of \
         {} KiB from a {} MiB file at pseudo-random offsets, with O_DIRECT so that each \
         goes to the disk; or a countdown of about as long. Bars: the time for 8 threads \
         over the time for 1 doing the same; \"beside 1 CPU-bound thread\" is compared \
         with sleeping alone.",
        WAIT.as_millis(),
        WAIT.as_millis(),
        BLOCK / 1024,
        (FILE_BLOCKS * BLOCK) >> 20
    )];
    let works: Vec<(Work, &str, &str)> = match file.direct_read_works() {
        Ok(()) => WORKS.to_vec(),
        Err(why) => {
            notes.push(format!("No file-read bars: {why}."));
            WORKS.into_iter().filter(|w| w.0 != Work::File).collect()
        }
    };

    let configs: Vec<(Work, usize)> = works
        .iter()
        .flat_map(|&(work, _, _)| THREADS.map(|threads| (work, threads)))
        .collect();
    let labels: Vec<String> = configs
        .iter()
        .map(|(work, threads)| format!("Rust: {work:?} x{threads}"))
        .collect();
    let label_refs: Vec<&str> = labels.iter().map(String::as_str).collect();
    // The CPU time the process used in each sample, beside its wall time.
    let mut cpu = vec![Vec::new(); configs.len()];
    let rust = interleaved(&label_refs, n, |i| {
        let (work, threads) = configs[i];
        let (wall, cores_busy) = measure(work, threads, rounds, &file)?;
        cpu[i].push(cores_busy);
        Ok(wall)
    })?;
    let mut times = vec![("rust", by_work(&works, rust), by_work(&works, cpu))];

    let mut series = vec![ratio_series(
        "Rust threads",
        SeriesKind::Threads,
        &works,
        &times[0].1,
    )?];
    match cpython(&works, rounds, &file, n) {
        Ok((version, python, python_cpu)) => {
            notes.push(format!("CPython {version}, the same workloads."));
            series.push(ratio_series(
                "CPython threads",
                SeriesKind::CPythonThreads,
                &works,
                &python,
            )?);
            times.push(("cpython", python, python_cpu));
        }
        Err(why) => notes.push(format!("No CPython series: {why}.")),
    }

    let mut values = BTreeMap::new();
    values.insert("rounds".into(), rounds.to_string());
    values.insert("wait".into(), format_seconds(WAIT.as_secs_f64()));
    values.insert("file_reads".into(), FILE_READS.to_string());
    for (runtime, by_work, cores_busy) in &times {
        for (((_, key, _), per_threads), busy) in works.iter().zip(by_work).zip(cores_busy) {
            for (threads, samples) in THREADS.iter().zip(per_threads) {
                let name = format!("{runtime}_{key}_{threads}");
                values.insert(name.clone(), format_seconds(median(&name, samples)?));
            }
            let name = format!("{runtime}_{key}_8_cores");
            let busy = median(&name, &busy[THREADS.len() - 1])?;
            values.insert(name, format!("{busy:.2} cores"));
        }
    }
    for (line, (runtime, _, _)) in series.iter().zip(&times) {
        let mut ratios = BTreeMap::new();
        for ((_, key, _), point) in works.iter().zip(&line.points) {
            let name = format!("{runtime}_{key}_8x");
            let ratio = median(&name, &point.samples)?;
            values.insert(name, format_ratio(ratio));
            ratios.insert(*key, ratio);
        }
        values.insert(format!("{runtime}_verdict"), verdict(&ratios).into());
    }
    let title = title(&values);
    Ok(Record {
        values,
        notes,
        ..Record::new(
            title,
            Plot::Bars {
                y_label: "time of 8 threads / time of 1 (x)".into(),
                log_y: false,
                categories: works.iter().map(|w| w.2.to_string()).collect(),
                series,
            },
        )
    })
}

/// The title, from the measured ratios: the I/O workloads' range, then the
/// CPU-bound one, for each runtime measured.
fn title(values: &BTreeMap<String, String>) -> String {
    let get = |key: &str| values.get(key).map_or("—", String::as_str);
    let mut title = format!(
        "8 threads blocked in sleep, a pipe or a file take {}, {} and {} the time of one \
         in Rust; 8 CPU-bound threads {}",
        get("rust_sleep_8x"),
        get("rust_pipe_8x"),
        get("rust_file_8x"),
        get("rust_cpu_8x"),
    );
    if values.contains_key("cpython_cpu_8x") {
        title += &format!(
            " (CPython: {}, {}, {}; CPU-bound {})",
            get("cpython_sleep_8x"),
            get("cpython_pipe_8x"),
            get("cpython_file_8x"),
            get("cpython_cpu_8x"),
        );
    }
    title
}

/// The tutorial's claim, "threads are fine for I/O", judged from the 8-thread
/// ratios: confirmed when 8 threads that sleep or wait on a pipe take less
/// than [`OVERLAPPED`] times the time of one. (A wide margin: waits that
/// overlap come out near 1, waits taken in turn near 8.)
fn verdict(ratios: &BTreeMap<&str, f64>) -> &'static str {
    let overlapped = ["sleep", "pipe"]
        .iter()
        .all(|key| ratios.get(key).is_some_and(|&r| r < OVERLAPPED));
    if overlapped {
        "confirmed"
    } else {
        "not confirmed"
    }
}

/// See [`verdict`].
const OVERLAPPED: f64 = 1.5;

/// Regroups the interleaved samples (one list per configuration, in the order
/// of `works` × [`THREADS`]) as `[work][threads]`.
fn by_work(works: &[(Work, &str, &str)], samples: Vec<Vec<f64>>) -> Times {
    let mut samples = samples.into_iter();
    works
        .iter()
        .map(|_| samples.by_ref().take(THREADS.len()).collect())
        .collect()
}

/// One bar per workload: each sample of 8 threads over the median time of 1
/// thread doing the same, except sleeping beside a CPU-bound thread, which is
/// compared with sleeping alone (the workload [`WORKS`] lists first).
/// `times` is `[work][threads]`, in the order of `works`.
fn ratio_series(
    name: &str,
    kind: SeriesKind,
    works: &[(Work, &str, &str)],
    times: &[Vec<Vec<f64>>],
) -> Result<Series, String> {
    let last = THREADS.len() - 1;
    let alone = median("sleep x1", &times[0][0])?;
    let points = times
        .iter()
        .zip(works.iter().map(|w| w.0))
        .enumerate()
        .map(|(i, (per_threads, work))| {
            let one = match work {
                Work::SleepBesideCpu => alone,
                _ => median(name, &per_threads[0])?,
            };
            Ok(Point {
                x: i as f64,
                samples: per_threads[last].iter().map(|t| t / one).collect(),
            })
        })
        .collect::<Result<_, String>>()?;
    Ok(kind.series(name, points))
}

/// Seconds for `threads` threads that each do `work`, from the first spawn to
/// the last join, and the cores the process kept busy meanwhile (see
/// [`in_threads`]). The pipe's peers are forked, and the CPU-bound neighbour
/// of [`Work::SleepBesideCpu`] started, before the clock starts.
fn measure(
    work: Work,
    threads: usize,
    rounds: usize,
    file: &TestFile,
) -> Result<(f64, f64), String> {
    match work {
        Work::Sleep => Ok(in_threads(threads, |_| sleeps(rounds))),
        Work::Cpu => Ok(in_threads(threads, |_| tasks::countdown(COUNT))),
        Work::File => {
            let failed = AtomicBool::new(false);
            let secs = in_threads(threads, |seed| {
                if file.read_blocks(seed as u64 + 1).is_err() {
                    failed.store(true, Ordering::Relaxed);
                }
            });
            if failed.into_inner() {
                return Err(format!("reading {} failed", file.path.display()));
            }
            Ok(secs)
        }
        Work::Pipe => {
            let peers = (0..threads)
                .map(|_| Peer::fork(rounds))
                .collect::<Result<Vec<_>, _>>()?;
            let failed = AtomicBool::new(false);
            let secs = in_threads(threads, |i| {
                if peers[i].ask(rounds).is_err() {
                    failed.store(true, Ordering::Relaxed);
                }
            });
            for peer in peers {
                peer.wait()?;
            }
            if failed.into_inner() {
                return Err("a pipe request failed".into());
            }
            Ok(secs)
        }
        Work::SleepBesideCpu => {
            let stop = AtomicBool::new(false);
            thread::scope(|s| {
                s.spawn(|| {
                    while !stop.load(Ordering::Relaxed) {
                        tasks::countdown(1_000_000);
                    }
                });
                let secs = in_threads(threads, |_| sleeps(rounds));
                stop.store(true, Ordering::Relaxed);
                Ok(secs)
            })
        }
    }
}

/// CPU seconds this process has used so far, in all its threads (not its
/// children: the pipe's peers are not counted).
fn cpu_seconds() -> f64 {
    use nix::sys::resource::{UsageWho, getrusage};
    use nix::sys::time::TimeValLike;
    getrusage(UsageWho::RUSAGE_SELF).map_or(0.0, |usage| {
        (usage.user_time().num_microseconds() + usage.system_time().num_microseconds()) as f64 / 1e6
    })
}

/// Seconds for `threads` threads that each run `body(i)`, and the CPU time
/// the whole process used meanwhile over those seconds: the cores it kept
/// busy.
fn in_threads(threads: usize, body: impl Fn(usize) + Sync) -> (f64, f64) {
    let before = cpu_seconds();
    let wall = seconds(|| {
        thread::scope(|s| {
            for i in 0..threads {
                let body = &body;
                s.spawn(move || body(i));
            }
        })
    });
    (wall, (cpu_seconds() - before) / wall)
}

fn sleeps(rounds: usize) {
    for _ in 0..rounds {
        thread::sleep(WAIT);
    }
}

/// A forked process at the other end of two pipes: for each byte it reads
/// it sleeps [`WAIT`], then answers with one byte.
struct Peer {
    pid: Pid,
    requests: OwnedFd,
    answers: OwnedFd,
}

impl Peer {
    /// Forks the peer. Only while the lab has no other thread (the fork rule
    /// in mod.rs): the workloads' threads are all joined between samples.
    fn fork(rounds: usize) -> Result<Peer, String> {
        fork::ensure_single_threaded()?;
        let (request_out, request_in) = pipe().map_err(|e| format!("pipe failed: {e}"))?;
        let (answer_out, answer_in) = pipe().map_err(|e| format!("pipe failed: {e}"))?;
        // SAFETY: the lab has one thread (checked above); the child uses
        // only read, sleep and write, and leaves with _exit.
        match unsafe { fork_process() }.map_err(|e| format!("fork failed: {e}"))? {
            ForkResult::Child => {
                drop((request_in, answer_out));
                let mut byte = [0u8];
                let mut ok = true;
                for _ in 0..rounds {
                    ok = ok && matches!(read(&request_out, &mut byte), Ok(1));
                    thread::sleep(WAIT);
                    ok = ok && matches!(write(&answer_in, &byte), Ok(1));
                }
                unsafe { libc::_exit(if ok { 0 } else { 1 }) }
            }
            ForkResult::Parent { child } => Ok(Peer {
                pid: child,
                requests: request_in,
                answers: answer_out,
            }),
        }
    }

    /// `rounds` requests, each answered after the peer's pause.
    fn ask(&self, rounds: usize) -> Result<(), String> {
        let mut byte = [b'?'];
        for _ in 0..rounds {
            write(&self.requests, &byte).map_err(|e| format!("write failed: {e}"))?;
            if read(&self.answers, &mut byte).map_err(|e| format!("read failed: {e}"))? != 1 {
                return Err("the peer closed its pipe".into());
            }
        }
        Ok(())
    }

    fn wait(self) -> Result<(), String> {
        drop((self.requests, self.answers));
        match waitpid(self.pid, None) {
            Ok(WaitStatus::Exited(_, 0)) => Ok(()),
            Ok(status) => Err(format!("pipe peer ended with {status:?}")),
            Err(e) => Err(format!("waitpid failed: {e}")),
        }
    }
}

/// The file the file-reading threads share, removed when dropped.
struct TestFile {
    path: PathBuf,
}

impl TestFile {
    /// Writes [`FILE_BLOCKS`] blocks to a new file in the temporary
    /// directory and syncs them to the disk.
    fn create() -> Result<TestFile, String> {
        let path = std::env::temp_dir().join(format!("lab-io-threads-{}", std::process::id()));
        let file = TestFile { path };
        let mut out = File::create(&file.path)
            .map_err(|e| format!("cannot create {}: {e}", file.path.display()))?;
        let block: Vec<u8> = (0..BLOCK).map(|i| i as u8).collect();
        for _ in 0..FILE_BLOCKS {
            out.write_all(&block)
                .map_err(|e| format!("cannot write {}: {e}", file.path.display()))?;
        }
        out.sync_all()
            .map_err(|e| format!("cannot sync {}: {e}", file.path.display()))?;
        Ok(file)
    }

    /// One `O_DIRECT` read, to learn whether this file system allows them
    /// (tmpfs, for one, refuses with EINVAL).
    fn direct_read_works(&self) -> Result<(), String> {
        read_direct(&self.path, 1, 1)
            .map_err(|e| format!("O_DIRECT reads fail in {}: {e}", self.path.display()))
    }

    /// [`FILE_READS`] block reads at offsets drawn from `seed`.
    fn read_blocks(&self, seed: u64) -> std::io::Result<()> {
        read_direct(&self.path, seed, FILE_READS)
    }
}

impl Drop for TestFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Reads `count` whole blocks of `path`, bypassing the page cache, at
/// offsets drawn from `seed` (xorshift: the lab needs no random crate).
fn read_direct(path: &Path, seed: u64, count: usize) -> std::io::Result<()> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECT)
        .open(path)?;
    let mut buffer = AlignedBlock::new();
    let mut state = seed.max(1);
    for _ in 0..count {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let offset = (state % FILE_BLOCKS as u64) * BLOCK as u64;
        file.read_exact_at(buffer.bytes(), offset)?;
    }
    Ok(())
}

/// One block-aligned block of memory, as `O_DIRECT` requires.
struct AlignedBlock(*mut u8);

impl AlignedBlock {
    const LAYOUT: Layout = match Layout::from_size_align(BLOCK, BLOCK) {
        Ok(layout) => layout,
        Err(_) => panic!("BLOCK is a power of two"),
    };

    fn new() -> AlignedBlock {
        // SAFETY: the layout's size is not zero.
        let block = unsafe { alloc_zeroed(Self::LAYOUT) };
        assert!(!block.is_null(), "out of memory");
        AlignedBlock(block)
    }

    fn bytes(&mut self) -> &mut [u8] {
        // SAFETY: the pointer holds BLOCK initialised bytes owned by self.
        unsafe { std::slice::from_raw_parts_mut(self.0, BLOCK) }
    }
}

impl Drop for AlignedBlock {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with the same layout.
        unsafe { dealloc(self.0, Self::LAYOUT) }
    }
}

/// Samples of one runtime, `[work][threads][sample]`.
type Times = Vec<Vec<Vec<f64>>>;

/// CPython's version, wall times and cores busy (CPU time over wall time),
/// each `[work][threads]`, from crates/lab/python/io_threads.py.
fn cpython(
    works: &[(Work, &str, &str)],
    rounds: usize,
    file: &TestFile,
    samples: usize,
) -> Result<(String, Times, Times), String> {
    let keys: Vec<&str> = works.iter().map(|w| w.1).collect();
    let json = lab_python::run(
        PYTHON_SCRIPT,
        &[
            keys.join(","),
            rounds.to_string(),
            WAIT.as_secs_f64().to_string(),
            file.path.display().to_string(),
            FILE_READS.to_string(),
            FILE_BLOCKS.to_string(),
            PYTHON_COUNT.to_string(),
            samples.to_string(),
        ],
    )?;
    let version = json["python"].as_str().unwrap_or("3").to_string();
    let table = |suffix: &str| -> Result<Times, String> {
        keys.iter()
            .map(|key| {
                let key = format!("{key}{suffix}");
                THREADS
                    .iter()
                    .map(|threads| samples_at(&json[&key][threads.to_string()]))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| format!("{PYTHON_SCRIPT}: {key}: {e}"))
            })
            .collect()
    };
    Ok((version, table("")?, table("_cores")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    // `run` forks, so no test calls it (the harness is multi-threaded).

    #[test]
    fn eight_over_one_per_workload_and_sleeping_beside_cpu_over_sleeping_alone() {
        let times = |one: f64, eight: f64| {
            let mut per_threads = vec![vec![one, one]; THREADS.len()];
            per_threads[THREADS.len() - 1] = vec![eight, eight * 2.0];
            per_threads
        };
        let all = vec![
            times(0.02, 0.021),
            times(0.02, 0.02),
            times(0.01, 0.02),
            times(0.02, 0.08),
            times(0.5, 0.04),
        ];
        let series = ratio_series("t", SeriesKind::Threads, &WORKS, &all).unwrap();
        let ratios: Vec<f64> = series.points.iter().map(|p| p.samples[0]).collect();
        assert_eq!(ratios.len(), 5);
        assert!((ratios[0] - 1.05).abs() < 1e-9);
        assert!((ratios[2] - 2.0).abs() < 1e-9);
        assert!((ratios[3] - 4.0).abs() < 1e-9);
        // Against the plain sleep's 1-thread time (0.02), not its own (0.5).
        assert!((ratios[4] - 2.0).abs() < 1e-9);
        assert!((series.points[3].samples[1] - 8.0).abs() < 1e-9);
    }

    #[test]
    fn verdict_needs_sleeps_and_pipes_to_overlap() {
        let ratios = |sleep: f64, pipe: f64| BTreeMap::from([("sleep", sleep), ("pipe", pipe)]);
        assert_eq!(verdict(&ratios(1.01, 1.1)), "confirmed");
        assert_eq!(verdict(&ratios(1.01, 7.9)), "not confirmed");
        assert_eq!(verdict(&BTreeMap::from([("sleep", 1.0)])), "not confirmed");
    }

    #[test]
    fn regroups_configurations_by_workload() {
        let flat: Vec<Vec<f64>> = (0..8).map(|i| vec![i as f64]).collect();
        let grouped = by_work(&WORKS[..2], flat);
        assert_eq!(grouped.len(), 2);
        assert_eq!(grouped[1][0], [4.0]);
        assert_eq!(grouped[1][3], [7.0]);
    }

    /// Invariants, not times: sleeping threads wait at least their sleeps,
    /// and every block of the file reads back, when the file system allows
    /// O_DIRECT.
    #[test]
    fn workloads_do_what_they_say() {
        let file = TestFile::create().unwrap();
        let path = file.path.clone();
        assert_eq!(
            std::fs::metadata(&path).unwrap().len(),
            (FILE_BLOCKS * BLOCK) as u64
        );
        if file.direct_read_works().is_ok() {
            assert!(measure(Work::File, 2, 1, &file).is_ok());
        }
        let (secs, cores_busy) = measure(Work::Sleep, 2, 3, &file).unwrap();
        assert!(secs >= 3.0 * WAIT.as_secs_f64());
        assert!(cores_busy >= 0.0);
        drop(file);
        assert!(!path.exists(), "the file is removed");
    }

    #[test]
    fn title_states_the_ratios() {
        let values: BTreeMap<String, String> = [
            ("rust_sleep_8x", "1.01x"),
            ("rust_pipe_8x", "1.10x"),
            ("rust_file_8x", "2.40x"),
            ("rust_cpu_8x", "4.00x"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(
            title(&values),
            "8 threads blocked in sleep, a pipe or a file take 1.01x, 1.10x and 2.40x the \
             time of one in Rust; 8 CPU-bound threads 4.00x"
        );
    }
}
