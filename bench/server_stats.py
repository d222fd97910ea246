"""Server-side figures for one bench/load row, from persona-server's JSON log.

Usage: python3 bench/server_stats.py LOG OFFSET

Reads the `LOG_FORMAT=json` lines written after byte OFFSET (the row's start), keeps the
"request" lines (one per answered request) and prints one line:

    count=N p50_ms=X p99_ms=X max_ms=X statuses=200:N,503:N

`duration_ms` is the time `Api::handle` spent on the request: routing, body checks, the ports,
the envelope and headers. It leaves out the socket, HTTP parsing and actix's queue, and the load
generator's own waiting. Percentiles are nearest-rank.
"""

import json
import math
import sys
from collections import Counter


def percentile(ordered, p):
    if not ordered:
        return float("nan")
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def main():
    path, offset = sys.argv[1], int(sys.argv[2])
    durations = []
    statuses = Counter()
    with open(path, "rb") as log:
        log.seek(offset)
        for raw in log:
            try:
                line = json.loads(raw)
            except ValueError:
                continue
            fields = line.get("fields", {})
            if fields.get("message") != "request" or "duration_ms" not in fields:
                continue
            durations.append(float(fields["duration_ms"]))
            statuses[fields.get("status")] += 1
    durations.sort()
    listed = ",".join(f"{status}:{count}" for status, count in sorted(statuses.items()))
    print(
        f"count={len(durations)} p50_ms={percentile(durations, 50):.3f} "
        f"p99_ms={percentile(durations, 99):.3f} "
        f"max_ms={durations[-1] if durations else float('nan'):.3f} "
        f"statuses={listed or 'none'}"
    )


if __name__ == "__main__":
    main()
