"""What multiprocessing pays to move arguments and results: one argument of
growing size sent to a running pool worker, which returns it
(pool.apply(echo, (payload,))), as bytes and as a list of floats; beside it,
pickling and unpickling the list twice in this process, the part of the
round trip that is serialisation. For the lab's `pickle_cost` experiment
(crates/lab/src/experiments/pickle_cost.rs).

usage: python3 pickle_cost.py ROUNDS BYTES...

Prints one JSON object: the Python version, the pickled size of each payload
("sizes": {"bytes": [...], "floats": [...]}) and per measurement a list of
samples (seconds) per size.
"""

import json
import multiprocessing
import pickle
import sys
import time


def echo(payload):
    return payload


def payloads(size):
    """A bytes object and a list of floats that each pickle to about `size` bytes
    (a float takes 9 bytes in a pickle)."""
    return {"bytes": b"x" * size, "floats": [0.5 + i for i in range(max(1, size // 9))]}


def seconds(run, size):
    """One sample: the median of enough calls to take a few milliseconds
    (at most 50). A lone round trip of a small payload mostly measures how
    fast an idle worker and the pool's threads wake up, which on a shared
    machine varies more than the round trip itself."""
    times = []
    for _ in range(max(1, min(50, (1 << 20) // max(size, 1)))):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2]


def main():
    rounds = int(sys.argv[1])
    sizes = [int(arg) for arg in sys.argv[2:]]
    pool = multiprocessing.get_context("fork").Pool(1)
    pool.apply(echo, (b"",))  # the worker is up and has run once
    kinds = ("bytes", "floats")
    data = [payloads(size) for size in sizes]
    result = {
        "python": sys.version.split()[0],
        "sizes": {k: [len(pickle.dumps(d[k], pickle.HIGHEST_PROTOCOL)) for d in data] for k in kinds},
        "round_trip_bytes": [[] for _ in sizes],
        "round_trip_floats": [[] for _ in sizes],
        "pickling_floats": [[] for _ in sizes],
    }

    def pickle_twice(payload):
        # The argument on its way in, the result on its way out.
        for _ in range(2):
            pickle.loads(pickle.dumps(payload, pickle.HIGHEST_PROTOCOL))

    # In rounds, so a slow spell of the machine falls on every size alike.
    for _ in range(rounds):
        for i, payload in enumerate(data):
            for kind in kinds:
                key = "round_trip_" + kind
                # The worker frees the last payload when the next call
                # comes: let that be this call, not a timed one.
                pool.apply(echo, (b"",))
                result[key][i].append(seconds(lambda: pool.apply(echo, (payload[kind],)), sizes[i]))
            result["pickling_floats"][i].append(
                seconds(lambda: pickle_twice(payload["floats"]), sizes[i])
            )
    pool.terminate()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
