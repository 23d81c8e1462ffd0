"""The book's CPU-bound workload for its CPython programs, the twin of the
Rust crate `tasks`: a countdown, one step at a time."""

import time

# About half a second of counting for CPython 3.11 on the book's machine
# (the Rust crate counts 60 times further in about the same time).
CPU_TASK_COUNT = 40_000_000


def countdown(n):
    """Counts n down to zero, one bytecode loop turn per step."""
    while n > 0:
        n -= 1


# CPython 3.11 specialises a function's bytecode from its 8th call on, and a
# call already running keeps the generic bytecode (measured here: 21 ns per
# step before, 13 ns after). Warm it up, so every timed countdown runs the same.
for _ in range(8):
    countdown(1)


def cpu_task(who="Task"):
    """One CPU-bound task: counts down from CPU_TASK_COUNT, then says how long
    it took."""
    start = time.perf_counter()
    countdown(CPU_TASK_COUNT)
    print(f"{who} finished in {time.perf_counter() - start:.2f} s")
