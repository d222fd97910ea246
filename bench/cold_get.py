"""A cold get-persona function against a real Supabase Storage server: how long from the
process's start to its answer, how many storage calls it made, and the time beyond them.

Usage: python3 bench/cold_get.py BINARY PERSONA_ID   (bash bench/cold-get wraps it)

Each run starts BINARY (a get-persona function, as Netlify starts a new instance) against a
runtime API served here that hands out one get-persona invocation and takes the answer; the
binary's JSON log (RUST_LOG=info,persona_adapters_supabase=debug) gives each storage call's
`call_ms`. Environment: SUPABASE_URL, SUPABASE_SERVICE_ROLE_KEY, SUPABASE_BUCKET, BENCH_RUNS (30).
"""

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time


def serve_one(listener, event):
    """Hands out `event`, reads the answer; returns (time the answer arrived, its body)."""
    conn, _ = listener.accept()
    conn.settimeout(30)
    buffer = b""

    def request():
        nonlocal buffer
        while b"\r\n\r\n" not in buffer:
            chunk = conn.recv(65536)
            if not chunk:
                return None, None
            buffer += chunk
        head, buffer = buffer.split(b"\r\n\r\n", 1)
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(buffer) < length:
            buffer += conn.recv(65536)
        body, buffer = buffer[:length], buffer[length:]
        return head.split(b"\r\n")[0].decode(), body

    while True:
        line, body = request()
        if line is None:
            conn, _ = listener.accept()
            continue
        if line.startswith("GET /2018-06-01/runtime/invocation/next"):
            payload = json.dumps(event).encode()
            conn.sendall(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                b"lambda-runtime-aws-request-id: req-1\r\nlambda-runtime-deadline-ms: 32503680000000\r\n"
                b"lambda-runtime-invoked-function-arn: arn:aws:lambda:us-east-1:1:function:get-persona\r\n"
                + f"content-length: {len(payload)}\r\n\r\n".encode()
                + payload
            )
        elif line.startswith("POST /2018-06-01/runtime/invocation/req-1/response"):
            arrived = time.perf_counter()
            conn.sendall(b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n")
            conn.close()
            return arrived, body


def run_once(binary, persona_id, env):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    log = tempfile.TemporaryFile()
    event = {
        "path": "/api/get-persona",
        "httpMethod": "GET",
        "headers": {},
        "multiValueHeaders": {},
        "queryStringParameters": {"id": persona_id},
    }
    child_env = dict(env, AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{listener.getsockname()[1]}")
    started = time.perf_counter()
    child = subprocess.Popen([binary], env=child_env, stdout=log, stderr=subprocess.STDOUT)
    arrived, body = serve_one(listener, event)
    listener.close()
    child.wait(timeout=30)
    answer = json.loads(body)
    assert answer["statusCode"] == 200, answer
    log.seek(0)
    calls = []
    for line in log.read().decode().splitlines():
        try:
            fields = json.loads(line).get("fields", {})
        except ValueError:
            continue
        if fields.get("message") == "supabase call":
            calls.append(float(fields["call_ms"]))
    return (arrived - started) * 1000, calls, child.returncode


def main():
    binary, persona_id = sys.argv[1], sys.argv[2]
    runs = int(os.environ.get("BENCH_RUNS", "30"))
    env = {
        "PATH": "/usr/bin:/bin",
        "AWS_LAMBDA_FUNCTION_NAME": "get-persona",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
        "AWS_LAMBDA_FUNCTION_VERSION": "1",
        "SUPABASE_URL": os.environ["SUPABASE_URL"],
        "SUPABASE_SERVICE_ROLE_KEY": os.environ["SUPABASE_SERVICE_ROLE_KEY"],
        "SUPABASE_BUCKET": os.environ.get("SUPABASE_BUCKET", "bench-floor"),
        "LOG_FORMAT": "json",
        "RUST_LOG": "info,persona_adapters_supabase=debug",
    }
    totals, call_ms, beyond, counts, codes = [], [], [], set(), set()
    for _ in range(runs):
        total, calls, code = run_once(binary, persona_id, env)
        totals.append(total)
        call_ms.append(sum(calls))
        beyond.append(total - sum(calls))
        counts.add(len(calls))
        codes.add(code)
    m = statistics.median
    print(f"runs: {runs}; storage calls per cold start: {sorted(counts)}; exit statuses: {sorted(codes)}")
    print("| cold get-persona | median (ms) | min (ms) |")
    print("|---|---|---|")
    print(f"| start to answer | {m(totals):.2f} | {min(totals):.2f} |")
    print(f"| the storage call | {m(call_ms):.2f} | {min(call_ms):.2f} |")
    print(f"| beyond the call | {m(beyond):.2f} | {min(beyond):.2f} |")


if __name__ == "__main__":
    main()
