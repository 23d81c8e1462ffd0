"""A child process runs a worker and reports back with its exit code, the only
result a process returns without a pipe, a queue or shared memory."""

import os
import sys
from multiprocessing import get_context


def worker(limit):
    print(f"child {os.getpid()}: worker running")
    primes = [n for n in range(2, limit) if all(n % d for d in range(2, n))]
    sys.exit(len(primes))  # the exit code: a number from 0 to 255


if __name__ == "__main__":
    fork = get_context("fork")  # Linux's default start method before 3.14
    child = fork.Process(target=worker, args=(100,))
    child.start()
    child.join()
    print(
        f"parent: child {child.pid} exited with exitcode {child.exitcode}: "
        f"{child.exitcode} primes below 100"
    )
