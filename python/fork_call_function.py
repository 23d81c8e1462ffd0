"""A child process calls one function and leaves with os._exit, twice: first
as the tutorial does, then with a flush before os._exit."""

import os
import sys


def my_func(x, y):
    print(f"child: my_func got {x=} and {y=}")


for flush in [False, True]:
    pid = os.fork()
    if pid == 0:
        my_func(10, 20)
        if flush:
            sys.stdout.flush()
        os._exit(0)  # ends the process at once: no cleanup, no flush
    os.waitpid(pid, 0)
    how = "after" if flush else "without"
    print(f"parent: child PID is {pid}; it left with os._exit {how} a flush")
    sys.stdout.flush()  # before the next fork, or the child gets a copy of this line
