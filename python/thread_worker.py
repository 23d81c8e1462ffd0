"""A worker thread, started and joined: it runs beside the main thread in the
same process and writes into memory that the main thread reads afterwards."""

import os
import threading

log = []  # one list for the whole process: both threads see it


def introduce():
    """Each thread says who it is: Python's id, the kernel's id, the process."""
    me = threading.current_thread()
    return (
        f"{me.name}: thread ident {threading.get_ident()}, "
        f"kernel thread id {threading.get_native_id()}, process {os.getpid()}"
    )


def worker():
    print(introduce())
    log.append("written by the worker")


print(introduce())
thread = threading.Thread(target=worker, name="worker")
thread.start()
thread.join()  # after join, everything the worker wrote is visible here
print(f"MainThread: the worker has finished; the log holds {log}")
