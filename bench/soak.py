"""Soak: a 50-participant room at a steady rate for a long time; does anything keep growing?

    .venv/bin/python bench/soak.py [--minutes 30] [--participants 50] [--ops-per-second 10]

Starts its own Redis, PostgreSQL database (jm_soak, dropped at the end) and two daphnes on
loopback (bench/_servers.py), spreads the participants over them (bench/_client.py), and every
`--sample` seconds prints each daphne's resident memory, the connections to the database
(pg_stat_activity) and to Redis (CLIENT LIST), and the operations acknowledged so far. At the
end it compares the last third of the run with the middle third: memory that still grows there
by more than 10 % does not level off, and the script says so (exit code 1).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._servers import Daphne, Database, Redis, server_env
from bench.faults import build_workshop, db, setup_django


async def soak(args: argparse.Namespace) -> int:
    redis, database = Redis(), Database("jm_soak")
    daphnes: list[Daphne] = []
    clients = []
    samples: list[tuple[float, list[float], int, int, int]] = []
    try:
        # Inside the try: whatever fails to start, what did start is stopped.
        redis.start()
        database.create()
        setup_django(database, redis)
        room = await db(build_workshop)(args.participants, 8)
        env = server_env(database, redis, os.environ["CHANNEL_PREFIX"])
        daphnes = [Daphne("soak-a", env), Daphne("soak-b", env)]
        from bench._client import BenchClient

        for daphne in daphnes:
            daphne.start()
        for n, cookie in enumerate(room["cookies"]):
            port = daphnes[n % 2].port
            client = BenchClient(f"S{n:02d}", port, room["code"], cookie, room["snapshot"])
            client.start()
            clients.append(client)
        start = time.monotonic()
        end = start + args.minutes * 60
        # Each participant acts at ops_per_second / participants, with jitter.
        interval = args.participants / args.ops_per_second
        tasks = [
            asyncio.create_task(participant(c, interval, end, random.Random(c.name)))
            for c in clients
        ]
        print("| t (s) | " + " | ".join(f"{d.name} RSS MiB" for d in daphnes), end="")
        print(" | PG conns | Redis clients | acked | failed |", flush=True)
        while time.monotonic() < end:
            await asyncio.sleep(min(args.sample, max(0.0, end - time.monotonic())))
            rss = [d.rss_mib() for d in daphnes]
            pg = await asyncio.to_thread(database.connection_count)
            rc = await asyncio.to_thread(redis.client_count)
            acked = sum(len(c.acked) for c in clients)
            failed = sum(len(c.failed) for c in clients)
            t = time.monotonic() - start
            samples.append((t, rss, pg, rc, acked))
            cells = " | ".join(f"{r:.1f}" for r in rss)
            print(f"| {t:5.0f} | {cells} | {pg} | {rc} | {acked} | {failed} |", flush=True)
        await asyncio.gather(*tasks, return_exceptions=True)
        # Let the last operations be acknowledged before judging (bounded).
        drain_until = time.monotonic() + 60
        while any(c.outbox for c in clients) and time.monotonic() < drain_until:
            await asyncio.sleep(0.5)
    finally:
        for client in clients:
            await client.stop()
        for daphne in daphnes:
            daphne.stop()
        redis.stop()
        if not args.keep_database:
            database.drop()
    return report(samples, clients)


async def participant(client, interval: float, end: float, rng: random.Random) -> None:
    await asyncio.sleep(rng.uniform(0, interval))
    while time.monotonic() < end:
        await client.heal_gaps()
        notes, stages = list(client.state["touchpoints"]), list(client.state["stages"])
        if rng.random() < 0.6:
            await client.operate(
                "touchpoint.move",
                touchpoint=rng.choice(notes),
                stage=rng.choice(stages),
                index=rng.randint(0, 10),
            )
        else:
            await client.operate(
                "touchpoint.update",
                touchpoint=rng.choice(notes),
                text=f"{client.name} {uuid.uuid4().hex[:8]}",
            )
        await asyncio.sleep(rng.uniform(0.5, 1.5) * interval)


def report(samples: list, clients: list) -> int:
    if len(samples) < 6:
        print("Too few samples to judge growth; run longer.")
        return 0
    third = len(samples) // 3
    middle, last = samples[third : 2 * third], samples[2 * third :]
    growing = []
    for n in range(len(samples[0][1])):
        mid = sum(s[1][n] for s in middle) / len(middle)
        tail = sum(s[1][n] for s in last) / len(last)
        change = (tail - mid) / mid * 100 if mid else 0.0
        print(
            f"daphne {n}: middle third {mid:.1f} MiB, last third {tail:.1f} MiB ({change:+.1f} %)"
        )
        if change > 10:
            growing.append(n)
    for label, index in (("PG connections", 2), ("Redis clients", 3)):
        values = [s[index] for s in samples]
        print(f"{label}: min {min(values)}, max {max(values)}, last {values[-1]}")
    outbox = sum(len(c.outbox) for c in clients)
    print(
        f"acked {sum(len(c.acked) for c in clients)}, failed {sum(len(c.failed) for c in clients)}"
    )
    print(f"still in outboxes at the end (after up to 60 s of draining): {outbox}")
    latencies = sorted(x for c in clients for x in c.latencies)
    if latencies:

        def at(q: float) -> float:
            return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000

        print(
            f"ack latency ms: median {at(0.5):.0f}, p95 {at(0.95):.0f}, max {latencies[-1] * 1000:.0f}"
        )
    slow = [c for c in clients if (c.latencies and max(c.latencies) > 10) or c.outbox]
    for c in slow[:10]:
        worst = max(c.latencies) if c.latencies else 0.0
        print(
            f"  slow client {c.name}@{c.port}: worst ack {worst:.1f} s, {len(c.outbox)} unacked, "
            f"{c.connects} connects, {len(c.other_errors)} other errors"
        )
    if growing:
        print(f"Memory still growing in the last third: daphne {growing}")
        return 1
    print("Memory levels off (last third within 10 % of the middle third).")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--participants", type=int, default=50)
    parser.add_argument("--ops-per-second", type=float, default=10.0)
    parser.add_argument("--sample", type=float, default=30.0, help="seconds between samples")
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args()
    limit = args.minutes * 60 + 300
    return asyncio.run(asyncio.wait_for(soak(args), timeout=limit))


if __name__ == "__main__":
    sys.exit(main())
