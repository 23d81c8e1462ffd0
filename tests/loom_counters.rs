//! Loom explores every interleaving of two threads that each add 1 to a
//! shared counter, and so proves what chapter 16 shows by running programs:
//! load-then-store can lose an update, `fetch_add` and a `Mutex` cannot.
//!
//! Loom's own types stand in for std's inside `loom::model`; outcomes are
//! collected in a std `Mutex` outside the model, across all executions.

use std::collections::BTreeSet;
use std::sync::Mutex as StdMutex;

use loom::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use loom::sync::{Arc, Mutex};
use loom::thread;

/// Runs `increment` on two threads (a spawned one and the model's main
/// thread) in every interleaving loom can find; returns the set of final
/// counts and how many executions were explored.
fn explore<C: Send + Sync + 'static>(
    new_counter: fn() -> C,
    increment: fn(&C),
    read: fn(&C) -> usize,
) -> (BTreeSet<usize>, usize) {
    let outcomes = std::sync::Arc::new(StdMutex::new((BTreeSet::new(), 0)));
    let record = std::sync::Arc::clone(&outcomes);
    loom::model(move || {
        let counter = Arc::new(new_counter());
        let other = {
            let counter = Arc::clone(&counter);
            thread::spawn(move || increment(&counter))
        };
        increment(&counter);
        other.join().unwrap();
        let mut record = record.lock().unwrap();
        record.0.insert(read(&counter));
        record.1 += 1;
    });
    let (finals, executions) = outcomes.lock().unwrap().clone();
    println!("{executions} executions, final counts {finals:?}");
    (finals, executions)
}

#[test]
fn load_then_store_can_lose_an_update() {
    let (finals, executions) = explore(
        || AtomicUsize::new(0),
        |count| {
            let value = count.load(Relaxed);
            count.store(value + 1, Relaxed);
        },
        |count| count.load(Relaxed),
    );
    assert!(executions > 1, "loom explored only {executions} execution");
    // Some interleaving ends at 1: one thread's store overwrote the other's.
    assert!(finals.contains(&1), "no lost update found: {finals:?}");
    // And some ends at 2, so the loss depends on the interleaving.
    assert!(
        finals.contains(&2),
        "no correct execution found: {finals:?}"
    );
}

#[test]
fn fetch_add_never_loses_an_update() {
    let (finals, executions) = explore(
        || AtomicUsize::new(0),
        |count| {
            count.fetch_add(1, Relaxed);
        },
        |count| count.load(Relaxed),
    );
    assert!(executions > 1, "loom explored only {executions} execution");
    assert_eq!(finals, BTreeSet::from([2]));
}

#[test]
fn mutex_never_loses_an_update() {
    let (finals, executions) = explore(
        || Mutex::new(0usize),
        |count| *count.lock().unwrap() += 1,
        |count| *count.lock().unwrap(),
    );
    assert!(executions > 1, "loom explored only {executions} execution");
    assert_eq!(finals, BTreeSet::from([2]));
}
