"""Measures how long a 100 µs time.sleep() takes in one thread while 0, 1 or
2 other threads count down without pause, at switch intervals of 5 ms
(CPython's default) and 1 ms; prints one JSON object on stdout:
{"python": ..., "5": {"0": [seconds, ...], "1": [...], "2": [...]}, "1": {...}}
(keys: switch interval in ms, then the number of CPU-bound threads).

usage: python3 gil_convoy.py SLEEPS

The lab's `convoy` experiment runs this beside the model GIL's series.
"""

import json
import sys
import threading
import time

running = True


def spin():
    n = 0
    while running:
        n += 1


def sleep_latencies(cpu_threads, sleeps):
    global running
    running = True
    spinners = [threading.Thread(target=spin) for _ in range(cpu_threads)]
    for t in spinners:
        t.start()
    time.sleep(0.02)  # let the spinners get going
    latencies = []
    for _ in range(sleeps):
        start = time.perf_counter()
        time.sleep(0.0001)
        latencies.append(time.perf_counter() - start)
    running = False
    for t in spinners:
        t.join()
    return latencies


def main():
    sleeps = int(sys.argv[1])
    result = {"python": sys.version.split()[0]}
    for interval_ms in (5, 1):
        sys.setswitchinterval(interval_ms / 1000)
        result[str(interval_ms)] = {
            str(cpu): sleep_latencies(cpu, sleeps) for cpu in (0, 1, 2)
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
