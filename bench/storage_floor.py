"""Save and get against a real Supabase Storage server, side by side with the raw storage calls.

Usage: python3 bench/storage_floor.py   (bash bench/storage-floor wraps it; see its header)

One persona-server (release build, real mode, Supabase store) and one Storage server. Each
client is one keep-alive HTTP/1.1 connection (http.client), used for every request of its kind.
Each round, interleaved, with the order of each pair alternating between rounds:

  raw upload       POST {storage}/object/{bucket}/raw-N.json, the bytes save-persona stored
                   (the same document), the adapter's headers (content type, cache-control,
                   x-upsert) but not its x-metadata
  save             POST /api/save-persona
  raw download     GET {storage}/object/authenticated/{bucket}/{id}.json of the saved persona
  first get        GET /api/get-persona?id=ID, never read before by the server (a cache miss)
  repeated get     the same again (from the server's cache)
  304              the same with If-None-Match: the ETag the first get answered

From the server's JSON log (RUST_LOG=info,persona_adapters_supabase=debug) it also reads, per
request, `duration_ms` (time inside Api::handle) and the Supabase adapter's `call_ms` (one HTTP
exchange with Storage, body read), so the time beyond the storage call is measured, not guessed.

Environment: SUPABASE_URL, SUPABASE_SERVICE_ROLE_KEY, BENCH_BIN (persona-server), BENCH_ROUNDS
(60), BENCH_BUCKET (bench-floor), BENCH_LOG (where the server's log goes).
"""

import http.client
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.parse
import uuid


def now_ms():
    return time.perf_counter_ns() / 1e6


class Client:
    """One keep-alive connection; reconnects only if the server closed it (counted)."""

    def __init__(self, base):
        url = urllib.parse.urlsplit(base)
        self.host, self.port, self.prefix = url.hostname, url.port, url.path.rstrip("/")
        self.connects = 0
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            self.connects += 1
        started = now_ms()
        self.conn.request(method, self.prefix + path, body=body, headers=headers or {})
        response = self.conn.getresponse()
        data = response.read()
        elapsed = now_ms() - started
        if response.getheader("connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        return response.status, dict(response.getheaders()), data, elapsed


def log_fields(log_path):
    """The `fields` of each JSON line of the server's log, in order (other lines skipped)."""
    with open(log_path) as f:
        for line in f:
            try:
                yield json.loads(line).get("fields", {})
            except ValueError:
                continue


def start_server(binary, log_path, env):
    log = open(log_path, "w")
    process = subprocess.Popen([binary], env=env, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(300):
        time.sleep(0.05)
        for fields in log_fields(log_path):
            if fields.get("message") == "persona-server listening":
                return process, fields["port"]
        if process.poll() is not None:
            sys.exit(f"persona-server exited; see {log_path}")
    sys.exit(f"persona-server did not start; see {log_path}")


def server_steps(log_path):
    """Per request, in order: (route, status, duration_ms, [call_ms of each Supabase call])."""
    requests, calls = [], []
    for fields in log_fields(log_path):
        if fields.get("message") == "persona-server listening":
            calls = []  # the bucket check at start belongs to no request
        elif fields.get("message") == "supabase call":
            calls.append(float(fields["call_ms"]))
        elif fields.get("message") == "request":
            requests.append((fields["route"], fields["status"], fields["duration_ms"], calls))
            calls = []
    return requests


def median(values):
    return statistics.median(values) if values else float("nan")


def main():
    supabase = os.environ["SUPABASE_URL"].rstrip("/")
    key = os.environ["SUPABASE_SERVICE_ROLE_KEY"]
    binary = os.environ["BENCH_BIN"]
    rounds = int(os.environ.get("BENCH_ROUNDS", "60"))
    bucket = os.environ.get("BENCH_BUCKET", "bench-floor")
    log_path = os.environ.get("BENCH_LOG", "/tmp/storage-floor-server.log")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": "/tmp",
        "HOST": "127.0.0.1",
        "PORT": "0",
        "SUPABASE_URL": supabase,
        "SUPABASE_SERVICE_ROLE_KEY": key,
        "SUPABASE_BUCKET": bucket,
        "RATE_LIMIT_PER_MINUTE": "0",
        "LOG_FORMAT": "json",
        "RUST_LOG": "info,persona_adapters_supabase=debug",
    }
    process, port = start_server(binary, log_path, env)
    try:
        figures = run(rounds, bucket, key, supabase, port)
    finally:
        process.terminate()
        process.wait(timeout=30)
    report(figures, server_steps(log_path), rounds)


def run(rounds, bucket, key, supabase, port):
    storage = Client(supabase + "/storage/v1")
    api = Client(f"http://127.0.0.1:{port}")
    auth = {"authorization": f"Bearer {key}", "apikey": key}
    with open(os.path.join(os.path.dirname(__file__), "save-persona.json")) as f:
        template = json.load(f)
    figures = {k: [] for k in ["raw upload", "save", "raw download", "first get", "repeated get", "304"]}
    sizes = []
    warm = 5
    for n in range(-warm, rounds):
        body = dict(template)
        body["persona"] = dict(template["persona"], name=f"Maya Patel {uuid.uuid4().hex[:8]}")
        save = lambda: api.request(
            "POST", "/api/save-persona", json.dumps(body).encode(), {"content-type": "application/json"}
        )
        status, _, data, save_ms = save()
        assert status == 201, (status, data)
        persona_id = json.loads(data)["data"]["id"]
        # The bytes save-persona stored, read once untimed: the raw upload sends the same.
        status, _, document, _ = storage.request(
            "GET", f"/object/authenticated/{bucket}/{persona_id}.json", headers=auth
        )
        assert status == 200, (status, document)
        sizes.append(len(document))
        upload = lambda: storage.request(
            "POST",
            f"/object/{bucket}/raw-{uuid.uuid4().hex}.json",
            document,
            dict(auth, **{"content-type": "application/json", "cache-control": "no-cache", "x-upsert": "false"}),
        )
        # Alternate which of the pair goes first; the save above is repeated as a fresh one.
        pair = [("raw upload", upload), ("save", save)]
        results = {}
        for name, call in pair if n % 2 == 0 else reversed(pair):
            status, _, data, ms = call()
            assert status in (200, 201), (name, status, data)
            results[name] = ms
            if name == "save":
                persona_id = json.loads(data)["data"]["id"]
        download = lambda: storage.request(
            "GET", f"/object/authenticated/{bucket}/{persona_id}.json", headers=auth
        )
        first = lambda: api.request("GET", f"/api/get-persona?id={persona_id}")
        pair = [("raw download", download), ("first get", first)]
        etag = None
        for name, call in pair if n % 2 == 0 else reversed(pair):
            status, headers, data, ms = call()
            assert status == 200, (name, status, data)
            results[name] = ms
            if name == "first get":
                etag = headers.get("ETag") or headers.get("etag")
        status, _, data, results["repeated get"] = api.request("GET", f"/api/get-persona?id={persona_id}")
        assert status == 200, (status, data)
        status, _, data, results["304"] = api.request(
            "GET", f"/api/get-persona?id={persona_id}", headers={"if-none-match": etag}
        )
        assert status == 304 and data == b"", (status, data)
        if n >= 0:
            for name, ms in results.items():
                figures[name].append(ms)
    figures["connections"] = {"storage": storage.connects, "api": api.connects}
    figures["sizes"] = sizes
    return figures


def report(figures, steps, rounds):
    m = {k: median(v) for k, v in figures.items() if k not in ("connections", "sizes")}
    print(f"rounds: {rounds} (after 5 warm-up rounds); document bytes: median {median(figures['sizes'])}")
    print(f"connections opened: storage {figures['connections']['storage']}, api {figures['connections']['api']}")
    print()
    print("| step | client median (ms) | ratio |")
    print("|---|---|---|")
    print(f"| raw upload | {m['raw upload']:.3f} | 1 |")
    print(f"| save-persona | {m['save']:.3f} | {m['save'] / m['raw upload']:.3f}× raw upload |")
    print(f"| raw download | {m['raw download']:.3f} | 1 |")
    for name in ["first get", "repeated get", "304"]:
        print(f"| get-persona, {name} | {m[name]:.3f} | {m[name] / m['raw download']:.3f}× raw download |")
    # Server side: each request's time in Api::handle, its Supabase calls, and the rest.
    by_kind = {"save-persona": [], "get-persona miss": [], "get-persona hit": []}
    for route, status, duration, calls in steps:
        if route == "save-persona" and status == 201:
            by_kind["save-persona"].append((duration, calls))
        elif route == "get-persona" and calls:
            by_kind["get-persona miss"].append((duration, calls))
        elif route == "get-persona":
            by_kind["get-persona hit"].append((duration, calls))
    print()
    print("| server side | requests | duration_ms median | Supabase calls each | call_ms median | beyond the call median (ms) |")
    print("|---|---|---|---|---|---|")
    for kind, rows in by_kind.items():
        if not rows:
            continue
        durations = [d for d, _ in rows]
        call_counts = sorted({len(c) for _, c in rows})
        call_ms = [sum(c) for _, c in rows if c]
        beyond = [d - sum(c) for d, c in rows]
        print(
            f"| {kind} | {len(rows)} | {median(durations):.3f} | {call_counts} | "
            f"{median(call_ms):.3f} | {median(beyond):.3f} |"
        )


if __name__ == "__main__":
    main()
