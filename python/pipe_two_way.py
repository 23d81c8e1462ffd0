"""Two pipes, one per direction: the parent sends a message, the child answers.
Both print to stdout without flushing."""

import os
import sys
import time

to_child_r, to_child_w = os.pipe()
to_parent_r, to_parent_w = os.pipe()

pid = os.fork()
if pid == 0:
    os.close(to_child_w)
    os.close(to_parent_r)
    message = os.read(to_child_r, 1024)
    print("child:  got", message.decode())
    os.write(to_parent_w, b"Message received!")
    sys.exit(0)  # an ordinary exit: Python flushes stdout on the way out
else:
    os.close(to_child_r)
    os.close(to_parent_w)
    print("parent: started, waiting 200 ms before sending")
    time.sleep(0.2)
    os.write(to_child_w, b"Hello child!")
    reply = os.read(to_parent_r, 1024)
    print("parent: got", reply.decode())
    os.waitpid(pid, 0)
