"""Where does the interpreter stop to look at its "eval breaker", the flag
that a request to drop the GIL sets, and that a pending signal sets too?

A timer sends SIGALRM every 0.2 ms while a loop runs in the main thread. The
signal's handler runs at the next stop, and its frame's f_lasti is the
instruction that ran last before it. The count after each instruction is how
many handlers ran right after it."""

import collections
import dis
import signal
import sys

count = 0
stops = collections.Counter()


def plus_one(n):
    return n + 1


def inline(k):
    global count
    for _ in range(k):
        count += 1


def with_call(k):
    global count
    for _ in range(k):
        count = plus_one(count)


def on_alarm(signum, frame):
    # Up to 3.10 a function has no instruction for its entry (3.11 added
    # RESUME), and a stop there has no last instruction: f_lasti is negative.
    stops[frame.f_code.co_name, max(frame.f_lasti, -1)] += 1


def show(loop, *called):
    stops.clear()
    signal.setitimer(signal.ITIMER_REAL, 0.0002, 0.0002)
    loop(1_000_000)
    signal.setitimer(signal.ITIMER_REAL, 0)
    print(f"{loop.__name__}: instruction, then stops right after it")
    for function in (loop, *called):
        instructions = list(dis.get_instructions(function))
        if function is loop:  # only the loop's body: FOR_ITER to the jump back
            first = next(i for i, ins in enumerate(instructions) if ins.opname == "FOR_ITER")
            last = next(i for i, ins in enumerate(instructions) if "JUMP" in ins.opname and ins.argval <= instructions[first].offset)
            instructions = instructions[first : last + 1]
        else:
            entry = stops.pop((function.__name__, -1), 0)
            if sys.version_info < (3, 11):
                print(f"  {function.__name__:9} {'(entry)':31} {entry:4}")
        for ins in instructions:
            n = stops.pop((function.__name__, ins.offset), 0)
            print(f"  {function.__name__:9} {ins.opname:14} {ins.argrepr:16} {n:4}")
    print(f"  anywhere else: {sum(stops.values())}")


print("Python", sys.version.split()[0])
signal.signal(signal.SIGALRM, on_alarm)
show(inline)
show(with_call, plus_one)
