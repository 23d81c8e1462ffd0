"""CPython's own C code already does what a Rust extension can: hashlib
hashes a large buffer with the GIL released, so two threads that each hash
one run side by side, while two threads that each count down in Python
bytecode take turns.
"""

import hashlib
import threading
import time

DATA = bytes(32 * 1024 * 1024)  # 32 MiB of zeros
HASHES = 12
COUNT = 15_000_000


def hash_it():
    for _ in range(HASHES):
        hashlib.sha256(DATA).digest()


def count(n=COUNT):
    while n > 0:
        n -= 1


# CPython 3.11 specialises a function from its 8th call on; earlier calls
# run slower and would flatter the second measurement (chapter 9).
for _ in range(8):
    count(1)


def in_threads(work, threads):
    """The best of three runs: a run's time is its work plus whatever else
    the machine did meanwhile, and the least is the closest to the work."""
    times = []
    for _ in range(3):
        workers = [threading.Thread(target=work) for _ in range(threads)]
        start = time.perf_counter()
        for t in workers:
            t.start()
        for t in workers:
            t.join()
        times.append(time.perf_counter() - start)
    return min(times)


for name, work in ((f"sha256 of 32 MiB, {HASHES} times", hash_it), ("countdown in Python", count)):
    one = in_threads(work, 1)
    two = in_threads(work, 2)
    print(f"{name}: 1 thread {one:.2f} s, 2 threads {two:.2f} s, speedup {2 * one / two:.2f}x")
