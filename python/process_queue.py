"""A multiprocessing.Queue with several producers and one consumer: the
consumer takes every message before it joins the producers."""

import multiprocessing

PRODUCERS = 4
MESSAGES = 10_000


def produce(queue, who):
    for number in range(MESSAGES):
        queue.put(f"producer {who} message {number}")
    queue.put(None)  # this producer is done


if __name__ == "__main__":
    queue = multiprocessing.Queue()
    producers = [
        multiprocessing.Process(target=produce, args=(queue, who)) for who in range(PRODUCERS)
    ]
    for producer in producers:
        producer.start()
    print(f"{PRODUCERS} producers send {MESSAGES} messages each through one pipe")

    # Get everything first, join after: a producer's process does not end
    # until its queue's feeder thread has written every message to the pipe.
    expected = [0] * PRODUCERS  # the next message number from each
    received, done = 0, 0
    while done < PRODUCERS:
        message = queue.get()
        if message is None:
            done += 1
            continue
        _, who, _, number = message.split()
        who, number = int(who), int(number)
        assert number == expected[who], f"producer {who}: got {number}, not {expected[who]}"
        expected[who] += 1
        received += 1
    print(f"received {received} messages")
    for who, count in enumerate(expected):
        print(f"producer {who}: {count} messages, in the order sent")
    for producer in producers:
        producer.join()
    assert all(p.exitcode == 0 for p in producers)
    print("every producer exited with status 0")
