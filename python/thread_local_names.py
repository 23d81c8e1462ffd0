"""threading.local: one object, but every thread that sets an attribute on it
sets its own."""

import threading

slot = threading.local()
all_written = threading.Barrier(3)  # every thread writes before any reads


def worker():
    slot.name = threading.current_thread().name
    all_written.wait()
    print(slot.name)  # the other two have written slot.name by now


for i in range(1, 4):
    threading.Thread(target=worker, name=f"Thread-{i}").start()

# No join: the interpreter waits for the threads before it exits.
print(f"main's own slot: {getattr(slot, 'name', 'nothing')}")
