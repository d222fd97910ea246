#!/usr/bin/env python3
"""The process cache: a repeated process-persona against its first call (issue 18's target: 0
tokens and at most 0.1x the time of the first).

Starts llmock (the OpenAI simulator, `target/llmock-venv`, see `.ci/start-llmock`) with a fixed
latency per completion, and `persona-server` (release build, file store in a fresh folder) with
`OPENAI_BASE_URL` at it. Then, for N different materials, times the first process-persona (a
model call) and its repeat (the same material: answered from the cache), one keep-alive
connection, one request at a time. Prints a Markdown report: medians, p90, the ratio, tokens.
A benchmark, not a test: it asserts nothing beyond the answers being what the cache promises.

    cargo build --release -p persona-app-http
    python3 bench/process_cache.py                 # N=40, LATENCY_MS=300
    N=60 LATENCY_MS=800 python3 bench/process_cache.py

Settings (environment): BENCH_BIN (default target/release/persona-server), LLMOCK (default
target/llmock-venv/bin/llmock), N, LATENCY_MS (llmock's delay before each completion). With
SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY set, the server keeps its cache entries in that
Supabase Storage (bucket BENCH_BUCKET, default bench-pcache) instead of a folder:

    set -a; . /tmp/persona-real-supabase/keys.env; set +a
    SUPABASE_URL=http://127.0.0.1:55080 python3 bench/process_cache.py
"""

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("BENCH_BIN", os.path.join(ROOT, "target/release/persona-server"))
LLMOCK = os.environ.get("LLMOCK", os.path.join(ROOT, "target/llmock-venv/bin/llmock"))
N = int(os.environ.get("N", "40"))
LATENCY_MS = int(os.environ.get("LATENCY_MS", "300"))
MAYA = ("Hi, my name is Maya Patel. I'm 34 years old and I work as a product designer. "
        "I live in Berlin. I love climbing, jazz and Korean cooking. I speak English and German.")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(port, path, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", path)
            if conn.getresponse().status < 500:
                return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"nothing answered on port {port}{path} within {seconds} s")


def process(conn, text):
    body = json.dumps({"textBlocks": [text], "links": []})
    start = time.perf_counter()
    conn.request("POST", "/api/process-persona", body, {"content-type": "application/json"})
    response = conn.getresponse()
    answer = json.loads(response.read())
    elapsed = (time.perf_counter() - start) * 1000
    if response.status != 200:
        sys.exit(f"process-persona answered {response.status}: {answer}")
    return elapsed, answer["data"]


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def main():
    for path in (BIN, LLMOCK):
        if not os.path.exists(path):
            sys.exit(f"{path} is missing (see this file's header)")
    data = tempfile.mkdtemp(prefix="bench-process-cache-")
    llmock_port, server_port = free_port(), free_port()
    llmock = subprocess.Popen(
        [LLMOCK, "serve", "--host", "127.0.0.1", "--port", str(llmock_port),
         "--latency-ms", str(LATENCY_MS), "--log-level", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = None
    try:
        wait_until_up(llmock_port, "/health")
        if os.environ.get("SUPABASE_URL"):
            store = {"SUPABASE_BUCKET": os.environ.get("BENCH_BUCKET", "bench-pcache")}
        else:
            store = {"PERSONA_DATA_DIR": data}
        env = dict(os.environ, **store,
                   HOST="127.0.0.1", PORT=str(server_port),
                   OPENAI_BASE_URL=f"http://127.0.0.1:{llmock_port}/v1",
                   OPENAI_API_KEY="sk-llmock", OPENAI_MODEL="persona-bench-cache",
                   RATE_LIMIT_PER_MINUTE="0", RUST_LOG="warn",
                   PROCESS_CACHE_KEY="bench-process-cache-key-of-32-bytes!")
        server = subprocess.Popen([BIN], env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        wait_until_up(server_port, "/api/health")
        conn = http.client.HTTPConnection("127.0.0.1", server_port, timeout=60)
        process(conn, MAYA + " Warm-up.")  # the first connection and the first call's setup
        first, again, tokens_first, tokens_again = [], [], 0, 0
        for i in range(N):
            text = f"{MAYA} Case {i}."
            t1, d1 = process(conn, text)
            t2, d2 = process(conn, text)
            u1, u2 = d1["usage"], d2["usage"]
            if u1["cached"] or not u2["cached"] or u2["prompt_tokens"] or u2["completion_tokens"]:
                sys.exit(f"case {i}: not the cache's promise: first {u1}, repeat {u2}")
            if d1["persona"] != d2["persona"] or d1["grounding"] != d2["grounding"]:
                sys.exit(f"case {i}: the repeat answered another persona")
            first.append(t1)
            again.append(t2)
            tokens_first += u1["prompt_tokens"] + u1["completion_tokens"]
            tokens_again += u2["prompt_tokens"] + u2["completion_tokens"]
        ratios = [b / a for a, b in zip(first, again)]
        print(f"# Process cache: first call and repeat ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})\n")
        where = "Supabase Storage" if "SUPABASE_BUCKET" in store else "a folder"
        print(f"{N} materials, llmock latency {LATENCY_MS} ms, entries in {where}, "
              f"`{os.path.relpath(BIN, ROOT)}`, "
              f"load 1m {os.getloadavg()[0]:.2f}\n")
        print("| call | median (ms) | p90 (ms) | tokens (all calls) |")
        print("|---|---|---|---|")
        print(f"| first (model) | {statistics.median(first):.2f} | {pct(first, 90):.2f} | {tokens_first} |")
        print(f"| repeat (cache) | {statistics.median(again):.2f} | {pct(again, 90):.2f} | {tokens_again} |")
        print(f"\nrepeat / first: median of the ratios {statistics.median(ratios):.4f}, "
              f"largest {max(ratios):.4f}")
    finally:
        for proc in (server, llmock):
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=10)


if __name__ == "__main__":
    main()
