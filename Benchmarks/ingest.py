#!/usr/bin/env python3
"""Ingest benchmark: durable webhook ingest against the server's no-op route, in one run.

Starts a release build of `delaygate serve` on a temporary database (synchronous=FULL), drives
it with wrk on 127.0.0.1 and prints, for (a) the no-op route GET /healthz and (b) durable
single-event ingest through POST /webhooks/bench (signature check, inbox commit, 202):
requests/s, p50 and p99 latency, and the ratio b/a. Every ingest request carries a distinct,
correctly signed event, so each one is a real insert and a real normalization. After the load
it waits for the normalizer and reports the normalize lag (inbox commit to events committed)
from the database itself.

Usage:
    python3 Benchmarks/ingest.py [--duration 10] [--connections 64] [--naive]

--naive adds a run with group commit disabled (max_batch 1: one transaction per request) for
comparison. Needs wrk (apt-get install -y wrk) and a release build, which it makes if missing.
The last line is machine-readable.
"""
import argparse
import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET = "bench-secret-not-for-production"

LUA_REPORT = r"""
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d errors=%d non2xx=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
"""

LUA_INGEST = r"""
local lines = {}
local index = 0
init = function(args)
  for line in io.lines(args[1]) do
    local ts, sig, body = line:match("^(%d+) (%x+) (.*)$")
    lines[#lines + 1] = wrk.format("POST", "/webhooks/bench", {
      ["Content-Type"] = "application/json",
      ["X-DelayGate-Signature"] = "t=" .. ts .. ",v1=" .. sig,
    }, body)
  end
end
request = function()
  index = index + 1
  if index > #lines then index = 1 end
  return lines[index]
end
""" + LUA_REPORT


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_release(binary):
    if os.path.exists(binary):
        return
    print("building release binary (several minutes on a clean checkout)...", file=sys.stderr)
    subprocess.run(["swift", "build", "-c", "release", "--product", "delaygate"], cwd=ROOT, check=True)


def start_gateway(binary, workdir, port, max_batch):
    os.makedirs(os.path.join(workdir, "adapters"), exist_ok=True)
    config = os.path.join(workdir, "gateway.yaml")
    with open(config, "w") as f:
        f.write(f"""server:
  host: 127.0.0.1
  port: {port}
storage:
  path: {workdir}/bench.sqlite
  synchronous: full
  group_commit:
    max_batch: {max_batch}
adapters_dir: {workdir}/adapters
logging:
  level: notice
""")
    with open(os.path.join(workdir, "adapters", "bench.yaml"), "w") as f:
        f.write("kind: canonical-json\nverification:\n  secret: ${BENCH_SECRET}\n")
    env = dict(os.environ, BENCH_SECRET=SECRET)
    log = open(os.path.join(workdir, "gateway.log"), "w")
    process = subprocess.Popen([binary, "serve", "--config", config], env=env, stdout=log, stderr=log)
    deadline = time.time() + 30
    while time.time() < deadline:
        with open(os.path.join(workdir, "gateway.log")) as f:
            if "listening on http://" in f.read():
                return process
        if process.poll() is not None:
            break
        time.sleep(0.05)
    with open(os.path.join(workdir, "gateway.log")) as f:
        sys.exit("gateway did not start:\n" + f.read())


def make_bodies(path, count, tag):
    """One signed, distinct single-event body per line: '<t> <hex signature> <body>'."""
    ts = str(int(time.time()))
    key = SECRET.encode()
    with open(path, "w") as f:
        for i in range(count):
            body = json.dumps({"events": [{
                "event_id": f"{tag}-{i}",
                "carrier": "sf-express",
                "tracking_number": f"SF{tag}{i:09d}",
                "time": "2026-11-11T08:30:00+08:00",
                "milestone": "hub_arrival",
                "raw_code": "30",
                "raw_text": "快件到达【杭州转运中心】",
                "node": {"facility_code": "571WA", "facility_name": "杭州转运中心", "city": "杭州市",
                         "region": "浙江省", "country": "CN"},
            }]}, ensure_ascii=False, separators=(",", ":"))
            signature = hmac.new(key, (ts + "." + body).encode(), hashlib.sha256).hexdigest()
            f.write(f"{ts} {signature} {body}\n")


def wrk(url, duration, connections, script_text, workdir, args=()):
    script = os.path.join(workdir, "script.lua")
    with open(script, "w") as f:
        f.write(script_text)
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "5s", "-s", script, url]
    if args:
        command += ["--"] + list(args)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    match = re.search(r"RESULT requests=(\d+) duration_us=(\d+) p50_us=(\d+) p99_us=(\d+) errors=(\d+) non2xx=(\d+)", output)
    if not match:
        sys.exit("unexpected wrk output:\n" + output)
    requests, duration_us, p50, p99, errors, non2xx = map(int, match.groups())
    return {"rps": requests / (duration_us / 1e6), "p50_ms": p50 / 1000, "p99_ms": p99 / 1000,
            "requests": requests, "errors": errors, "non2xx": non2xx}


def wait_normalized(database, expected_rows, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with sqlite3.connect(database, timeout=10) as db:
            pending, total = db.execute(
                "SELECT SUM(state = 'pending'), COUNT(*) FROM inbox WHERE adapter = 'bench'").fetchone()
        if total >= expected_rows and not pending:
            return
        time.sleep(0.2)
    sys.exit(f"normalizer did not catch up within {timeout}s")


def lag_percentiles(database):
    with sqlite3.connect(database) as db:
        lags = sorted(r[0] for r in db.execute(
            "SELECT normalized_at - received_at FROM inbox WHERE adapter = 'bench' AND state = 'normalized'"))
        events = db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    pick = lambda q: lags[min(len(lags) - 1, int(q * len(lags)))]
    return {"p50_ms": pick(0.50), "p99_ms": pick(0.99), "max_ms": lags[-1], "rows": len(lags), "events": events}


def run(binary, duration, connections, max_batch, label):
    workdir = tempfile.mkdtemp(prefix="delaygate-bench-")
    port = free_port()
    process = start_gateway(binary, workdir, port, max_batch)
    base = f"http://127.0.0.1:{port}"
    try:
        wrk(base + "/healthz", 2, connections, LUA_REPORT, workdir)  # warm-up
        noop = wrk(base + "/healthz", duration, connections, LUA_REPORT, workdir)
        bodies = os.path.join(workdir, "bodies.txt")
        count = int(max(noop["rps"], 20_000) * (duration + 2) * 1.1)
        make_bodies(bodies, count, label)
        ingest = wrk(base + "/webhooks/bench", duration, connections, LUA_INGEST, workdir, [bodies])
        database = os.path.join(workdir, "bench.sqlite")
        wait_normalized(database, ingest["requests"])
        lag = lag_percentiles(database)
        return noop, ingest, lag
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run (default 10)")
    parser.add_argument("--connections", type=int, default=64, help="concurrent connections (default 64)")
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "delaygate"))
    parser.add_argument("--naive", action="store_true", help="also run with one transaction per request")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")
    build_release(args.binary)

    print(f"machine: {os.cpu_count()} cores, {os.uname().machine}; wrk -t1 -c{args.connections} -d{args.duration}s; "
          f"synchronous=FULL")
    runs = [("group commit", 1024)] + ([("naive (max_batch 1)", 1)] if args.naive else [])
    summary = []
    for label, max_batch in runs:
        noop, ingest, lag = run(args.binary, args.duration, args.connections, max_batch,
                                "g" if max_batch > 1 else "n")
        ratio = ingest["rps"] / noop["rps"]
        print(f"\n[{label}]")
        print(f"{'route':<34}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
        print(f"{'(a) GET /healthz (no-op)':<34}{noop['rps']:>10.0f}{noop['p50_ms']:>9.2f}{noop['p99_ms']:>9.2f}"
              f"{noop['errors'] + noop['non2xx']:>8}")
        print(f"{'(b) POST /webhooks/bench (durable)':<34}{ingest['rps']:>10.0f}{ingest['p50_ms']:>9.2f}"
              f"{ingest['p99_ms']:>9.2f}{ingest['errors'] + ingest['non2xx']:>8}")
        print(f"ratio b/a: {ratio:.2f}   normalize lag: p50 {lag['p50_ms']} ms, p99 {lag['p99_ms']} ms, "
              f"max {lag['max_ms']} ms over {lag['rows']} rows ({lag['events']} events stored)")
        summary.append(f"{'naive_' if max_batch == 1 else ''}noop_rps={noop['rps']:.0f} "
                       f"{'naive_' if max_batch == 1 else ''}ingest_rps={ingest['rps']:.0f} "
                       f"{'naive_' if max_batch == 1 else ''}ratio={ratio:.2f} "
                       f"{'naive_' if max_batch == 1 else ''}ingest_p99_ms={ingest['p99_ms']:.2f} "
                       f"{'naive_' if max_batch == 1 else ''}lag_p99_ms={lag['p99_ms']}")
    print("\n" + " ".join(summary))


if __name__ == "__main__":
    main()
