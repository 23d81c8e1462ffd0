"""Four countdowns one after another in one thread, then the same four in four
threads at once: under the GIL the two take about the same time."""

import os
import threading
import time

from tasks import countdown

COUNT = 10_000_000
TASKS = 4

print(f"{os.cpu_count()} cores")

start = time.perf_counter()
for _ in range(TASKS):
    countdown(COUNT)
print(f"one thread, {TASKS} countdowns in a row: {time.perf_counter() - start:.2f} s")

start = time.perf_counter()
threads = [threading.Thread(target=countdown, args=(COUNT,)) for _ in range(TASKS)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(f"{TASKS} threads, one countdown each:      {time.perf_counter() - start:.2f} s")
