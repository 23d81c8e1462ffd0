"""An uncaught exception ends only the thread that raised it: CPython hands it
to threading.excepthook, and the other threads and the process go on."""

import threading
import time


def report(args):
    # The default hook prints "Exception in thread NAME:" and a traceback on
    # stderr; this one prints a single line, so that the page can show it.
    error = f"{args.exc_type.__name__}: {args.exc_value}"
    print(f"excepthook: thread {args.thread.name!r} raised {error}")


def crash():
    int("forty-two")


def work():
    global total
    time.sleep(0.2)  # still working well after the crasher has died
    total = sum(range(1, 101))


threading.excepthook = report
total = None
crasher = threading.Thread(target=crash, name="crasher")
worker = threading.Thread(target=work, name="worker")
crasher.start()
worker.start()
crasher.join()  # join returns normally: the exception does not reach main
print("main: the crasher has ended")
worker.join()
print(f"main: the worker finished its job: 1 + 2 + ... + 100 = {total}")
print("main: still running; exiting normally")
