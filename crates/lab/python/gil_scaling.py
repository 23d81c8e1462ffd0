"""Times N CPython workers that each count down COUNT, in threads and in
processes, for N = 1..MAX_WORKERS; prints one JSON object on stdout.

usage: python3 gil_scaling.py COUNT MAX_WORKERS SAMPLES

The lab's `scaling` experiment runs this beside its Rust series.
"""

import json
import multiprocessing
import sys
import threading
import time


def countdown(n):
    while n > 0:
        n -= 1


def in_threads(workers, count):
    threads = [threading.Thread(target=countdown, args=(count,)) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def in_processes(workers, count):
    # fork, the default on Linux up to Python 3.13; named so 3.14 behaves alike.
    fork = multiprocessing.get_context("fork")
    processes = [fork.Process(target=countdown, args=(count,)) for _ in range(workers)]
    for p in processes:
        p.start()
    for p in processes:
        p.join()
        if p.exitcode != 0:
            raise SystemExit(f"worker exited with {p.exitcode}")


def seconds(run, workers, count):
    start = time.perf_counter()
    run(workers, count)
    return time.perf_counter() - start


def main():
    count, max_workers, samples = (int(arg) for arg in sys.argv[1:4])
    ways = (("threads", in_threads), ("processes", in_processes))
    result = {"python": sys.version.split()[0], "count": count}
    for name, _ in ways:
        result[name] = {str(w): [] for w in range(1, max_workers + 1)}
    # Warm up: CPython 3.11 specialises a function's bytecode from its 8th
    # call on, and calls before that run slower (chapter 9 shows it).
    for _ in range(8):
        countdown(count // 8)
    # In rounds, one sample of each configuration per round, so a slow spell
    # of the machine falls on all of them alike.
    for _ in range(samples):
        for name, run in ways:
            for workers in range(1, max_workers + 1):
                result[name][str(workers)].append(seconds(run, workers, count))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
