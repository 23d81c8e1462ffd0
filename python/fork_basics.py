"""os.fork returns twice: 0 in the child, the child's pid in the parent."""

import os

pid = os.fork()
if pid == 0:
    me, parent = os.getpid(), os.getppid()
    print(f"child:  fork returned 0; my pid is {me}, my parent is {parent}", flush=True)
    os._exit(0)  # leave here: the rest of the program is the parent's
else:
    os.waitpid(pid, 0)  # the child's line is out before ours
    print(f"parent: fork returned {pid}; my pid is {os.getpid()}")
