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

With --outbox it replays the outbox instead: it stores 2 x N dead deliveries of a generic-http
adapter (default concurrency 8) to the outbox benchmark's mock receiver, run in its own process,
and (b) becomes `delaygate outbox replay --all-dead [--rate R]` with the gateway delivering what
it put back; the replay counts as done once every row is delivered.

It prints both latencies, their ratio, how long the replay took and how many rows it did, and
checks that every live request was answered 2xx. The last line is machine-readable.

Usage:
    python3 Benchmarks/replay.py [--rows 100000] [--duration 10] [--connections 8] [--pause-ms 20] [--hold-ms N]
    python3 Benchmarks/replay.py --outbox [--rate R] [--rows 100000] ...

Needs wrk (apt-get install -y wrk) and a release build, which it makes if missing.
"""
import argparse
import os
import select
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


def live_bodies(workdir, duration, connections, pause_ms, tag):
    """Writes enough unique signed bodies for a paced run of `duration` seconds; returns the file."""
    bodies = os.path.join(workdir, f"live-{tag}.txt")
    make_bodies(bodies, max(2000, int(connections * 1000 / max(pause_ms, 1) * (duration + 2) * 1.5)), tag, fresh=True)
    return bodies


def paced(base, workdir, duration, connections, pause_ms, bodies):
    return wrk(base + "/webhooks/bench", duration, connections, LUA_PACED, workdir, [bodies, str(pause_ms)])


def start_receiver(binary):
    """The outbox benchmark's mock receiver in its own process; returns it and its base URL."""
    build_release(binary)
    receiver = subprocess.Popen([binary, "--receiver-only"], stdout=subprocess.PIPE, text=True)
    ready, _, _ = select.select([receiver.stdout], [], [], 60)
    base = receiver.stdout.readline().strip() if ready else ""
    if not base.startswith("http://"):
        receiver.kill()
        receiver.wait()
        sys.exit(f"the mock receiver did not start within 60 s (it said {base!r})")
    return receiver, base


def seed_dead(database, receiver_base, rows, group):
    """Stores `rows` dead deliveries of the `hook` adapter to the receiver, as after an outage."""
    now = int(time.time() * 1000)
    url = receiver_base + "/hooks/alerts"

    def delivery(i):
        key = f"{group}:{i}"
        body = f'{{"key":"{key}","level":"warning","text":"your parcel may be delayed 1-2 days"}}'
        request = f"POST {url}\nContent-Type: application/json\nIdempotency-Key: {key}\n\n{body}"
        return (key, f"replay-{group}", "hook", request, "dead", 8, now, 503, "gave up after 8 attempts", now, now)

    with sqlite3.connect(database, timeout=30) as db:
        db.executemany(
            "INSERT INTO outbox (idempotency_key, action, adapter, request, state, attempts, next_attempt_at, "
            "last_status, last_error, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (delivery(i) for i in range(rows)))


def wait_delivered(database, group, rows, timeout=3600):
    """Polls the database until every replayed delivery of `group` is delivered; returns how many.

    A replayed delivery that dies again fails the run at once: the receiver answers every
    request, so a dead letter means the replay itself went wrong."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        with sqlite3.connect(database, timeout=30) as db:
            delivered, dead = db.execute(
                "SELECT SUM(state = 'delivered'), SUM(state = 'dead') FROM outbox WHERE action = ?",
                (f"replay-{group}",)).fetchone()
        if dead:
            sys.exit(f"{dead} replayed deliveries of {group} died again (see `delaygate outbox list --state dead`)")
        if (delivered or 0) >= rows:
            return delivered
        time.sleep(0.2)
    sys.exit(f"the replayed deliveries of {group} were not delivered within {timeout} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows to replay (default 100000)")
    parser.add_argument("--outbox", action="store_true",
                        help="replay dead outbox deliveries (`delaygate outbox replay --all-dead`) instead of the inbox")
    parser.add_argument("--rate", type=float,
                        help="with --outbox: the replay's --rate (default: its own default)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of the live run alone (default 10)")
    parser.add_argument("--connections", type=int, default=8, help="live connections (default 8)")
    parser.add_argument("--pause-ms", type=int, default=20, help="pause before each live request (default 20)")
    parser.add_argument("--hold-ms", type=int, help="the inbox reprocess's --hold-ms (default: its own default)")
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "delaygate"))
    parser.add_argument("--receiver-binary", default=os.path.join(ROOT, ".build", "release", "outbox-benchmark"),
                        help="with --outbox: the binary whose --receiver-only mode is the mock receiver")
    args = parser.parse_args()
    args.binary = os.path.abspath(args.binary)  # the gateway runs in a temporary folder
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")
    build_release(args.binary)

    workdir = tempfile.mkdtemp(prefix="delaygate-replay-")
    receiver = process = None
    children = []
    try:
        if args.outbox:
            receiver, receiver_base = start_receiver(args.receiver_binary)
            os.makedirs(os.path.join(workdir, "adapters", "outbound"), exist_ok=True)
            with open(os.path.join(workdir, "adapters", "outbound", "hook.yaml"), "w") as f:
                f.write(f"kind: generic-http\nurl: {receiver_base}/hooks/alerts\n")  # default concurrency
            # Every channel to the receiver: the dispatcher runs. The live scans are dated now and
            # raise no alert, so the replayed rows are all it delivers.
            with open(os.path.join(workdir, "actions.yaml"), "w") as f:
                f.write("channels: {sms: hook, push: hook, helpdesk: hook, voice: hook, erp: hook}\n"
                        "tracking_link: \"https://track.example.com/{{carrier}}/{{tracking_number}}\"\n"
                        f"templates_dir: {os.path.join(ROOT, 'config', 'templates')}\n")
        port = free_port()
        process = start_gateway(args.binary, workdir, port, 1024,
                                os.path.join(workdir, "actions.yaml") if args.outbox else None)
        base = f"http://127.0.0.1:{port}"
        database = os.path.join(workdir, "bench.sqlite")
        config = os.path.join(workdir, "gateway.yaml")
        env = dict(os.environ, BENCH_SECRET=SECRET)
        started = time.time()
        if args.outbox:
            print(f"storing 2 x {args.rows} dead outbox deliveries...", file=sys.stderr)
            seed_dead(database, receiver_base, args.rows, "solo")
            seed_dead(database, receiver_base, args.rows, "live")
            # The second group waits as delivered until the first is done.
            with sqlite3.connect(database, timeout=30) as db:
                db.execute("UPDATE outbox SET state = 'delivered' WHERE action = 'replay-live'")
        else:
            print(f"seeding {args.rows} inbox rows over HTTP...", file=sys.stderr)
            seed(base, workdir, database, args.rows)
        print(f"  done in {time.time() - started:.0f} s", file=sys.stderr)
        paced(base, workdir, 2, args.connections, args.pause_ms,
              live_bodies(workdir, 2, args.connections, args.pause_ms, "warm"))  # warm-up

        alone = paced(base, workdir, args.duration, args.connections, args.pause_ms,
                      live_bodies(workdir, args.duration, args.connections, args.pause_ms, "alone"))

        if args.outbox:
            command = ["outbox", "replay", "--all-dead", "--config", config] + (
                ["--rate", str(args.rate)] if args.rate else [])
        else:
            command = ["inbox", "reprocess", "--all", "--config", config] + (
                ["--hold-ms", str(args.hold_ms)] if args.hold_ms else [])
        what = "`delaygate " + " ".join(c for c in command if c not in ("--config", config)) + "`"

        def replay():
            log_path = os.path.join(workdir, "replay.log")
            log = open(log_path, "w")
            child = subprocess.Popen([args.binary] + command, env=env, stdout=log, stderr=subprocess.STDOUT,
                                     cwd=workdir)
            children.append(child)
            return child, log, log_path, time.time()

        def finish(started_replay, group):
            child, log, log_path, started = started_replay
            child.wait(timeout=3600)
            log.close()
            with open(log_path) as f:
                output = f.read().strip()
            if child.returncode != 0:
                sys.exit(f"{what} failed ({child.returncode}):\n{output}")
            if args.outbox:  # the command only queues them: done once the gateway delivered them
                delivered = wait_delivered(database, group, args.rows)
                output += f"; the gateway delivered all {delivered}, none dead"
            return time.time() - started, (output.splitlines() or ["(nothing)"])[-1]

        # The replay alone first, to time the live run during the second one within it.
        solo_seconds, _ = finish(replay(), "solo")
        if args.outbox:
            with sqlite3.connect(database, timeout=30) as db:
                db.execute("UPDATE outbox SET state = 'dead' WHERE action = 'replay-live'")
        during_seconds = max(2, int(solo_seconds * 0.8))
        bodies = live_bodies(workdir, during_seconds, args.connections, args.pause_ms, "during")
        started_replay = replay()
        during = paced(base, workdir, during_seconds, args.connections, args.pause_ms, bodies)
        # Still running (or, for the outbox, still delivering) when the live run ended?
        if args.outbox:
            with sqlite3.connect(database, timeout=30) as db:
                left = db.execute("SELECT COUNT(*) FROM outbox WHERE action = 'replay-live' AND state != 'delivered'"
                                  ).fetchone()[0]
            overlapped = left > 0
        else:
            overlapped = started_replay[0].poll() is None
        replay_seconds, replay_output = finish(started_replay, "live")

        print(f"live traffic: wrk -c{args.connections}, {args.pause_ms} ms pause before each request; "
              f"{what} took {solo_seconds:.1f} s alone and {replay_seconds:.1f} s beside the live "
              f"traffic, which ran for the first {during_seconds} s of it"
              f"{'' if overlapped else ' (and outlasted it: the figures mix in time without it)'}")
        print(f"  it said: {replay_output}")
        print(f"{'live webhooks':<28}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}")
        for name, r in (("(a) alone", alone), ("(b) during the replay", during)):
            print(f"{name:<28}{r['rps']:>8.0f}{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}{r['errors'] + r['non2xx']:>9}")
        ratio = during["p99_ms"] / max(alone["p99_ms"], 0.001)
        failed = sum(r["errors"] + r["non2xx"] for r in (alone, during))
        verdict = "pass" if ratio <= 2 and not failed and overlapped else "miss"
        print(f"p99 during / alone: {ratio:.2f} (bar: 2.0) {verdict}")
        print(f"replay kind={'outbox' if args.outbox else 'inbox'} rows={args.rows} "
              f"reprocess_alone_s={solo_seconds:.1f} reprocess_s={replay_seconds:.1f} "
              f"alone_p99_ms={alone['p99_ms']:.2f} during_p99_ms={during['p99_ms']:.2f} ratio={ratio:.2f} "
              f"live_rps={during['rps']:.0f} non2xx={failed} overlapped={int(overlapped)}")
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
        if process:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
        if receiver:
            receiver.kill()
            receiver.wait()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
