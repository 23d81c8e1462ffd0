"""A hand-made thread pool in Python, two ways: the workers hold the job
list's lock while a job runs (the job is called inside the `with` block),
or let go of it first. The jobs sleep, as I/O waits do: CPython releases the
GIL for a sleep, but a lock of our own stays held.
"""

import threading
import time

JOBS = 4
WORKERS = 2
NAP = 0.05  # seconds each job waits


def wide_guard(jobs, lock):
    while True:
        with lock:
            if not jobs:
                return
            job = jobs.pop()
            job()  # still inside `with`: the lock is held while the job runs


def narrow_guard(jobs, lock):
    while True:
        with lock:
            if not jobs:
                return
            job = jobs.pop()
        job()  # after `with`: the lock is free for the other workers


def run(worker):
    running, most = [0], [0]
    count_lock = threading.Lock()

    def job():
        with count_lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(NAP)
        with count_lock:
            running[0] -= 1

    jobs, lock = [job] * JOBS, threading.Lock()
    workers = [threading.Thread(target=worker, args=(jobs, lock)) for _ in range(WORKERS)]
    start = time.perf_counter()
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    return time.perf_counter() - start, most[0]


print(f"{JOBS} jobs that each wait {NAP * 1e3:.0f} ms, on {WORKERS} workers")
for name, worker in (("wide guard", wide_guard), ("narrow guard", narrow_guard)):
    secs, most = run(worker)
    print(f"{name:<12}: {secs:.2f} s, at most {most} job(s) at once")
