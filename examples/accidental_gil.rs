//! A hand-made thread pool, two ways: one whose workers hold the job queue's
//! lock while they run a job (one guard scope too wide), and one whose
//! workers let go of it first. Four CPU-bound jobs on one and on two
//! workers show what the wide guard does: only one job runs at a time, as
//! if there were a GIL.
//!
//! The lab's `accidental_gil` experiment and `tests/accidental_gil.rs` use
//! this file's pool as it is (`#[path]`), so the book shows what they measure.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Instant;

/// A job: a closure a worker runs once.
pub type Job = Box<dyn FnOnce() + Send>;

/// What a worker thread does with the shared queue until it is closed.
pub type Worker = fn(&Mutex<Receiver<Job>>);

/// Worker threads that take jobs from one channel; the receiving end is
/// shared, so it sits behind a mutex.
pub struct Pool {
    jobs: Option<Sender<Job>>,
    threads: Vec<JoinHandle<()>>,
}

impl Pool {
    pub fn new(workers: usize, worker: Worker) -> Pool {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        let threads = (0..workers)
            .map(|_| {
                let queue = Arc::clone(&queue);
                thread::spawn(move || worker(&queue))
            })
            .collect();
        Pool {
            jobs: Some(jobs),
            threads,
        }
    }

    pub fn execute(&self, job: impl FnOnce() + Send + 'static) {
        let jobs = self.jobs.as_ref().expect("the queue is open until drop");
        jobs.send(Box::new(job)).expect("workers live until drop");
    }
}

impl Drop for Pool {
    /// Closes the queue (the workers' `recv` fails once it is empty) and
    /// waits for every worker.
    fn drop(&mut self) {
        drop(self.jobs.take());
        for thread in self.threads.drain(..) {
            thread.join().expect("a job panicked");
        }
    }
}

/// The lock guard is a temporary of the `while let` condition, and such a
/// temporary lives until the end of the loop body: the queue stays locked
/// while the job runs, so no other worker can even take a job.
pub fn wide_guard(queue: &Mutex<Receiver<Job>>) {
    while let Ok(job) = queue.lock().unwrap().recv() {
        job();
    }
}

/// The job is taken in a statement of its own; the guard is dropped at its
/// `;`, before the job runs.
pub fn narrow_guard(queue: &Mutex<Receiver<Job>>) {
    loop {
        let job = queue.lock().unwrap().recv();
        let Ok(job) = job else { break };
        job();
    }
}

/// Countdown steps per job: about 0.1 s.
const JOB: u64 = tasks::CPU_TASK_COUNT / 7;
const JOBS: usize = 4;

/// Runs `jobs` countdowns of `steps` on a new pool of `workers`; returns the
/// seconds it took and the most jobs that ran at the same time.
pub fn run_jobs(workers: usize, worker: Worker, steps: u64, jobs: usize) -> (f64, usize) {
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let pool = Pool::new(workers, worker);
    for _ in 0..jobs {
        let (running, most) = (Arc::clone(&running), Arc::clone(&most));
        pool.execute(move || {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            tasks::countdown(steps);
            running.fetch_sub(1, Ordering::SeqCst);
        });
    }
    drop(pool); // waits for every job
    (start.elapsed().as_secs_f64(), most.load(Ordering::SeqCst))
}

fn main() {
    println!("{JOBS} CPU-bound jobs on a hand-made pool");
    for (name, worker) in [
        ("wide guard", wide_guard as Worker),
        ("narrow guard", narrow_guard),
    ] {
        let (one, _) = run_jobs(1, worker, JOB, JOBS);
        let (two, most) = run_jobs(2, worker, JOB, JOBS);
        println!(
            "{name:<12}: 1 worker {one:.2} s, 2 workers {two:.2} s, speedup {:.2}x, \
             at most {most} job(s) at once",
            one / two
        );
    }
}
