"""Two CPU-bound tasks in two threads of one CPython process."""

import threading
import time

from tasks import cpu_task

start = time.perf_counter()
threads = [threading.Thread(target=cpu_task, args=("Thread",)) for _ in range(2)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(f"Total time: {time.perf_counter() - start:.2f} s")
