"""N CPython threads that each block reading one byte from the same pipe;
once all N wait, one write of N bytes wakes them. Prints how long starting
them took, how long waking them took, how much memory they added and how
many times the kernel switched threads.

usage: python3 many_threads.py          1,000 threads, for a reader
       python3 many_threads.py --json N   N threads, one JSON object (the lab's
                                          many_threads experiment runs this)
"""

import json
import os
import resource
import sys
import threading
import time


def status_bytes(field):
    """A memory figure of this process from /proc/self/status, in bytes."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def snapshot():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "resident": status_bytes("VmRSS:"),
        "reserved": status_bytes("VmSize:"),
        "switches": usage.ru_nvcsw + usage.ru_nivcsw,
    }


def waiters(n):
    """Starts up to n threads blocked on one pipe, wakes them, and returns
    what they cost. A thread the system refuses ends the starting."""
    reader, writer = os.pipe()
    waiting = []  # list.append is atomic under the GIL

    def wait():
        waiting.append(1)
        os.read(reader, 1)

    before = snapshot()
    started = time.perf_counter()
    threads, refused = [], None
    for _ in range(n):
        thread = threading.Thread(target=wait)
        try:
            thread.start()
        except RuntimeError as e:  # "can't start new thread"
            refused = str(e)
            break
        threads.append(thread)
    while len(waiting) < len(threads):
        time.sleep(0.00005)
    start = time.perf_counter() - started
    during = snapshot()
    woken = time.perf_counter()
    os.write(writer, b"x" * len(threads))
    for thread in threads:
        thread.join()
    wake = time.perf_counter() - woken
    after = snapshot()
    os.close(reader)
    os.close(writer)
    grew = lambda key: None if during[key] is None else during[key] - before[key]
    return {
        "python": sys.version.split()[0],
        "started": len(threads),
        "refused": refused,
        "start": start,
        "wake": wake,
        "resident": grew("resident"),
        "reserved": grew("reserved"),
        "switches": after["switches"] - before["switches"],
    }


def mib(value):
    return "unknown" if value is None else f"{value / (1 << 20):.1f} MiB"


def main():
    if sys.argv[1:2] == ["--json"]:
        print(json.dumps(waiters(int(sys.argv[2]))))
        return
    cost = waiters(1000)
    print(f"{cost['started']} threads, each blocked reading one byte from the same pipe:")
    print(
        f"  all waiting after {cost['start'] * 1e3:.1f} ms; "
        f"all woken {cost['wake'] * 1e3:.1f} ms after one write"
    )
    print(
        f"  memory added: {mib(cost['resident'])} resident, "
        f"{mib(cost['reserved'])} of address space reserved"
    )
    print(f"  context switches: {cost['switches']}")
    if cost["refused"]:
        print(f"  the system refused thread {cost['started'] + 1}: {cost['refused']}")


if __name__ == "__main__":
    main()
