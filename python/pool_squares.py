"""A pool of two threads squares 1 to 8; every item says which pool thread
squared it, and map returns the results in input order."""

import threading
from multiprocessing.pool import ThreadPool

from tasks import countdown


def square(x):
    print(f"{threading.current_thread().name} squares {x}")
    countdown(200_000)  # a few milliseconds of work, so both threads take part
    return x * x


with ThreadPool(processes=2) as pool:
    print(pool.map(square, range(1, 9)))
