"""The shared-counter program with a threading.local count: every thread adds
1 to its own, so each prints 1."""

import threading
import time

state = threading.local()


def try_count(pause, name):
    state.count = getattr(state, "count", 0) + 1  # a fresh thread has no count yet
    time.sleep(pause)
    print(f"In thread {name}: count = {state.count}")


for name, pause in [("T1", 0.1), ("T2", 0.2), ("T3", 0.1)]:
    threading.Thread(target=try_count, args=(pause, name)).start()
