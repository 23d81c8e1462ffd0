"""The same two CPU-bound tasks in two processes, each with its own interpreter."""

import time
from multiprocessing import get_context

from tasks import cpu_task

if __name__ == "__main__":
    fork = get_context("fork")  # the tutorial's: Linux's default before 3.14
    start = time.perf_counter()
    processes = [fork.Process(target=cpu_task, args=("Process",)) for _ in range(2)]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    print(f"Total time: {time.perf_counter() - start:.2f} s")
