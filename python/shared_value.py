"""Memory shared on purpose, in CPython: a multiprocessing.Value that parent
and child both add to, and an anonymous shared mapping made before os.fork,
which the child writes into."""

import mmap
import multiprocessing
import os

ADDS = 100_000


def add(counter):
    for _ in range(ADDS):
        with counter.get_lock():  # += on a Value is a load and a store
            counter.value += 1


if __name__ == "__main__":
    counter = multiprocessing.Value("q", 0)  # a C long long in shared memory
    child = multiprocessing.Process(target=add, args=(counter,))
    child.start()
    add(counter)  # at the same time as the child
    child.join()
    print(f"parent and child each added {ADDS}")
    print(f"the shared counter holds {counter.value}")

    shared = mmap.mmap(-1, 5)  # anonymous, and MAP_SHARED by default
    pid = os.fork()
    if pid == 0:
        shared[:] = b"hello"
        os._exit(0)
    os.waitpid(pid, 0)
    print(f"the child wrote {shared[:]!r} into the shared mapping")
