//! No pool, no crate: two scoped threads square one half of 1..=8 each.

use std::thread;

fn main() {
    let numbers: Vec<u64> = (1..=8).collect();

    // Scoped threads may borrow `numbers`: the scope joins them before it returns.
    let halves: Vec<Vec<u64>> = thread::scope(|s| {
        let handles: Vec<_> = numbers
            .chunks(4)
            .map(|half| s.spawn(move || half.iter().map(|x| x * x).collect::<Vec<u64>>()))
            .collect();
        // Joining in spawn order puts the halves back in input order.
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });

    for (i, (input, half)) in numbers.chunks(4).zip(&halves).enumerate() {
        println!("thread {i} squared {input:?} into {half:?}");
    }
    println!("{:?}", halves.concat());
}
