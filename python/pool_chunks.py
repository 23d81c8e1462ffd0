"""10,000 tasks of about 20 µs each through a multiprocessing pool of 2
workers that is already running: one task per message (chunksize=1), then
in chunks (map's default splits the list into about 4 chunks per worker),
against running them one after the other. Each message costs more than such
a task; chunks share that cost among many tasks.
"""

import multiprocessing
import time

TASKS = 10_000
STEPS = 1_500  # about 20 µs of countdown


def task(n):
    while n > 0:
        n -= 1


def seconds(work):
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


if __name__ == "__main__":
    steps = [STEPS] * TASKS
    with multiprocessing.get_context("fork").Pool(2) as pool:
        pool.map(task, [1, 1])  # the workers are up
        in_a_row = seconds(lambda: [task(n) for n in steps])
        one_each = seconds(lambda: pool.map(task, steps, chunksize=1))
        chunked = seconds(lambda: pool.map(task, steps))
    print(f"{TASKS} tasks of about 20 µs")
    for way, secs in (
        ("one after the other", in_a_row),
        ("pool, one per message", one_each),
        ("pool, in chunks", chunked),
    ):
        print(f"{way:<22} {secs * 1e3:6.1f} ms  speedup {in_a_row / secs:.2f}x")
