"""Counts the updates lost when 4 threads add 1 to one global, three ways:
count += 1 (load, add, store: nothing in between); count = count + a big
multiplication (a wide gap with no call in it); count = plus_one(count) (a call
in the gap). Then finds where this interpreter stops to run a pending signal
handler inside the loop of count += 1: at those points it also answers a
request to drop the GIL (both are the "eval breaker" flag).

usage: python LOST_UPDATES.py INCREMENTS WIDE_INCREMENTS PROBE_LOOPS SAMPLES
Prints one JSON object: {"python": "3.11.7", "threads": 4, "increments": ...,
"inline": [lost, ...], "wide_gap": [...], "with_call": [...],
"gap_us": microseconds of one multiplication, "stops_in_gap": n,
"stops": total}. ("stops" are null where the interpreter cannot say.)

Runs on every interpreter the lab finds, 2.7 included: no f-strings.
"""

from __future__ import print_function

import dis
import json
import signal
import sys
import threading
import time

try:
    xrange
except NameError:
    xrange = range

THREADS = 4
BIG = 7 ** 1000  # squared in the gap: a few microseconds, with no call
count = 0


def plus_one(n):
    return n + 1


def inline(k):
    global count
    for _ in xrange(k):
        count += 1


def wide_gap(k):
    global count
    for _ in xrange(k):
        count = count + (BIG * BIG > 0)


def with_call(k):
    global count
    for _ in xrange(k):
        count = plus_one(count)


def lost(way, k):
    global count
    count = 0
    threads = [threading.Thread(target=way, args=(k,)) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return THREADS * k - count


def instructions(code):
    """(offset, opname, argval) of each instruction of code."""
    if hasattr(dis, "get_instructions"):
        return [(i.offset, i.opname, i.argval) for i in dis.get_instructions(code)]
    # Python 2: an opcode byte, then two argument bytes from HAVE_ARGUMENT on.
    raw, at, found = bytearray(code.co_code), 0, []
    while at < len(raw):
        op = raw[at]
        name = dis.opname[op]
        arg = raw[at + 1] | raw[at + 2] << 8 if op >= dis.HAVE_ARGUMENT else None
        if name in ("LOAD_GLOBAL", "STORE_GLOBAL"):
            arg = code.co_names[arg]
        found.append((at, name, arg))
        at += 3 if op >= dis.HAVE_ARGUMENT else 1
    return found


def stops(loops):
    """Runs inline() in this (main) thread under a 0.2 ms interval timer;
    returns how many SIGALRM handlers ran after the load of count and before
    its store, and how many ran in all. A handler's frame.f_lasti is the
    instruction that ran last before the interpreter stopped for it."""
    code = inline.__code__
    ins = instructions(code)
    load = [o for o, name, arg in ins if name == "LOAD_GLOBAL" and arg == "count"]
    store = [o for o, name, arg in ins if name == "STORE_GLOBAL" and arg == "count"]
    if len(load) != 1 or len(store) != 1:
        return None, None
    seen = []

    def on_alarm(signum, frame):
        if frame.f_code is code:
            seen.append(frame.f_lasti)

    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, 0.0002, 0.0002)
    inline(loops)
    signal.setitimer(signal.ITIMER_REAL, 0)
    in_gap = [at for at in seen if load[0] <= at < store[0]]
    return len(in_gap), len(seen)


def main():
    increments, wide, loops, samples = [int(a) for a in sys.argv[1:5]]
    start = time.time()
    for _ in xrange(10000):
        BIG * BIG
    gap_us = (time.time() - start) / 10000 * 1e6
    result = {
        "python": sys.version.split()[0],
        "threads": THREADS,
        "increments": increments,
        "wide_increments": wide,
        "gap_us": gap_us,
    }
    for way, k in ((inline, increments), (wide_gap, wide), (with_call, increments)):
        result[way.__name__] = [lost(way, k) for _ in range(samples)]
    result["stops_in_gap"], result["stops"] = stops(loops)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
