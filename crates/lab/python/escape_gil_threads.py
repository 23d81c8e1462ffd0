"""Times 1..MAX_THREADS CPython threads that each call one function of the
Rust extension module escape_gil (crates/escape-gil) once: count_holding(COUNT),
which keeps the GIL, and count_releasing(COUNT), which releases it. Prints one
JSON object on stdout:
{"python": ..., "holding": {"1": [seconds, ...], ...}, "releasing": {...}}

usage: python3 escape_gil_threads.py MODULE_DIR COUNT MAX_THREADS ROUNDS

MODULE_DIR holds escape_gil.so; the lab's `escape_gil` experiment puts it there.
"""

import json
import sys
import threading
import time


def in_threads(function, threads, count):
    workers = [threading.Thread(target=function, args=(count,)) for _ in range(threads)]
    start = time.perf_counter()
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    return time.perf_counter() - start


def main():
    module_dir = sys.argv[1]
    count, max_threads, rounds = (int(arg) for arg in sys.argv[2:5])
    sys.path.insert(0, module_dir)
    import escape_gil

    ways = (("holding", escape_gil.count_holding), ("releasing", escape_gil.count_releasing))
    result = {"python": sys.version.split()[0], "module": escape_gil.__file__}
    for name, _ in ways:
        result[name] = {str(n): [] for n in range(1, max_threads + 1)}
    escape_gil.count_releasing(count)  # warm up, like the Rust series
    # In rounds, one sample of each configuration per round, so a slow spell
    # of the machine falls on all of them alike.
    for _ in range(rounds):
        for name, function in ways:
            for threads in range(1, max_threads + 1):
                result[name][str(threads)].append(in_threads(function, threads, count))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
