"""Times the first ten calls of one countdown function: from 3.11 on, CPython
rewrites a function's bytecode into specialised instructions once the
function has been called often enough, and the calls before that run slower."""

import sys
import time

STEPS = 2_000_000


def countdown(n):
    while n > 0:
        n -= 1


print("Python", sys.version.split()[0])
for call in range(1, 11):
    start = time.perf_counter()
    countdown(STEPS)
    print(f"call {call:2}: {(time.perf_counter() - start) / STEPS * 1e9:.1f} ns per step")
