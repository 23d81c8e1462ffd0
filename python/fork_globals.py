"""After fork the child has its own copy of every global: what it changes,
the parent never sees."""

import os

global_var = 42
shared_list = [1, 2, 3]

pid = os.fork()
if pid == 0:
    global_var = 99
    shared_list.append(4)
    print(f"child:  global_var = {global_var}, shared_list = {shared_list}", flush=True)
    os._exit(0)
else:
    os.waitpid(pid, 0)  # once it returns, the child has finished changing its copies
    print(f"parent: global_var = {global_var}, shared_list = {shared_list}")
