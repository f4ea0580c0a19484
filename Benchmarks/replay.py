#!/usr/bin/env python3
"""Replay under live traffic: a reprocessing of the whole inbox against live webhook latency.

The team's reliability bar: "replay of 100k rows while live traffic flows: live p99 within 2x
of its normal value". This starts a release build of `delaygate serve` on a temporary database
(synchronous=FULL), fills its inbox with N distinct single-event webhooks over HTTP (each one
verified, committed and normalized), then measures live traffic, signed webhooks at a steady
pace from wrk (each connection waits between requests, so the rate stays well below
saturation), twice:

  (a) alone, for the normal p50 / p99;
  (b) while `delaygate inbox reprocess --all` runs in its own process on the same database,
      normalizing every stored row again (what an operator runs after a parser fix).

It prints both latencies, their ratio, how long the reprocessing took and how many rows it did,
and checks that every live request was answered 2xx. The last line is machine-readable.

Usage:
    python3 Benchmarks/replay.py [--rows 100000] [--duration 10] [--connections 8] [--pause-ms 20] [--hold-ms N]

Needs wrk (apt-get install -y wrk) and a release build, which it makes if missing.
"""
import argparse
import os
import signal
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ingest import (LUA_INGEST, LUA_REPORT, ROOT, SECRET, build_release, free_port,  # noqa: E402
                    make_bodies, start_gateway, wait_normalized, wrk)

# LUA_INGEST with a pause before each request on every connection: a steady, light load.
LUA_PACED = LUA_INGEST.replace("request = function()", """delay = function()
  return pause_ms
end
request = function()""").replace("init = function(args)", """pause_ms = 20
init = function(args)
  pause_ms = tonumber(args[2]) or 20""")


def inbox_rows(database):
    with sqlite3.connect(database, timeout=30) as db:
        return db.execute("SELECT COUNT(*) FROM inbox").fetchone()[0]


# LUA_INGEST that sends each line once: the last connections stop once every line is answered.
LUA_ONCE = LUA_INGEST.replace("""  index = index + 1
  if index > #lines then index = 1 end
  return lines[index]
end""", """  index = math.min(index + 1, #lines)
  return lines[index]
end
answered = 0
response = function(status, headers, body)
  answered = answered + 1
  if answered >= #lines then wrk.thread:stop() end
end""")


def seed(base, workdir, database, rows):
    """Posts distinct bodies until the inbox holds `rows` rows, then waits for normalization."""
    round_number = 0
    while inbox_rows(database) < rows:
        missing = rows - inbox_rows(database)
        round_number += 1
        bodies = os.path.join(workdir, f"seed-{round_number}.txt")
        make_bodies(bodies, missing, f"s{round_number}x", fresh=True)
        # About 2,000 req/s on a slow day: long enough for all of them, and the lines are unique.
        seconds = max(3, int(missing / 2000) + 1)
        result = wrk(base + "/webhooks/bench", seconds, 64, LUA_ONCE, workdir, [bodies])
        if result["errors"] or result["non2xx"]:
            sys.exit(f"seeding failed: {result}")
        print(f"  seeded {inbox_rows(database)} rows", file=sys.stderr)
    wait_normalized(database, rows, timeout=600)


def paced(base, workdir, duration, connections, pause_ms, tag):
    bodies = os.path.join(workdir, f"live-{tag}.txt")
    # Enough unique bodies for the run even at a few thousand per second.
    make_bodies(bodies, max(2000, int(connections * 1000 / max(pause_ms, 1) * (duration + 2) * 1.5)), tag, fresh=True)
    return wrk(base + "/webhooks/bench", duration, connections, LUA_PACED, workdir, [bodies, str(pause_ms)])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="inbox rows to reprocess (default 100000)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of the live run alone (default 10)")
    parser.add_argument("--connections", type=int, default=8, help="live connections (default 8)")
    parser.add_argument("--pause-ms", type=int, default=20, help="pause before each live request (default 20)")
    parser.add_argument("--hold-ms", type=int, help="the reprocess's --hold-ms (default: its own default)")
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "delaygate"))
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")
    build_release(args.binary)

    workdir = tempfile.mkdtemp(prefix="delaygate-replay-")
    port = free_port()
    process = start_gateway(args.binary, workdir, port, 1024)
    base = f"http://127.0.0.1:{port}"
    database = os.path.join(workdir, "bench.sqlite")
    config = os.path.join(workdir, "gateway.yaml")
    try:
        print(f"seeding {args.rows} inbox rows over HTTP...", file=sys.stderr)
        started = time.time()
        seed(base, workdir, database, args.rows)
        print(f"  done in {time.time() - started:.0f} s", file=sys.stderr)
        paced(base, workdir, 2, args.connections, args.pause_ms, "warm")  # warm-up

        alone = paced(base, workdir, args.duration, args.connections, args.pause_ms, "alone")

        env = dict(os.environ, BENCH_SECRET=SECRET)

        def reprocess():
            log_path = os.path.join(workdir, "reprocess.log")
            log = open(log_path, "w")
            process = subprocess.Popen([args.binary, "inbox", "reprocess", "--all", "--config", config] + (
                ["--hold-ms", str(args.hold_ms)] if args.hold_ms else []),
                                       env=env, stdout=log, stderr=subprocess.STDOUT, cwd=workdir)
            return process, log, log_path, time.time()

        def finish(started_replay):
            process, log, log_path, started = started_replay
            process.wait(timeout=3600)
            log.close()
            with open(log_path) as f:
                output = f.read().strip()
            if process.returncode != 0:
                sys.exit(f"reprocess failed ({process.returncode}):\n{output}")
            return time.time() - started, (output.splitlines() or ["(nothing)"])[-1]

        # The reprocessing alone first, to time the live run during the second one within it.
        solo_seconds, _ = finish(reprocess())
        during_seconds = max(2, int(solo_seconds * 0.8))
        replay = reprocess()
        during = paced(base, workdir, during_seconds, args.connections, args.pause_ms, "during")
        overlapped = replay[0].poll() is None  # still running when the live run ended
        replay_seconds, replay_output = finish(replay)

        print(f"live traffic: wrk -c{args.connections}, {args.pause_ms} ms pause before each request; "
              f"`delaygate inbox reprocess --all` took {solo_seconds:.1f} s alone and {replay_seconds:.1f} s beside the live "
              f"traffic, which ran for the first {during_seconds} s of it{'' if overlapped else ' (and outlasted it: the figures mix in time without it)'}")
        print(f"  reprocess said: {replay_output}")
        print(f"{'live webhooks':<28}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}")
        for name, r in (("(a) alone", alone), ("(b) during the reprocess", during)):
            print(f"{name:<28}{r['rps']:>8.0f}{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}{r['errors'] + r['non2xx']:>9}")
        ratio = during["p99_ms"] / max(alone["p99_ms"], 0.001)
        verdict = "pass" if ratio <= 2 and not (during["errors"] or during["non2xx"]) and overlapped else "miss"
        print(f"p99 during / alone: {ratio:.2f} (bar: 2.0) {verdict}")
        print(f"replay rows={args.rows} reprocess_alone_s={solo_seconds:.1f} reprocess_s={replay_seconds:.1f} alone_p99_ms={alone['p99_ms']:.2f} "
              f"during_p99_ms={during['p99_ms']:.2f} ratio={ratio:.2f} live_rps={during['rps']:.0f} "
              f"non2xx={during['errors'] + during['non2xx']} overlapped={int(overlapped)}")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
