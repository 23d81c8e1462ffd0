"""How long a 100 µs time.sleep() takes in one thread while other threads
count without pause under the same GIL: the CPython half of the lab's `convoy`
experiment, which runs the model GIL the same way.

usage: python3 gil_convoy.py ROUNDS SLEEPS CPU:MS [CPU:MS ...]

Each CPU:MS is one configuration: CPU threads that spin, at a switch interval
of MS milliseconds. Every round runs each configuration once, in an order that
rotates from round to round, as a trial of its own: it starts the spinners,
times SLEEPS sleeps of 100 µs (from before the GIL is released to after it is
taken back) and stops them. Prints one JSON object on stdout:
{"python": "3.12.1", "samples": {"2:5": [seconds, ...], ...}}
"""

import json
import sys
import threading
import time

NAP = 0.0001
running = False


def spin():
    while running:
        pass


def trial(cpu_threads, interval, sleeps):
    """Seconds each of `sleeps` naps took beside `cpu_threads` spinners."""
    global running
    sys.setswitchinterval(interval)
    running = True
    spinners = [threading.Thread(target=spin) for _ in range(cpu_threads)]
    for t in spinners:
        t.start()
    time.sleep(interval)  # let every spinner reach the GIL once
    latencies = []
    for _ in range(sleeps):
        start = time.perf_counter()
        time.sleep(NAP)
        latencies.append(time.perf_counter() - start)
    running = False
    for t in spinners:
        t.join()
    return latencies


def main():
    rounds, sleeps = int(sys.argv[1]), int(sys.argv[2])
    configs = sys.argv[3:]
    samples = {config: [] for config in configs}
    for r in range(rounds):
        for i in range(len(configs)):
            config = configs[(i + r) % len(configs)]
            cpu, ms = config.split(":")
            samples[config] += trial(int(cpu), float(ms) / 1000, sleeps)
    print(json.dumps({"python": sys.version.split()[0], "samples": samples}))


if __name__ == "__main__":
    main()
