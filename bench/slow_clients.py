"""Slow clients against persona-server: stalled requests by the thousand, and health meanwhile.

Usage: python3 bench/slow_clients.py PID PORT MODE CONNECTIONS SECONDS

Run by `bench/slow-clients`, which starts the server (PID, on PORT) and raises this process's
open-files limit. MODE is one of:

  trickle  each connection sends a POST's head declaring 1,000 bytes, then one byte every 10 s
  stall    each connection sends 1,000,000 of 1,048,576 declared bytes, then nothing

CONNECTIONS are opened over the first quarter of SECONDS, each kept until the server closes it.
Meanwhile `GET /api/health` is sent every second on a fresh connection (5 s timeout), and the
server's resident memory and open descriptors are read from /proc every second. One summary
line per figure is printed; nothing is asserted.
"""

import asyncio
import os
import sys
import time
from collections import Counter

HOST = "127.0.0.1"


def server_figures(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            rss_kb = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
        fds = len(os.listdir(f"/proc/{pid}/fd"))
        return rss_kb // 1024, fds
    except (FileNotFoundError, ProcessLookupError, StopIteration):
        return None, None


async def flood_one(port, mode, outcomes, deadline, answered_after):
    started = time.monotonic()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), 10)
    except Exception as e:  # noqa: BLE001 - every failure is a figure
        outcomes[f"connect failed ({type(e).__name__})"] += 1
        return
    declared = 1000 if mode == "trickle" else 1_048_576
    head = (
        f"POST /api/process-persona HTTP/1.1\r\nhost: {HOST}\r\n"
        f"content-type: application/json\r\ncontent-length: {declared}\r\n\r\n"
    ).encode()
    try:
        writer.write(head + (b"{" if mode == "trickle" else b" " * 1_000_000))
        await writer.drain()
        answer = b""
        while time.monotonic() < deadline:
            try:
                chunk = await asyncio.wait_for(reader.read(4096), 10)
            except asyncio.TimeoutError:
                if mode == "trickle":
                    writer.write(b" ")
                    await writer.drain()
                continue
            if not chunk:
                break
            answer += chunk
        if answer:
            outcomes[f"answered {answer.split(b' ', 2)[1].decode()}"] += 1
            answered_after.append(time.monotonic() - started)
        elif time.monotonic() >= deadline:
            outcomes["still open at the end"] += 1
        else:
            outcomes["closed without an answer"] += 1
    except (ConnectionError, OSError) as e:
        outcomes[f"reset ({type(e).__name__})"] += 1
    finally:
        writer.close()


async def health(port):
    started = time.monotonic()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), 5)
        writer.write(f"GET /api/health HTTP/1.1\r\nhost: {HOST}\r\nconnection: close\r\n\r\n".encode())
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), 5 - (time.monotonic() - started))
        writer.close()
        return line.split(b" ")[1].decode(), (time.monotonic() - started) * 1000
    except Exception as e:  # noqa: BLE001
        return type(e).__name__, None


async def main():
    pid, port, mode, connections, seconds = sys.argv[1:6]
    port, connections, seconds = int(port), int(connections), int(seconds)
    outcomes = Counter()
    answered_after = []
    start = time.monotonic()
    deadline = start + seconds
    ramp = seconds / 4
    tasks = []
    probes, samples = [], []

    async def open_all():
        for i in range(connections):
            tasks.append(asyncio.create_task(flood_one(port, mode, outcomes, deadline, answered_after)))
            await asyncio.sleep(ramp / connections)

    opener = asyncio.create_task(open_all())
    while time.monotonic() < deadline:
        probe = asyncio.create_task(health(port))
        rss, fds = server_figures(pid)
        samples.append((rss, fds))
        await asyncio.sleep(1)
        probes.append(await probe)
    await opener
    await asyncio.gather(*tasks, return_exceptions=True)
    after = await health(port)

    statuses = Counter(status for status, _ in probes)
    latencies = sorted(ms for status, ms in probes if status == "200")
    rss_max = max((r for r, _ in samples if r is not None), default=None)
    fds_max = max((f for _, f in samples if f is not None), default=None)
    print(f"mode={mode} connections={connections} seconds={seconds}")
    print(f"flood outcomes: {dict(sorted(outcomes.items()))}")
    if answered_after:
        after_sorted = sorted(answered_after)
        print(
            f"flood answered after s (from connect): p50={after_sorted[len(after_sorted) // 2]:.1f} "
            f"max={after_sorted[-1]:.1f}"
        )
    print(f"health probes: {dict(statuses)}")
    if latencies:
        p50 = latencies[len(latencies) // 2]
        print(f"health 200 latency ms: p50={p50:.1f} max={latencies[-1]:.1f}")
    print(f"server peak: rss_mb={rss_max} open_fds={fds_max}")
    print(f"health after the flood: {after[0]}")


if __name__ == "__main__":
    asyncio.run(main())
