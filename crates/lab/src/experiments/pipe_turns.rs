//! Why a pipe gets slower as its writes grow (chapter 07): the same transfer
//! as `pipe_throughput`'s write/read (a parent writes, its forked child reads
//! into a buffer of the write's size), timed with what the two processes did
//! meanwhile: the CPU time of both over the wall time (the cores they kept
//! busy), how often the writer fell asleep (its voluntary context switches:
//! each one is a write that found the pipe full), and how many bytes each of
//! the reader's `read`s returned. Once a single write fills the pipe, the
//! writer sleeps until the reader has emptied it and the reader sleeps until
//! the writer refills it: they take turns instead of running at once. The
//! same transfer pinned to one core, and to one core each, shows what a turn
//! costs when the two sit on different cores. With the pipe raised to 1 MiB
//! (`F_SETPIPE_SZ`) the same writes leave room again (values only).

use super::Args;
use crate::sample::interleaved;
use crate::{Plot, Point, Record, SeriesKind, Summary, fork};
use nix::fcntl::{FcntlArg, fcntl};
use nix::unistd::{ForkResult, fork as fork_process, pipe, read, write};
use std::collections::BTreeMap;
use std::os::fd::OwnedFd;
use std::time::Instant;

const KIB: usize = 1 << 10;
const MIB: usize = 1 << 20;
/// Bytes per `write` (and per the reader's `read` buffer).
const CHUNKS: [usize; 5] = [4 * KIB, 16 * KIB, 64 * KIB, 256 * KIB, 1024 * KIB];
/// The pipe raised to the most an unprivileged process may set
/// (/proc/sys/fs/pipe-max-size, 1 MiB by default); the default is 64 KiB.
const BIG_PIPE: usize = MIB;

/// Where the writer and the reader run.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Placement {
    /// Wherever the scheduler puts them, as in `pipe_throughput`.
    Free,
    /// Both pinned to the first allowed core.
    OneCore,
    /// The writer on the first allowed core, the reader on the second.
    TwoCores,
}

/// One way of sending: a line of the chart, or (without a kind) values only.
struct Way {
    key: &'static str,
    name: &'static str,
    pipe_size: Option<usize>,
    placement: Placement,
    kind: Option<SeriesKind>,
}

const WAYS: [Way; 4] = [
    Way {
        key: "free",
        name: "default 64 KiB pipe, cores chosen by the scheduler",
        pipe_size: None,
        placement: Placement::Free,
        kind: Some(SeriesKind::Processes),
    },
    Way {
        key: "one_core",
        name: "default pipe, both on one core",
        pipe_size: None,
        placement: Placement::OneCore,
        kind: Some(SeriesKind::Sequential),
    },
    Way {
        key: "two_cores",
        name: "default pipe, one core each",
        pipe_size: None,
        placement: Placement::TwoCores,
        kind: Some(SeriesKind::Other),
    },
    Way {
        key: "big",
        name: "1 MiB pipe, cores chosen by the scheduler",
        pipe_size: Some(BIG_PIPE),
        placement: Placement::Free,
        kind: None,
    },
];

/// What one transfer measured.
#[derive(Debug, Clone, Copy, Default)]
struct Transfer {
    gib_s: f64,
    /// CPU seconds of writer and reader together, over the wall time.
    cores: f64,
    /// Times the writer fell asleep, per MiB sent.
    sleeps_per_mib: f64,
    /// Bytes per `read` the reader got, on average.
    read_bytes: f64,
    /// The reader's minor page faults (its whole life, start-up included).
    reader_faults: f64,
}

pub fn run(args: &Args) -> Result<Record, String> {
    let n = args.samples(3);
    let volume = if args.full { 1024 * MIB } else { 128 * MIB };
    let data: Vec<u8> = (0..CHUNKS[CHUNKS.len() - 1]).map(|i| i as u8).collect();
    fork::ensure_single_threaded()?;
    let cpus = allowed_cpus()?;
    let mut notes = vec![format!(
        "Each sample sends {} MiB from a parent to the child it forked, which reads \
         into a buffer of the write's size. Pinned with sched_setaffinity to CPUs {:?}.",
        volume / MIB,
        &cpus[..cpus.len().min(2)]
    )];
    let ways: Vec<&Way> = WAYS
        .iter()
        .filter(|way| way.placement != Placement::TwoCores || cpus.len() >= 2)
        .collect();
    if ways.len() < WAYS.len() {
        notes.push("One CPU only: no \"one core each\" line.".into());
    }

    let configs: Vec<(&Way, usize)> = ways
        .iter()
        .flat_map(|&way| CHUNKS.map(|chunk| (way, chunk)))
        .collect();
    let labels: Vec<String> = configs
        .iter()
        .map(|(way, chunk)| format!("{}, {} KiB writes", way.key, chunk / KIB))
        .collect();
    let label_refs: Vec<&str> = labels.iter().map(String::as_str).collect();
    let mut transfers = vec![Vec::new(); configs.len()];
    let rates = interleaved(&label_refs, n, |i| {
        let (way, chunk) = configs[i];
        let t = transfer(way, &cpus, &data[..chunk], volume)?;
        transfers[i].push(t);
        Ok(t.gib_s)
    })?;

    let mut values = BTreeMap::new();
    let mut series = Vec::new();
    for (w, way) in ways.iter().enumerate() {
        let mut points = Vec::new();
        for (c, &chunk) in CHUNKS.iter().enumerate() {
            let i = w * CHUNKS.len() + c;
            let mid = |f: fn(&Transfer) -> f64| {
                let samples: Vec<f64> = transfers[i].iter().map(f).collect();
                Summary::of(&samples).map_or(f64::NAN, |s| s.median)
            };
            let prefix = format!("{}_{}", way.key, chunk / KIB);
            let entries = [
                ("gib_s", format!("{:.2} GiB/s", mid(|t| t.gib_s))),
                ("cores", format!("{:.2}", mid(|t| t.cores))),
                (
                    "sleeps_per_mib",
                    format!("{:.1}", mid(|t| t.sleeps_per_mib)),
                ),
                (
                    "read_kib",
                    format!("{:.0} KiB", mid(|t| t.read_bytes) / KIB as f64),
                ),
                ("reader_faults", format!("{:.0}", mid(|t| t.reader_faults))),
            ];
            for (name, value) in entries {
                values.insert(format!("{prefix}_{name}"), value);
            }
            points.push(Point {
                x: (chunk / KIB) as f64,
                samples: rates[i].clone(),
            });
        }
        if let Some(kind) = way.kind {
            series.push(kind.series(way.name, points));
        }
    }
    let get = |key: &str| values.get(key).map_or("—", String::as_str);
    let title = format!(
        "Writes that fill the 64 KiB pipe make writer and reader take turns ({} sleeps \
         per MiB): 1 MiB writes moved {} with one core each, {} on one core",
        get("two_cores_1024_sleeps_per_mib"),
        get("two_cores_1024_gib_s"),
        get("one_core_1024_gib_s"),
    );
    Ok(Record {
        values,
        notes,
        ..Record::new(
            title,
            Plot::Lines {
                x_label: "bytes per write (KiB)".into(),
                y_label: "parent to child (GiB/s)".into(),
                log_x: true,
                log_y: false,
                series,
            },
        )
    })
}

/// The CPUs this process may run on, in order.
fn allowed_cpus() -> Result<Vec<usize>, String> {
    let set = get_affinity()?;
    Ok((0..libc::CPU_SETSIZE as usize)
        .filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, &set) })
        .collect())
}

fn get_affinity() -> Result<libc::cpu_set_t, String> {
    // SAFETY: sched_getaffinity fills the set it is given.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    if unsafe { libc::sched_getaffinity(0, size_of::<libc::cpu_set_t>(), &mut set) } != 0 {
        return Err(format!(
            "sched_getaffinity failed: {}",
            std::io::Error::last_os_error()
        ));
    }
    Ok(set)
}

fn set_affinity(set: &libc::cpu_set_t) -> Result<(), String> {
    // SAFETY: sched_setaffinity only reads the set.
    if unsafe { libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), set) } != 0 {
        return Err(format!(
            "sched_setaffinity failed: {}",
            std::io::Error::last_os_error()
        ));
    }
    Ok(())
}

fn only(cpu: usize) -> libc::cpu_set_t {
    // SAFETY: an all-zero cpu_set_t is the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    unsafe { libc::CPU_SET(cpu, &mut set) };
    set
}

/// Sends `volume` bytes, `chunk` at a time, through a new pipe to a forked
/// reader, placed as `way` says; the lab's own CPUs are restored after.
fn transfer(way: &Way, cpus: &[usize], chunk: &[u8], volume: usize) -> Result<Transfer, String> {
    let (writer_cpu, reader_cpu) = match way.placement {
        Placement::Free => (None, None),
        Placement::OneCore => (Some(cpus[0]), Some(cpus[0])),
        Placement::TwoCores => (Some(cpus[0]), Some(cpus[1])),
    };
    let saved = get_affinity()?;
    if let Some(cpu) = writer_cpu {
        set_affinity(&only(cpu))?;
    }
    let result = send_to_child(way.pipe_size, reader_cpu, chunk, volume);
    set_affinity(&saved)?;
    result
}

fn send_to_child(
    pipe_size: Option<usize>,
    reader_cpu: Option<usize>,
    chunk: &[u8],
    volume: usize,
) -> Result<Transfer, String> {
    let (read_end, write_end) = pipe().map_err(|e| format!("pipe failed: {e}"))?;
    let (count_out, count_in) = pipe().map_err(|e| format!("pipe failed: {e}"))?;
    if let Some(size) = pipe_size {
        let size = i32::try_from(size).expect("pipe size fits in an int");
        fcntl(&write_end, FcntlArg::F_SETPIPE_SZ(size))
            .map_err(|e| format!("F_SETPIPE_SZ({size}) failed: {e}"))?;
    }
    let before = usage(libc::RUSAGE_SELF);
    let start = Instant::now();
    // SAFETY: the lab has one thread (checked by `run`); the child only pins
    // itself, reads and writes pipes, and leaves with `_exit`.
    match unsafe { fork_process() }.map_err(|e| format!("fork failed: {e}"))? {
        ForkResult::Child => {
            drop((write_end, count_out));
            let pinned = reader_cpu.map_or(Ok(()), |cpu| set_affinity(&only(cpu)));
            let reads = read_all(&read_end, chunk.len());
            let sent = reads.and_then(|n| write(&count_in, &n.to_ne_bytes()));
            unsafe { libc::_exit(if pinned.is_ok() && sent.is_ok() { 0 } else { 1 }) }
        }
        ForkResult::Parent { child } => {
            drop((read_end, count_in));
            let sent = send(&write_end, chunk, volume);
            drop(write_end); // end-of-file for the reader
            let mut reads = [0u8; 8];
            let got = read(&count_out, &mut reads);
            let (status, reader) = wait_with_usage(child.as_raw())?;
            let wall = start.elapsed().as_secs_f64();
            let writer = usage(libc::RUSAGE_SELF);
            sent?;
            if status != 0 || got != Ok(8) {
                return Err(format!("reader failed (wait status {status})"));
            }
            let reads = u64::from_ne_bytes(reads) as f64;
            Ok(Transfer {
                gib_s: volume as f64 / (1u64 << 30) as f64 / wall,
                cores: (writer.cpu - before.cpu + reader.cpu) / wall,
                sleeps_per_mib: (writer.sleeps - before.sleeps) / (volume / MIB) as f64,
                read_bytes: volume as f64 / reads,
                reader_faults: reader.faults,
            })
        }
    }
}

fn send(pipe: &OwnedFd, chunk: &[u8], volume: usize) -> Result<(), String> {
    let mut left = volume;
    while left > 0 {
        let part = &chunk[..chunk.len().min(left)];
        left -= write(pipe, part).map_err(|e| format!("write failed: {e}"))?;
    }
    Ok(())
}

/// Reads to end-of-file; returns how many `read`s returned data.
fn read_all(pipe: &OwnedFd, chunk: usize) -> Result<u64, nix::Error> {
    let mut buffer = vec![0u8; chunk];
    let mut reads = 0;
    while read(pipe, &mut buffer)? > 0 {
        reads += 1;
    }
    Ok(reads)
}

/// CPU seconds, voluntary context switches, minor page faults.
struct Usage {
    cpu: f64,
    sleeps: f64,
    faults: f64,
}

fn to_usage(u: &libc::rusage) -> Usage {
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Usage {
        cpu: secs(u.ru_utime) + secs(u.ru_stime),
        sleeps: u.ru_nvcsw as f64,
        faults: u.ru_minflt as f64,
    }
}

fn usage(who: libc::c_int) -> Usage {
    // SAFETY: getrusage fills the struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(who, &mut u) };
    to_usage(&u)
}

/// Waits for `pid` with `wait4`, which also returns that child's own
/// resource usage; returns its raw wait status and usage.
fn wait_with_usage(pid: libc::pid_t) -> Result<(libc::c_int, Usage), String> {
    let mut status = 0;
    // SAFETY: wait4 fills the status and the struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        if unsafe { libc::wait4(pid, &mut status, 0, &mut u) } == pid {
            return Ok((status, to_usage(&u)));
        }
        let e = std::io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EINTR) {
            return Err(format!("wait4 failed: {e}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // `run` forks, so no test calls it (the harness is multi-threaded).

    #[test]
    fn pins_to_the_cpus_it_is_allowed() {
        let cpus = allowed_cpus().unwrap();
        assert!(!cpus.is_empty());
        let set = only(cpus[0]);
        let members: Vec<usize> = (0..libc::CPU_SETSIZE as usize)
            .filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, &set) })
            .collect();
        assert_eq!(members, [cpus[0]]);
    }

    #[test]
    fn ways_have_distinct_keys_and_colours() {
        for (i, way) in WAYS.iter().enumerate() {
            assert!(WAYS[..i].iter().all(|other| other.key != way.key));
            if let Some(kind) = way.kind {
                assert!(WAYS[..i].iter().all(|other| other.kind != Some(kind)));
            }
        }
        assert_eq!(WAYS[0].placement, Placement::Free);
        assert!(WAYS[0].pipe_size.is_none());
    }
}
