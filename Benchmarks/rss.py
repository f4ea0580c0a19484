#!/usr/bin/env python3
"""Memory of the gateway at 1M open shipments: `delaygate serve` (release) on a database holding them.

What it measures is the resident memory of the real gateway process, the one that would run in
production, while it holds N open shipments (default 1,000,000): its HTTP server, normalizer,
deadline scheduler and SQLite connections, with the repository's alert rules and
`synchronous=FULL`. An in-process benchmark would add its own data (a simulator's day, a test
harness) to the figure; the served process has only what the gateway keeps.

Steps:
 1. `alert-benchmark open-database` writes N open shipments through the gateway's own
    normalization path: each parcel with its order and two scans from the last day, so every
    next check lies ahead of the clock.
 2. --due shipments (default 100,000, spread over the table) are made due now, so the scheduler
    has real work at start-up: it judges them in its batches of 500.
 3. The gateway starts on that database (same configuration as Benchmarks/ingest.py: repository
    alert rules, no actions file). VmRSS is read after start-up and once the scheduler has
    judged every due shipment.
 4. wrk sends news for random open parcels (one hub departure per request, each correctly
    signed, through POST /webhooks/bench) for --duration seconds, at full speed; VmRSS is
    sampled every 0.25 s. Then it waits for the normalizer to catch up and reads VmRSS and
    VmHWM (the process's peak) again.

The figure to hold against the target is VmHWM, the peak over all of the above.

Usage:
    python3 Benchmarks/rss.py [--shipments 1000000] [--due 100000] [--duration 20]

Needs wrk and the release products `delaygate` and `alert-benchmark` (built if missing).
The last line is machine-readable.
"""
import argparse
import hashlib
import hmac
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ingest  # noqa: E402  (the gateway start-up, wrk driver and signing of ingest.py)

ROOT = ingest.ROOT
RELEASE = os.path.join(ROOT, ".build", "release")


def memory(pid):
    """VmRSS and VmHWM of a process in MiB."""
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, kib = line.split()[:2]
                values[key[:-1]] = int(kib) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


def build(products):
    missing = [p for p in products if not os.path.exists(os.path.join(RELEASE, p))]
    for product in missing:
        print(f"building {product} (release)...", file=sys.stderr)
        subprocess.run(["swift", "build", "-c", "release", "--product", product], cwd=ROOT, check=True)


def make_news(path, count, shipments, seed=7):
    """Signed single-event bodies: a hub departure, now, for a random existing parcel."""
    rng = random.Random(seed)
    ts = str(int(time.time()))
    event_time = time.strftime("%Y-%m-%dT%H:%M:%S+08:00", time.gmtime(time.time() + 8 * 3600))
    key = ingest.SECRET.encode()
    with open(path, "w") as f:
        for i in range(count):
            n = rng.randrange(shipments)
            hub = n % 500
            body = json.dumps({"events": [{
                "event_id": f"rss-{i}",
                "carrier": "sf-express",
                "tracking_number": f"SF{n:010d}",
                "time": event_time,
                "milestone": "hub_departure",
                "raw_code": "40",
                "raw_text": f"快件离开【转运中心{hub}】",
                "node": {"facility_code": f"H{hub}", "facility_name": f"转运中心{hub}", "city": f"Hub{hub}",
                         "region": f"R{hub % 31}", "country": "CN"},
            }]}, ensure_ascii=False, separators=(",", ":"))
            signature = hmac.new(key, (ts + "." + body).encode(), hashlib.sha256).hexdigest()
            f.write(f"{ts} {signature} {body}\n")


def due_count(database, instant_ms):
    with sqlite3.connect(database, timeout=30) as db:
        return db.execute("SELECT COUNT(*) FROM shipments WHERE next_check_at <= ?", (instant_ms,)).fetchone()[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shipments", type=int, default=1_000_000, help="open shipments (default 1,000,000)")
    parser.add_argument("--due", type=int, default=100_000, help="made due at start-up (default 100,000)")
    parser.add_argument("--duration", type=int, default=20, help="seconds of ingest load (default 20)")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database, log)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")
    build(["delaygate", "alert-benchmark"])

    workdir = tempfile.mkdtemp(prefix="delaygate-rss-")
    database = os.path.join(workdir, "bench.sqlite")
    started = time.time()
    output = subprocess.run([os.path.join(RELEASE, "alert-benchmark"), "open-database", database,
                             str(args.shipments)], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    print(output.strip().splitlines()[-1])
    build_seconds = time.time() - started

    now_ms = int(time.time() * 1000)
    step = max(1, args.shipments // max(args.due, 1))
    with sqlite3.connect(database, timeout=30) as db:
        db.execute("UPDATE shipments SET next_check_at = ? WHERE id IN "
                   "(SELECT id FROM shipments WHERE state = 'open' AND id % ? = 0 LIMIT ?)", (now_ms, step, args.due))
        db.commit()
        open_count = db.execute("SELECT COUNT(*) FROM shipments WHERE state = 'open'").fetchone()[0]
    due = due_count(database, now_ms)
    size_mib = (os.path.getsize(database) + (os.path.getsize(database + "-wal")
                                             if os.path.exists(database + "-wal") else 0)) / 2**20

    port = ingest.free_port()
    process = ingest.start_gateway(os.path.join(RELEASE, "delaygate"), workdir, port, 1024)
    pid = process.pid
    try:
        rss_start, _ = memory(pid)
        print(f"gateway on {open_count} open shipments ({size_mib:.0f} MiB database), {due} due now: "
              f"RSS after start-up {rss_start:.0f} MiB")
        # The scheduler judges the due shipments in batches of 500.
        sweep_started = time.time()
        deadline = time.time() + 600
        while due_count(database, now_ms) > 0 and time.time() < deadline:
            time.sleep(0.5)
        sweep = time.time() - sweep_started
        time.sleep(2)  # a few idle ticks
        rss_scheduled, hwm_scheduled = memory(pid)
        print(f"scheduler judged {due} due shipments in about {sweep:.1f} s: RSS {rss_scheduled:.0f} MiB, "
              f"peak so far {hwm_scheduled:.0f} MiB")

        base = f"http://127.0.0.1:{port}"
        bodies = os.path.join(workdir, "news.txt")
        make_news(bodies, 20_000 * (args.duration + 2), args.shipments)
        samples = []
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                samples.append(memory(pid)[0])
                time.sleep(0.25)

        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            load = ingest.wrk(base + "/webhooks/bench", args.duration, args.connections, ingest.LUA_INGEST, workdir,
                              [bodies])
            # Wait for the normalizer (every row normalized).
            ingest.wait_normalized(database, load["requests"], timeout=300)
        finally:
            stop.set()
            sampler.join()
        time.sleep(2)
        rss_after, hwm = memory(pid)
        print(f"ingest load: {load['rps']:.0f} req/s of news for random open parcels for {args.duration} s "
              f"({load['errors'] + load['non2xx']} errors); RSS during load max {max(samples):.0f} MiB, "
              f"after {rss_after:.0f} MiB; peak (VmHWM) {hwm:.0f} MiB")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=120)
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"rss_benchmark shipments={open_count} due={due} build_s={build_seconds:.0f} "
          f"database_mib={size_mib:.0f} rss_start_mib={rss_start:.0f} rss_after_scheduler_mib={rss_scheduled:.0f} "
          f"rss_load_max_mib={max(samples):.0f} rss_after_load_mib={rss_after:.0f} hwm_mib={hwm:.0f} "
          f"load_rps={load['rps']:.0f}")


if __name__ == "__main__":
    main()
