"""One function run in a new process by each of multiprocessing's three start
methods: who loaded the program's module, and who unpickled the arguments."""

import multiprocessing as mp
import os
from multiprocessing import forkserver, resource_tracker

# Module-level code runs wherever this file is imported: note the process.
LOADED_BY = os.getpid()


class Parcel:
    """An argument that notes the process that unpickled it, if any."""

    def __init__(self):
        self.unpickled_by = None

    def __setstate__(self, state):
        self.unpickled_by = os.getpid()


def work(method, parcel):
    me, parent = os.getpid(), os.getppid()
    print(
        f"{method:10} child {me} (parent {parent}): module loaded by {LOADED_BY}, "
        f"argument unpickled by {parcel.unpickled_by}"
    )


if __name__ == "__main__":
    print(f"parent {os.getpid()}")
    for method in ["fork", "forkserver", "spawn"]:
        child = mp.get_context(method).Process(target=work, args=(method, Parcel()))
        child.start()
        child.join()

    # forkserver and spawn also started two helpers, the fork server and the
    # resource tracker, which end a moment after this process does. Stop them
    # now, so that nothing outlives the program. There is no public call for
    # this; CPython's own tests use these two.
    forkserver._forkserver._stop()
    resource_tracker._resource_tracker._stop()
