"""What this interpreter's GIL does to threads, in three numbers:

- two CPU-bound threads against one: the speedup of two threads that each
  count down over one thread that counts down once (1.0x: they took turns);
- the convoy: how long a 0.1 ms sleep takes beside one CPU-bound thread;
- lost updates: `counter += 1` from 4 threads, 100,000 times each, with the
  switch interval at 1 microsecond (Python 2: a check interval of 1), which
  switches as often as the interpreter allows.

usage: python gil_versions.py            prints the three, for a reader
       python gil_versions.py --json ROUNDS   one JSON object (the lab's
                                              gil_versions experiment)

It runs unchanged on Python 2.7 and 3.6 to 3.13, so it uses neither f-strings
nor time.perf_counter where they do not exist.
"""

from __future__ import division, print_function

import json
import sys
import threading
import time

clock = getattr(time, "perf_counter", time.time)
COUNT = 2000000
SLEEPS = 10
INCREMENTS = 100000


def countdown(n):
    while n > 0:
        n -= 1


def in_threads(threads, target, args=()):
    workers = [threading.Thread(target=target, args=args) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def seconds(run):
    start = clock()
    run()
    return clock() - start


def two_against_one():
    """The speedup of two counting threads over one (2.0: in parallel)."""
    one = seconds(lambda: in_threads(1, countdown, (COUNT,)))
    two = seconds(lambda: in_threads(2, countdown, (COUNT,)))
    return 2 * one / two


running = [False]


def spin():
    while running[0]:
        pass


def convoy():
    """The median time of a 0.1 ms sleep beside one spinning thread."""
    running[0] = True
    spinner = threading.Thread(target=spin)
    spinner.start()
    time.sleep(0.01)  # let it get going
    naps = sorted(seconds(lambda: time.sleep(0.0001)) for _ in range(SLEEPS))
    running[0] = False
    spinner.join()
    return naps[len(naps) // 2]


counter = [0]


def increment(n):
    for _ in range(n):
        counter[0] += 1


def lost_updates():
    """Increments lost when 4 threads add to one counter."""
    counter[0] = 0
    in_threads(4, increment, (INCREMENTS,))
    return 4 * INCREMENTS - counter[0]


def switch_as_often_as_possible():
    if hasattr(sys, "setswitchinterval"):
        sys.setswitchinterval(1e-6)
    else:
        sys.setcheckinterval(1)


def gil_enabled():
    """False only on a free-threaded build running without its GIL (3.13t)."""
    return getattr(sys, "_is_gil_enabled", lambda: True)()


def main():
    if sys.argv[1:2] == ["--json"]:
        rounds = int(sys.argv[2])
        # Warm up: CPython 3.11 specialises a function from its 8th call on.
        for _ in range(8):
            countdown(1)
        result = {
            "python": sys.version.split()[0],
            "gil": gil_enabled(),
            "increments": 4 * INCREMENTS,
            "two_against_one": [two_against_one() for _ in range(rounds)],
            "convoy": [convoy() for _ in range(rounds)],
        }
        switch_as_often_as_possible()
        result["lost"] = [lost_updates() for _ in range(rounds)]
        print(json.dumps(result))
        return
    print("Python %s, GIL %s" % (sys.version.split()[0], "on" if gil_enabled() else "off"))
    print("two counting threads against one: %.2fx" % two_against_one())
    print("a 0.1 ms sleep beside a counting thread: %.2f ms" % (convoy() * 1e3))
    switch_as_often_as_possible()
    print(
        "counter += 1, 4 x %d times, switching as often as possible: %d lost"
        % (INCREMENTS, lost_updates())
    )


if __name__ == "__main__":
    main()
