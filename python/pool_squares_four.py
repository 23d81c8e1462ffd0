"""Four pool threads, four items: the tutorial's second pool."""

from multiprocessing.pool import ThreadPool

with ThreadPool(processes=4) as pool:
    print(pool.map(lambda x: x * x, [1, 2, 3, 4]))
