fn main() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("Hello from Rust, on a machine with at least one core: {}", cores >= 1);
}
