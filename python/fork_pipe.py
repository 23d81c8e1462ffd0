"""A child process sends one message to its parent through a pipe."""

import os

r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(r)  # the child only writes
    os.write(w, b"Hello from child!")
    os.close(w)
    os._exit(0)
else:
    os.close(w)  # the parent only reads
    data = os.read(r, 1024)  # whatever is in the pipe: here, the one short message
    print("Parent received:", data.decode())
    os.close(r)
    _, status = os.waitpid(pid, 0)
    print("Child exited with status", os.waitstatus_to_exitcode(status))
