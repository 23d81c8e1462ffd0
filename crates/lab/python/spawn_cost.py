"""What starting a thread or a process costs in CPython, for the lab's
`spawn_cost` experiment (crates/lab/src/experiments/spawn_cost.rs).

Usage: python3 spawn_cost.py THREAD_SAMPLES PROCESS_SAMPLES

Prints one JSON object: the Python version and, per way of starting, every
sample in seconds ("thread", "mp_fork", "mp_forkserver", "mp_spawn"). A start
method this platform lacks is listed under "unavailable" instead.
"""

import json
import multiprocessing
import platform
import sys
import threading
import time


def noop():
    """The work each thread or process does: none, so only starting counts."""


def time_thread():
    start = time.perf_counter()
    worker = threading.Thread(target=noop)
    worker.start()
    worker.join()
    return time.perf_counter() - start


def time_process(context):
    start = time.perf_counter()
    child = context.Process(target=noop)
    child.start()
    child.join()
    elapsed = time.perf_counter() - start
    if child.exitcode != 0:
        raise RuntimeError(f"child exited with {child.exitcode}")
    return elapsed


def main():
    thread_samples, process_samples = (int(arg) for arg in sys.argv[1:3])
    result = {"python": platform.python_version(), "unavailable": []}
    result["thread"] = [time_thread() for _ in range(thread_samples)]
    for method in ("fork", "forkserver", "spawn"):
        if method not in multiprocessing.get_all_start_methods():
            result["unavailable"].append(method)
            continue
        context = multiprocessing.get_context(method)
        # The first start pays one-off costs (the forkserver's own start, the
        # first imports); it is a warm-up, not a sample.
        time_process(context)
        result[f"mp_{method}"] = [time_process(context) for _ in range(process_samples)]
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main()
