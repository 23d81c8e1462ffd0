//! N waiters on one pipe, two ways: N threads that each block in `read` for
//! one byte, and N async tasks (tokio) that each wait for the pipe to become
//! readable, then take one byte. Once all N wait, one `write` of N bytes
//! wakes them. Prints how long starting them took, how long waking them took,
//! how much memory they added and how many times the kernel switched
//! threads. `many_waiters N` waits with N of each (default 1,000), tasks
//! first: memory that threads gave back to the allocator would otherwise be
//! handed to the tasks and not show as added.
//!
//! The lab's `many_threads` experiment runs `threads` and `tasks` below from
//! 10 to 10,000 waiters, each in a fresh process (it compiles this file with
//! `#[path]`).

use nix::sys::resource::{UsageWho, getrusage};
use std::io::{self, Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};
use tokio::net::unix::pipe;
use tokio::runtime::Runtime;

/// What N waiters cost.
pub struct Cost {
    /// From the first spawn until every waiter waits.
    pub start: Duration,
    /// From the one write until every waiter has its byte and is done.
    pub wake: Duration,
    /// What the process gained while they all waited, in bytes: memory in
    /// use (resident) and address space set aside (reserved); `None` where
    /// `/proc/self/status` cannot be read.
    pub resident: Option<i64>,
    pub reserved: Option<i64>,
    /// Context switches of the whole process, from start to finish.
    pub switches: i64,
}

/// N threads, each blocked in `read` on the same pipe.
pub fn threads(n: usize) -> io::Result<Cost> {
    let (reader, mut writer) = io::pipe()?;
    let before = Snapshot::now();
    let waiting = AtomicUsize::new(0);
    let started = Instant::now();
    thread::scope(|s| {
        let mut waiters = Vec::with_capacity(n);
        let mut refused = None;
        for _ in 0..n {
            let waiter = thread::Builder::new().spawn_scoped(s, || {
                waiting.fetch_add(1, Ordering::SeqCst);
                let mut byte = [0];
                (&reader).read_exact(&mut byte)
            });
            match waiter {
                Ok(waiter) => waiters.push(waiter),
                // Out of threads: wake those there are, then say why.
                Err(e) => {
                    refused = Some(e);
                    break;
                }
            }
        }
        wait_for(|| waiting.load(Ordering::SeqCst) == waiters.len());
        let start = started.elapsed();
        let during = Snapshot::now();
        let woken = Instant::now();
        writer.write_all(&vec![b'x'; waiters.len()])?;
        for waiter in waiters {
            waiter.join().expect("a waiter panicked")?;
        }
        let wake = woken.elapsed();
        match refused {
            Some(e) => Err(e),
            None => Ok(before.cost(start, wake, &during)),
        }
    })
}

/// N tokio tasks, each waiting for the same pipe to become readable.
pub fn tasks(runtime: &Runtime, n: usize) -> io::Result<Cost> {
    let (reader, mut writer) = io::pipe()?;
    let before = Snapshot::now();
    let started = Instant::now();
    let reader = {
        let _in_runtime = runtime.enter();
        Arc::new(pipe::Receiver::from_owned_fd(reader.into())?)
    };
    let waiting = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..n)
        .map(|_| {
            let (reader, waiting) = (Arc::clone(&reader), Arc::clone(&waiting));
            runtime.spawn(async move {
                waiting.fetch_add(1, Ordering::SeqCst);
                loop {
                    reader.readable().await?;
                    match reader.try_read(&mut [0]) {
                        Ok(1) => return Ok(()),
                        Ok(_) => return Err(io::ErrorKind::UnexpectedEof.into()),
                        // Another task took the byte this wake-up was for.
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                        Err(e) => return Err(e),
                    }
                }
            })
        })
        .collect();
    wait_for(|| waiting.load(Ordering::SeqCst) == n);
    let start = started.elapsed();
    let during = Snapshot::now();
    let woken = Instant::now();
    writer.write_all(&vec![b'x'; n])?;
    runtime.block_on(async {
        for handle in handles {
            handle.await.map_err(io::Error::other)??;
        }
        Ok::<_, io::Error>(())
    })?;
    Ok(before.cost(start, woken.elapsed(), &during))
}

/// Polls `ready` until it holds, sleeping briefly in between.
fn wait_for(ready: impl Fn() -> bool) {
    while !ready() {
        thread::sleep(Duration::from_micros(50));
    }
}

/// The process's memory (from `/proc/self/status`, in bytes) and its
/// context switches so far.
struct Snapshot {
    resident: Option<i64>,
    reserved: Option<i64>,
    switches: i64,
}

impl Snapshot {
    fn now() -> Snapshot {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let kib = |field: &str| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(field))
                .and_then(|rest| {
                    rest.trim()
                        .trim_end_matches("kB")
                        .trim()
                        .parse::<i64>()
                        .ok()
                })
                .map(|kib| kib * 1024)
        };
        let switches = getrusage(UsageWho::RUSAGE_SELF).map_or(0, |usage| {
            usage.voluntary_context_switches() + usage.involuntary_context_switches()
        });
        Snapshot {
            resident: kib("VmRSS:"),
            reserved: kib("VmSize:"),
            switches,
        }
    }

    /// The cost from this snapshot, with `during` taken while all waited.
    fn cost(&self, start: Duration, wake: Duration, during: &Snapshot) -> Cost {
        let grew = |now: Option<i64>, then: Option<i64>| Some(now? - then?);
        Cost {
            start,
            wake,
            resident: grew(during.resident, self.resident),
            reserved: grew(during.reserved, self.reserved),
            switches: Snapshot::now().switches - self.switches,
        }
    }
}

/// "12.3 MiB", or "unknown" where the memory could not be read.
fn mib(bytes: Option<i64>) -> String {
    bytes.map_or("unknown".into(), |b| {
        format!("{:.1} MiB", b as f64 / (1 << 20) as f64)
    })
}

fn report(what: &str, cost: &Cost) {
    println!("{what}");
    println!(
        "  all waiting after {:.1} ms; all woken {:.1} ms after one write",
        cost.start.as_secs_f64() * 1e3,
        cost.wake.as_secs_f64() * 1e3
    );
    println!(
        "  memory added: {} resident, {} of address space reserved",
        mib(cost.resident),
        mib(cost.reserved)
    );
    println!("  context switches: {}", cost.switches);
}

fn main() -> io::Result<()> {
    let n: usize = match std::env::args().nth(1) {
        Some(arg) => arg.parse().map_err(io::Error::other)?,
        None => 1000,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_io()
        .build()?;
    report(
        &format!("{n} tokio tasks on 2 worker threads, each waiting for the pipe to be readable:"),
        &tasks(&runtime, n)?,
    );
    report(
        &format!("{n} threads, each blocked reading one byte from the same pipe:"),
        &threads(n)?,
    );
    Ok(())
}
