"""Three threads add 1 to one global count, sleep, then print it: all three
read the same variable of the same process."""

import threading
import time

count = 0


def try_count(pause, name):
    global count
    count += 1
    time.sleep(pause)
    print(f"In thread {name}: count = {count}")


# The tutorial's sleeps of 1, 2 and 1 seconds, scaled down.
for name, pause in [("T1", 0.1), ("T2", 0.2), ("T3", 0.1)]:
    threading.Thread(target=try_count, args=(pause, name)).start()
