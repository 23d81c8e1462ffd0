"""Four threads add 1 to one global a million times each, three ways: with
count += 1, with a function call between the load and the store, and with
that call under a lock."""

import threading

THREADS = 4
INCREMENTS = 1_000_000
lock = threading.Lock()
count = 0


def plus_one(n):
    return n + 1


def inline():
    global count
    for _ in range(INCREMENTS):
        count += 1  # load, add, store: no call in between


def with_call():
    global count
    for _ in range(INCREMENTS):
        count = plus_one(count)  # load, call, store


def with_call_locked():
    global count
    for _ in range(INCREMENTS):
        with lock:
            count = plus_one(count)


for way in [inline, with_call, with_call_locked]:
    count = 0
    threads = [threading.Thread(target=way) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expected = THREADS * INCREMENTS
    lost = expected - count
    print(f"{way.__name__:16}  expected {expected}, got {count}, lost {lost}")
