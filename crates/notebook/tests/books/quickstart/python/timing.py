import json
import time


def seconds(n):
    start = time.perf_counter()
    sum(range(n))
    return time.perf_counter() - start


sizes = [10_000, 100_000, 1_000_000]
samples = {n: [seconds(n) * 1000 for _ in range(5)] for n in sizes}
print(json.dumps({
    "title": "Summing a range takes longer as it grows",
    "plot": {
        "kind": "lines",
        "x_label": "numbers summed",
        "y_label": "time (ms)",
        "log_x": True,
        "log_y": True,
        "series": [{"name": "sum(range(n))",
                    "points": [{"x": n, "samples": samples[n]} for n in sizes]}],
    },
    "values": {"largest": f"{1_000_000:,} numbers"},
}))
