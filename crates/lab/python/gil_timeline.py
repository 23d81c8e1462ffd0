"""Who holds CPython's GIL when: THREADS threads count down the same amount at
once, and each notes when it ran. Only the thread that holds the GIL runs
Python code, so the times a thread ran are the times it held the GIL. The
CPython half of the lab's `gil_timeline` experiment.

usage: python3 gil_timeline.py RUNS THREADS SECONDS [INTERVAL_MS]

Each thread counts down in chunks of CHUNK steps and reads the clock after
each chunk; a gap longer than GAP between two readings is a time it did not
hold the GIL. The count is set so that one thread alone would take about
SECONDS (the lab passes how long one of its model threads takes). Prints one JSON object on stdout:
{"python": "3.12.1", "runs": [[[[from, to], ...], ...], ...]}
(per run, per thread, the spans it ran, in seconds from the start of the run).
"""

import json
import sys
import threading
import time

CHUNK = 100
GAP = 50e-6
clock = time.perf_counter


def count(steps, spans):
    """Counts `steps` down to zero, noting in `spans` when it ran."""
    start = last = clock()
    while steps > 0:
        k = CHUNK
        while k > 0:
            k -= 1
        steps -= CHUNK
        now = clock()
        if now - last > GAP:
            spans.append((start, last))
            start = now
        last = now
    spans.append((start, last))


def steps_for(seconds):
    """A count that one thread takes about `seconds` to count down."""
    # Warm up: CPython 3.11 specialises a function from its 8th call on, and
    # the slower first calls would make the count too short.
    for _ in range(8):
        count(CHUNK, [])
    steps = 10_000
    while True:
        took = min(timed(steps) for _ in range(3))
        if took > 0.005:
            return max(CHUNK, int(steps * seconds / took) // CHUNK * CHUNK)
        steps *= 4


def timed(steps):
    """Seconds to count `steps` down."""
    started = clock()
    count(steps, [])
    return clock() - started


def one_run(threads, steps):
    """Each thread's spans, in seconds from the moment they were let go."""
    spans = [[] for _ in range(threads)]
    go = threading.Event()

    def worker(mine):
        go.wait()
        count(steps, mine)

    workers = [threading.Thread(target=worker, args=(s,)) for s in spans]
    for w in workers:
        w.start()
    start = clock()
    go.set()
    for w in workers:
        w.join()
    return [[(a - start, b - start) for a, b in merge(mine, spans)] for mine in spans]


def merge(mine, spans):
    """`mine` with spans joined where no other thread ran in between (the
    operating system, not the GIL, paused the thread)."""
    others = sorted(s for other in spans if other is not mine for s in other)
    merged = []
    for a, b in mine:
        if merged and not any(merged[-1][1] <= oa < a for oa, _ in others):
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


def main():
    runs, threads, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    if len(sys.argv) > 4:
        sys.setswitchinterval(float(sys.argv[4]) / 1000)
    steps = steps_for(seconds)
    result = [one_run(threads, steps) for _ in range(runs)]
    print(json.dumps({"python": sys.version.split()[0], "runs": result}))


if __name__ == "__main__":
    main()
