"""Two equal CPU-bound tasks, run one after the other and side by side in
CPython: two new threads, a ThreadPoolExecutor that already runs, a
multiprocessing pool that already runs (fork), and a pool started and
stopped for the job with each start method (fork, forkserver, spawn). For
the lab's `break_even_py` experiment (crates/lab/src/experiments/break_even_py.rs).

usage: python3 break_even.py ROUNDS SECONDS...

Prints one JSON object: the Python version, the seconds per countdown step,
and per way ("in_a_row", "threads", ...) one list of samples (seconds) per
task length. A start method this platform lacks is listed under "unavailable".
"""

import json
import multiprocessing
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor


def countdown(n):
    while n > 0:
        n -= 1


def seconds_per_step():
    """The fastest of a few timed counts."""
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        countdown(200_000)
        best = min(best, (time.perf_counter() - start) / 200_000)
    return best


def in_a_row(n):
    countdown(n)
    countdown(n)


def two_threads(n):
    threads = [threading.Thread(target=countdown, args=(n,)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def new_pool(method):
    context = multiprocessing.get_context(method)

    def run(n):
        with context.Pool(2) as pool:
            pool.map(countdown, [n, n])

    return run


def repeats(seconds):
    """Enough runs of a short task for a sample of about 2 ms, at most 20."""
    return max(1, min(20, round(2e-3 / seconds)))


def main():
    rounds = int(sys.argv[1])
    sizes = [float(arg) for arg in sys.argv[2:]]
    step = seconds_per_step()
    executor = ThreadPoolExecutor(2)
    warm = multiprocessing.get_context("fork").Pool(2)
    # The way, what it runs, and whether short tasks repeat within a sample
    # (a new pool takes milliseconds to start: one run is a sample).
    ways = [
        ("in_a_row", in_a_row, True),
        ("threads", two_threads, True),
        ("thread_pool", lambda n: list(executor.map(countdown, [n, n])), True),
        ("warm_fork_pool", lambda n: warm.map(countdown, [n, n]), True),
    ]
    unavailable = []
    for method in ("fork", "forkserver", "spawn"):
        if method in multiprocessing.get_all_start_methods():
            ways.append(("pool_" + method, new_pool(method), False))
        else:
            unavailable.append(method)
    for _, run, _ in ways:
        run(1)  # warm up: the forkserver's own start, first imports
    result = {"python": sys.version.split()[0], "step": step, "unavailable": unavailable}
    for name, _, _ in ways:
        result[name] = [[] for _ in sizes]
    # In rounds, so a slow spell of the machine falls on every way alike.
    for _ in range(rounds):
        for i, size in enumerate(sizes):
            n = max(1, round(size / step))
            for name, run, repeat in ways:
                times = repeats(size) if repeat else 1
                start = time.perf_counter()
                for _ in range(times):
                    run(n)
                result[name][i].append((time.perf_counter() - start) / times)
    warm.terminate()
    executor.shutdown()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
