"""Times 1, 2, 4 and 8 CPython threads that each block (sleep, a pipe read, a
file read that bypasses the page cache) or count down; prints one JSON object
on stdout: {"python": ..., "sleep": {"1": [seconds, ...], "2": [...], ...},
"sleep_cores": {"1": [CPU seconds / wall seconds, ...], ...}, ...}.

usage: python3 io_threads.py WORKS ROUNDS WAIT_S FILE FILE_READS FILE_BLOCKS
                             COUNT SAMPLES
WORKS is a comma-separated list of: sleep, pipe, file, cpu, sleep_beside_cpu.

The lab's `io_threads` experiment runs this beside its Rust threads, with the
same workloads (crates/lab/src/experiments/io_threads.rs says what each does).
"""

import json
import mmap
import os
import resource
import sys
import threading
import time

THREADS = (1, 2, 4, 8)
BLOCK = 4096


def cpu_seconds():
    """CPU time of this process, all its threads, not its children."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def countdown(n):
    while n > 0:
        n -= 1


def sleeps(rounds, wait):
    for _ in range(rounds):
        time.sleep(wait)


def read_blocks(path, seed, reads, blocks):
    """reads blocks of the file at offsets from an xorshift, as the Rust side."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECT)
    try:
        buffer = mmap.mmap(-1, BLOCK)  # page-aligned, as O_DIRECT requires
        state = seed
        for _ in range(reads):
            state ^= (state << 13) & 0xFFFFFFFFFFFFFFFF
            state ^= state >> 7
            state ^= (state << 17) & 0xFFFFFFFFFFFFFFFF
            if os.preadv(fd, [buffer], (state % blocks) * BLOCK) != BLOCK:
                raise OSError("short read")
    finally:
        os.close(fd)


def fork_peer(rounds, wait):
    """A child that answers each request byte with one byte, after a pause."""
    request_out, request_in = os.pipe()
    answer_out, answer_in = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            for _ in range(rounds):
                byte = os.read(request_out, 1)
                time.sleep(wait)
                os.write(answer_in, byte)
        except OSError:
            code = 1
        os._exit(code)
    os.close(request_out)
    os.close(answer_in)
    return pid, request_in, answer_out


def ask(peer, rounds):
    _, requests, answers = peer
    for _ in range(rounds):
        os.write(requests, b"?")
        if len(os.read(answers, 1)) != 1:
            raise OSError("the peer closed its pipe")


def in_threads(threads, body):
    """Seconds for threads threads that each run body(i), and the cores the
    process kept busy meanwhile (its CPU time over those seconds)."""
    errors = []

    def run(i):
        try:
            body(i)
        except Exception as error:  # reported below: a thread's own would only print
            errors.append(error)

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    cpu = cpu_seconds()
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    wall = time.perf_counter() - start
    if errors:
        raise SystemExit("a thread failed: %r" % errors[0])
    return wall, (cpu_seconds() - cpu) / wall


def measure(work, threads, args):
    rounds, wait, path, reads, blocks, count = args
    if work == "sleep":
        return in_threads(threads, lambda i: sleeps(rounds, wait))
    if work == "cpu":
        return in_threads(threads, lambda i: countdown(count))
    if work == "file":
        return in_threads(threads, lambda i: read_blocks(path, i + 1, reads, blocks))
    if work == "pipe":
        # Forked while this is the only thread: a fork copies only the
        # calling thread.
        peers = [fork_peer(rounds, wait) for _ in range(threads)]
        sample = in_threads(threads, lambda i: ask(peers[i], rounds))
        for pid, requests, answers in peers:
            os.close(requests)
            os.close(answers)
            _, status = os.waitpid(pid, 0)
            if status != 0:
                raise SystemExit("pipe peer ended with status %d" % status)
        return sample
    if work == "sleep_beside_cpu":
        running = [True]

        def spin():
            n = 0
            while running[0]:
                n += 1

        spinner = threading.Thread(target=spin)
        spinner.start()
        sample = in_threads(threads, lambda i: sleeps(rounds, wait))
        running[0] = False
        spinner.join()
        return sample
    raise SystemExit("unknown workload %r" % work)


def main():
    works = sys.argv[1].split(",")
    rounds, wait = int(sys.argv[2]), float(sys.argv[3])
    path, reads, blocks = sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
    count, samples = int(sys.argv[7]), int(sys.argv[8])
    args = (rounds, wait, path, reads, blocks, count)
    for _ in range(8):
        countdown(1)  # CPython 3.11+ specialises a function from its 8th call
    result = {"python": sys.version.split()[0]}
    for work in works:
        result[work] = {str(t): [] for t in THREADS}
        result[work + "_cores"] = {str(t): [] for t in THREADS}
    # In rounds, one sample of each configuration per round, so a slow spell
    # of the machine falls on all of them alike.
    for _ in range(samples):
        for work in works:
            for threads in THREADS:
                wall, cores = measure(work, threads, args)
                result[work][str(threads)].append(wall)
                result[work + "_cores"][str(threads)].append(cores)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
