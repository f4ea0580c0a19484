#!/usr/bin/env python3
"""Ingest benchmark: durable webhook ingest against the server's no-op route, in one run.

Starts a release build of `delaygate serve` on a temporary database (synchronous=FULL), drives
it with wrk on 127.0.0.1 and prints, for (a) the no-op route GET /healthz and (b) durable
single-event ingest through POST /webhooks/bench (signature check, inbox commit, 202):
requests/s, p50 and p99 latency, and the ratio b/a. Every ingest request carries a distinct,
correctly signed event, so each one is a real insert and a real normalization. After the load
it waits for the normalizer and reports the normalize lag (inbox commit to events committed)
from the database itself.

Alongside each route it reports the server's CPU time per request (user + system of the
gateway process, from /proc/PID/stat, over the wrk run), its context switches per request (all
threads, from /proc/PID/task/*/status): wrk takes most of a core, so on a 2-core machine the
ratio is bounded by the server's CPU per request, and these say where the time went. For ingest
it also gives the CPU per request including the normalizer's catch-up after the load.

Usage:
    python3 Benchmarks/ingest.py [--duration 10] [--connections 64] [--repeat 1] [--naive] [--fresh-scans]

--naive adds a run with group commit disabled (max_batch 1: one transaction per request) for
comparison. The bodies are hub arrivals dated 2026-11-11, so today every parcel is stalled and
the alert engine raises one alert per request behind the answer; --fresh-scans dates them now
instead, to show what the same load costs without alerts (a diagnostic, not the headline). Needs wrk (apt-get install -y wrk) and a release build, which it makes if missing.
The last line is machine-readable.
"""
import argparse
import hashlib
import hmac
import json
import os
import re
import statistics
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
    """Builds the release product named like `binary` (delaygate, outbox-benchmark, ...) if it is missing."""
    if os.path.exists(binary):
        return
    product = os.path.basename(binary)
    print(f"building release {product} (several minutes on a clean checkout)...", file=sys.stderr)
    subprocess.run(["swift", "build", "-c", "release", "--product", product], cwd=ROOT, check=True)


def start_gateway(binary, workdir, port, max_batch, actions_file=None):
    """Starts `delaygate serve` in `workdir`; without `actions_file`, no actions (and no dispatcher)."""
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
# The repository's alert rules, so the engine observer runs as in production; no actions file
# (single first scans of fresh parcels raise no alert, and the benchmark sends nothing out).
alerting_file: {os.path.join(ROOT, "config", "alerting.yaml")}
actions_file: {actions_file or os.path.join(workdir, "no-actions.yaml")}
logging:
  level: notice
""")
    with open(os.path.join(workdir, "adapters", "bench.yaml"), "w") as f:
        f.write("kind: canonical-json\nverification:\n  secret: ${BENCH_SECRET}\n")
    env = dict(os.environ, BENCH_SECRET=SECRET)
    log = open(os.path.join(workdir, "gateway.log"), "w")
    process = subprocess.Popen([binary, "serve", "--config", config], env=env, stdout=log, stderr=log, cwd=workdir)
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


def make_bodies(path, count, tag, fresh=False):
    """One signed, distinct single-event body per line: '<t> <hex signature> <body>'.

    The scans are dated 2026-11-11 08:30 +08:00; from about 18 h later on, the alert engine finds
    every such parcel stalled at the hub and raises one urgent alert per request. `fresh` dates
    them at the run's start instead (a diagnostic for the cost without alerts; not the headline).
    """
    ts = str(int(time.time()))
    event_time = (time.strftime("%Y-%m-%dT%H:%M:%S+08:00", time.gmtime(time.time() + 8 * 3600)) if fresh
                  else "2026-11-11T08:30:00+08:00")
    key = SECRET.encode()
    with open(path, "w") as f:
        for i in range(count):
            body = json.dumps({"events": [{
                "event_id": f"{tag}-{i}",
                "carrier": "sf-express",
                "tracking_number": f"SF{tag}{i:09d}",
                "time": event_time,
                "milestone": "hub_arrival",
                "raw_code": "30",
                "raw_text": "快件到达【杭州转运中心】",
                "node": {"facility_code": "571WA", "facility_name": "杭州转运中心", "city": "杭州市",
                         "region": "浙江省", "country": "CN"},
            }]}, ensure_ascii=False, separators=(",", ":"))
            signature = hmac.new(key, (ts + "." + body).encode(), hashlib.sha256).hexdigest()
            f.write(f"{ts} {signature} {body}\n")


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid):
    """User + system CPU seconds of a process, all threads (fields 14 and 15 of /proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def context_switches(pid):
    """Voluntary + involuntary context switches summed over the process's live threads."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/status") as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                        total += int(line.split()[1])
        except FileNotFoundError:
            pass  # a thread that ended meanwhile
    return total


def measured_wrk(pid, *args, **kwargs):
    """wrk(...) plus the server's CPU and context switches per request."""
    cpu, switches = process_cpu_seconds(pid), context_switches(pid)
    result = wrk(*args, **kwargs)
    requests = max(result["requests"], 1)
    result["server_cpu_us"] = (process_cpu_seconds(pid) - cpu) / requests * 1e6
    result["switches"] = (context_switches(pid) - switches) / requests
    return result


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


def run(binary, duration, connections, max_batch, label, fresh=False):
    workdir = tempfile.mkdtemp(prefix="delaygate-bench-")
    port = free_port()
    process = start_gateway(binary, workdir, port, max_batch)
    base = f"http://127.0.0.1:{port}"
    try:
        wrk(base + "/healthz", 2, connections, LUA_REPORT, workdir)  # warm-up
        noop = measured_wrk(process.pid, base + "/healthz", duration, connections, LUA_REPORT, workdir)
        bodies = os.path.join(workdir, "bodies.txt")
        count = int(max(noop["rps"], 20_000) * (duration + 2) * 1.1)
        make_bodies(bodies, count, label, fresh)
        cpu_before = process_cpu_seconds(process.pid)
        ingest = measured_wrk(process.pid, base + "/webhooks/bench", duration, connections, LUA_INGEST, workdir,
                              [bodies])
        database = os.path.join(workdir, "bench.sqlite")
        wait_normalized(database, ingest["requests"])
        ingest["server_cpu_drained_us"] = (
            (process_cpu_seconds(process.pid) - cpu_before) / max(ingest["requests"], 1) * 1e6)
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
    parser.add_argument("--repeat", type=int, default=1, help="group-commit runs, each on a fresh server (default 1)")
    parser.add_argument("--naive", action="store_true", help="also run with one transaction per request")
    parser.add_argument("--fresh-scans", action="store_true",
                        help="diagnostic: date the scans now, so that no parcel is stalled and nothing alerts")
    args = parser.parse_args()
    args.binary = os.path.abspath(args.binary)  # the gateway runs in a temporary folder
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")
    build_release(args.binary)

    print(f"machine: {os.cpu_count()} cores, {os.uname().machine}; wrk -t1 -c{args.connections} -d{args.duration}s; "
          f"synchronous=FULL{'; scans dated now (diagnostic)' if args.fresh_scans else ''}")
    runs = [("group commit", 1024)] * args.repeat + ([("naive (max_batch 1)", 1)] if args.naive else [])
    results = {}
    for number, (label, max_batch) in enumerate(runs, 1):
        noop, ingest, lag = run(args.binary, args.duration, args.connections, max_batch,
                                f"{'g' if max_batch > 1 else 'n'}{number}", args.fresh_scans)
        ratio = ingest["rps"] / noop["rps"]
        results.setdefault(max_batch, []).append((noop, ingest, lag, ratio))
        print(f"\n[{label}{f', run {number}' if args.repeat > 1 and max_batch > 1 else ''}]")
        print(f"{'route':<34}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
              f"{'srv µs/req':>12}{'ctxsw/req':>11}")
        for name, r in (("(a) GET /healthz (no-op)", noop), ("(b) POST /webhooks/bench (durable)", ingest)):
            print(f"{name:<34}{r['rps']:>10.0f}{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}"
                  f"{r['errors'] + r['non2xx']:>8}{r['server_cpu_us']:>12.1f}{r['switches']:>11.2f}")
        print(f"ratio b/a: {ratio:.2f}   normalize lag: p50 {lag['p50_ms']} ms, p99 {lag['p99_ms']} ms, "
              f"max {lag['max_ms']} ms over {lag['rows']} rows ({lag['events']} events stored); "
              f"ingest server CPU incl. normalizer catch-up {ingest['server_cpu_drained_us']:.1f} µs/req")
    summary = []
    for max_batch, rows in results.items():
        prefix = "naive_" if max_batch == 1 else ""
        median = lambda values: statistics.median(values)
        ratios = [r[3] for r in rows]
        if len(rows) > 1:
            print(f"\n{len(rows)} runs: ratio min {min(ratios):.2f}, median {median(ratios):.2f}, max {max(ratios):.2f}")
        summary.append(
            f"{prefix}noop_rps={median([r[0]['rps'] for r in rows]):.0f} "
            f"{prefix}ingest_rps={median([r[1]['rps'] for r in rows]):.0f} "
            f"{prefix}ratio={median(ratios):.2f} "
            f"{prefix}ingest_p99_ms={median([r[1]['p99_ms'] for r in rows]):.2f} "
            f"{prefix}lag_p99_ms={median([r[2]['p99_ms'] for r in rows])} "
            f"{prefix}noop_cpu_us={median([r[0]['server_cpu_us'] for r in rows]):.1f} "
            f"{prefix}ingest_cpu_us={median([r[1]['server_cpu_us'] for r in rows]):.1f}")
    print("\n" + " ".join(summary) + (" (medians)" if args.repeat > 1 else ""))


if __name__ == "__main__":
    main()
