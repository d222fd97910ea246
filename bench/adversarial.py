#!/usr/bin/env python3
"""Adversarial inputs against a release persona-server: CPU and wall time per input, and health's
latency while two of the worst run at once. Driven by `bench/adversarial` (see its header).

Every input is within the documented limits (1 MiB body, 50 blocks, 100,000 characters a block,
300,000 in all). Each case runs on a fresh server (nothing carries over, and a request still
burning CPU after its client gave up cannot slow the next case), in the default configuration:
mock extractor, file store. CPU time is the server process's utime + stime from /proc/PID/stat
(10 ms ticks) from just before the request to the moment its CPU stops moving after the answer,
so work that outlives a 504 is counted too.

Usage: adversarial.py SERVER_BIN RUNS_DIR [CASE ...]   (no CASE: every case; `list` lists them)
Environment: BENCH_REPEAT (3) runs of each case, BENCH_TIMEOUT (120) seconds a client waits,
BENCH_SETTLE_MAX (600) seconds to wait for the server's CPU to stop after the answer.
"""

import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

TICK = os.sysconf("SC_CLK_TCK")
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
TIMEOUT = float(os.environ.get("BENCH_TIMEOUT", "120"))
SETTLE_MAX = float(os.environ.get("BENCH_SETTLE_MAX", "600"))


def words4(start, count):
    """`count` distinct four-letter words from the `start`-th: aaaa, aaab, … (no near repeats)."""
    out = []
    for n in range(start, start + count):
        out.append("".join(chr(97 + n // 26**p % 26) for p in (3, 2, 1, 0)))
    return out


def skills_blocks(blocks):
    """`Skills: aaaa,aaab,…` with 19,990 distinct items (99,958 characters) in each block."""
    return [
        "Skills: " + ",".join(words4(b * 19_990, 19_990)) for b in range(blocks)
    ]


def offword_blocks():
    """Values that occur at every position of three 97,500-letter words before the block that
    states them. Each list's sentence is over 500 characters, so its evidence quote is cut
    before the last item, which grounding must then look for in the source: it is rejected
    ~290,000 times (never on a word boundary) before it is found. Six lists, so six such
    values (one list cannot hold two: a run of "a" nearly repeats a shorter one)."""
    sea = "a" * 97_500
    fillers = ", ".join(letter * 190 for letter in "bcd")
    stated = [
        f"{label}: {fillers}, {'a' * 200}."
        for label in ("Skills", "Interests", "Values", "Languages", "Traits", "Goals")
    ]
    return [sea, sea, sea, "\n".join(stated)]


def evidence_blocks():
    """About 10,000 short sentences a block, each a distinct skill: as many items and as many
    evidence quotes, all distinct."""
    blocks = []
    for b in range(3):
        sentences, size, n = [], 0, 0
        while True:
            s = "I can " + words4(b * 20_000 + n, 1)[0] + "."
            if size + len(s) + 1 > 100_000:
                break
            sentences.append(s)
            size += len(s) + 1
            n += 1
        blocks.append(" ".join(sentences))
    return blocks


def long_sentence_blocks():
    """One 100,000-character sentence a block holding ~3,700 alike matches: each is cited."""
    unit = "I can cook and I can sing, "
    return [(unit * (100_000 // len(unit)))[:100_000].rstrip()] * 3


def many_blocks():
    """50 blocks of 6,000 characters (300,000 in all), each a list of distinct items."""
    return [
        "Interests: " + ",".join(words4(b * 1_190, 1_190))[:5_989] for b in range(50)
    ]


def save_body():
    """A save body near 1 MiB: a persona at its caps and a grounding entry for each of its
    values, then thousands of evidence items (the body's schema bounds them)."""
    items = words4(0, 20)
    persona = {
        "name": "Ada",
        "background": "b" * 2_000,
        "skills": items,
        "interests": items,
        "values": items,
        "traits": items,
        "goals": items,
        "languages": items,
        "quotes": ["q" * 500] * 1,
        "evidence": [
            {"field": "skills", "quote": "x" * 180 + w, "source": "block:0"}
            for w in words4(0, 4_000)
        ],
    }
    return {"persona": persona}


def save_16k():
    """The worst save body read inline (at most 16 KiB, api's INLINE_BODY_BYTES): every list at
    its cap of short items, and as many grounding entries as fit, each with a signature to
    verify (wrong ones: each is still checked)."""
    items = words4(0, 20)
    lists = ["skills", "interests", "values", "traits", "goals", "languages"]
    persona = {"name": "Ada", **{field: items for field in lists}}
    fields = {}
    counts = {"quoted": 0, "stated": 0, "inferred": 0, "fabricated_quotes": 0}
    body = {"persona": persona, "grounding": {"mode": "flag", "fields": fields, "counts": counts}}
    pointers = [f"/{field}/{i}" for i in range(20) for field in lists]
    for pointer in pointers:
        entry = {"status": "quoted", "quote": "aaaa", "source": "block:0",
                 "span": {"start": 0, "end": 4}, "signature": "0" * 32}
        fields[pointer] = entry
        counts["quoted"] += 1
        if len(json.dumps(body, separators=(",", ":"))) > 16 * 1024:
            del fields[pointer]
            counts["quoted"] -= 1
            break
    return body


def json_flood():
    """A 1 MiB body of 524,000 tiny array items where at most 50 blocks may be: the parse and
    the schema's checks see every one."""
    return {"textBlocks": [0] * 524_000}


def chunk_conflicts():
    """50 blocks of 6,000 characters of short first-person lines, each block with its own age
    and city, and 50 links of 2,000 characters: read in chunks (MOCK_CHUNK_CHARS=3600, about 110
    chunks, each holding a copy of the links), every chunk disagreeing with the others."""
    blocks = []
    for b in range(50):
        city = "".join(chr(65 + (b * 7 + i) % 26) for i in range(1)) + words4(b * 3, 1)[0]
        line = f"I am {20 + b} years old.\nI live in {city}.\nI like tea.\n"
        blocks.append((line * (6_000 // len(line) + 1))[:6_000].rsplit("\n", 1)[0])
    links = [f"https://example.com/{b}/" + "p" * 1_970 for b in range(50)]
    return ("/api/process-persona", {"textBlocks": blocks, "links": links})


def chunk_tiny_lines():
    """50 blocks of 6,000 characters in lines of ten, no sentence end anywhere: 30,000 units
    to measure and pack into chunks (MOCK_CHUNK_CHARS=3000)."""
    return process(["word word\n" * 600] * 50)


def process(blocks):
    return ("/api/process-persona", {"textBlocks": blocks})


CASES = {
    "skills-1": lambda: process(skills_blocks(1)),
    "skills-3": lambda: process(skills_blocks(3)),
    "offword-grounding": lambda: process(offword_blocks()),
    "evidence-flood": lambda: process(evidence_blocks()),
    "long-sentence": lambda: process(long_sentence_blocks()),
    "fifty-blocks": lambda: process(many_blocks()),
    "save-1mib": lambda: ("/api/save-persona", save_body()),
    "save-16k": lambda: ("/api/save-persona", save_16k()),
    "json-flood": lambda: ("/api/process-persona", json_flood()),
    "chunk-conflicts": chunk_conflicts,
    "chunk-tiny-lines": chunk_tiny_lines,
}
# What a case's server runs with beyond the default configuration.
CASE_ENV = {
    "chunk-conflicts": {"USE_MOCK_DATA": "true", "MOCK_CHUNK_CHARS": "3600"},
    "chunk-tiny-lines": {"USE_MOCK_DATA": "true", "MOCK_CHUNK_CHARS": "3000"},
}
# The two that run at once while health is timed (BENCH_CONCURRENT=a,b for others).
CONCURRENT = os.environ.get("BENCH_CONCURRENT", "skills-3,evidence-flood").split(",")


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def settle(pid):
    """Waits until the server's CPU stops moving (no tick in 300 ms: on a busy machine a
    runnable server can go 100 ms without one), at most SETTLE_MAX seconds; its ticks then, and
    whether it was still moving."""
    last, still, until = cpu_ticks(pid), 0, time.monotonic() + SETTLE_MAX
    while True:
        time.sleep(0.1)
        now = cpu_ticks(pid)
        still = still + 1 if now == last else 0
        if still == 3:
            return now, False
        if time.monotonic() > until:
            return now, True
        last = now


class Server:
    def __init__(self, binary, runs, name):
        self.dir = tempfile.mkdtemp(prefix=f"{name}.", dir=runs)
        self.log = os.path.join(self.dir, "server.log")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self.dir,
            "HOST": "127.0.0.1",
            "PORT": "0",
            "RATE_LIMIT_PER_MINUTE": "0",
            "LOG_FORMAT": "json",
            "RUST_LOG": "info",
            "PERSONA_DATA_DIR": os.path.join(self.dir, "data"),
            **CASE_ENV.get(name, {}),
        }
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [binary], cwd=self.dir, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        self.port = None
        for _ in range(200):
            self.port = self.logged("persona-server listening", "port")
            if self.port or self.proc.poll() is not None:
                break
            time.sleep(0.05)
        if not self.port:
            self.stop()
            sys.exit(f"persona-server did not start; see {self.log}")

    def logged(self, message, key, request_id=None):
        with open(self.log, "rb") as f:
            for raw in f:
                try:
                    fields = json.loads(raw).get("fields", {})
                except ValueError:
                    continue
                if fields.get("message") != message:
                    continue
                if request_id is None or fields.get("request_id") == request_id:
                    return fields.get(key)
        return None

    def call(self, method, path, body=None, request_id="bench"):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        headers = {"x-request-id": request_id}
        if body is not None:
            headers["content-type"] = "application/json"
        started = time.monotonic()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
        except (TimeoutError, OSError) as error:
            status = f"no answer ({type(error).__name__})"
        finally:
            conn.close()
        return status, time.monotonic() - started

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def body_of(case):
    path, data = CASES[case]()
    return path, json.dumps(data, separators=(",", ":")).encode()


def run_case(binary, runs, case):
    path, body = body_of(case)
    rows = []
    for i in range(REPEAT):
        server = Server(binary, runs, case)
        try:
            before, _ = settle(server.proc.pid)
            status, wall = server.call("POST", path, body, request_id=f"{case}-{i}")
            after, busy = settle(server.proc.pid)
            served = server.logged("request", "duration_ms", request_id=f"{case}-{i}")
            rows.append((status, wall, (after - before) / TICK, served, busy))
        finally:
            server.stop()
    return path, len(body), rows


def run_concurrent(binary, runs):
    """Two worst cases in flight at once; health asked every 20 ms until both are answered."""
    server = Server(binary, runs, "concurrent")
    try:
        bodies = [body_of(case) for case in CONCURRENT]
        results = [None] * len(bodies)

        def send(k):
            results[k] = server.call("POST", bodies[k][0], bodies[k][1], f"heavy-{k}")

        threads = [threading.Thread(target=send, args=(k,)) for k in range(len(bodies))]
        for t in threads:
            t.start()
        time.sleep(0.05)
        health = []
        while any(t.is_alive() for t in threads):
            status, wall = server.call("GET", "/api/health", request_id="health")
            health.append((status, wall))
            time.sleep(0.02)
        for t in threads:
            t.join()
        return results, health
    finally:
        server.stop()


def ms(seconds):
    return f"{seconds * 1000:,.0f}"


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "list":
        print("\n".join(CASES))
        return
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    binary, runs = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    os.makedirs(runs, exist_ok=True)
    chosen = sys.argv[3:] or [*CASES, "concurrent"]
    print(f"server: {binary}; {REPEAT} run(s) a case, a fresh server each; client timeout {TIMEOUT:.0f} s\n")
    print("| case | route | body (bytes) | statuses | wall median / max (ms) | CPU median / max (ms) | server duration_ms max |")
    print("|---|---|---|---|---|---|---|")
    for case in chosen:
        if case == "concurrent":
            continue
        path, size, rows = run_case(binary, runs, case)
        statuses = ", ".join(sorted({str(r[0]) for r in rows}))
        walls = [r[1] for r in rows]
        cpus = [r[2] for r in rows]
        served = [r[3] for r in rows if r[3] is not None]
        most = f"{max(served):,.1f}" if served else "n/a"
        # ">": the server was still busy with the request when the wait for its CPU ended.
        more = ">" if any(r[4] for r in rows) else ""
        print(
            f"| {case} | {path.rsplit('/', 1)[1]} | {size:,} | {statuses} | "
            f"{ms(statistics.median(walls))} / {ms(max(walls))} | "
            f"{more}{ms(statistics.median(cpus))} / {more}{ms(max(cpus))} | {most} |",
            flush=True,
        )
    if "concurrent" in chosen:
        results, health = run_concurrent(binary, runs)
        print(f"\nConcurrent: {' and '.join(CONCURRENT)} at once; health every 20 ms meanwhile.")
        for case, (status, wall) in zip(CONCURRENT, results):
            print(f"- {case}: {status} in {ms(wall)} ms")
        if health:
            walls = sorted(w for _, w in health)
            statuses = sorted({str(s) for s, _ in health})
            print(
                f"- health: {len(health)} answers ({', '.join(statuses)}), "
                f"p50 {walls[len(walls) // 2] * 1000:.1f} ms, max {walls[-1] * 1000:.1f} ms"
            )
        else:
            print("- health: not asked (both answered within 50 ms)")


if __name__ == "__main__":
    main()
