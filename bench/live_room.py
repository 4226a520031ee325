"""Live room benchmark: N participants (Python websockets clients) on one workshop, through a
real daphne server, moving notes at a given rate.

For each move rate it prints p50 / p95 / p99 / max latency from a move being sent to its event
arriving at every *other* client, how many broadcasts clients missed (they heal through
`sync`), how many they received twice, and how long after the last move every client had
converged on the server's final revision.

    .venv/bin/python bench/live_room.py                     # embedded default and PG + Redis
    .venv/bin/python bench/live_room.py --backend embedded  # SQLite + in-memory layer only
    .venv/bin/python bench/live_room.py --clients 50 --seconds 5
    .venv/bin/python bench/live_room.py --backend postgres --servers 1   # one daphne only

Each backend runs in its own process with its own database (var/bench_live.sqlite3, or
PostgreSQL database jm_bench_live) and its own daphnes on free ports: one for the embedded
default (its in-memory layer is one process by definition), `--servers` (default 2, one per
core) for PostgreSQL + Redis, the scaled-out deployment of docker-compose.yml, with the clients
dealt round-robin between them. Not a test: it prints.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script, bench/ is on the path, not the project

from bench._servers import Daphne  # noqa: E402

SQLITE = ROOT / "var" / "bench_live.sqlite3"
PG_BASE = "postgres://postgres@127.0.0.1:5432"
PG_NAME = "jm_bench_live"
REDIS = "redis://127.0.0.1:6379/0"
STAGES = 5
NOTES_PER_STAGE = 20
PHASES = [("steady", 10), ("steady", 30), ("burst", 100)]  # (name, moves per second)


# --- the driver: one process per backend ---------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["embedded", "postgres", "both"], default="both")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--servers", type=int, default=2, help="daphnes for PostgreSQL + Redis")
    parser.add_argument("--run", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        setup = prepare_database(args.backend, args.clients)
        servers = 1 if args.backend == "embedded" else args.servers
        rows = asyncio.run(run_backend(args.backend, setup, args.seconds, servers))
        print("ROWS " + json.dumps(rows))
        return
    backends = ["embedded", "postgres"] if args.backend == "both" else [args.backend]
    results = []
    for backend in backends:
        env = backend_env(backend)
        command = [sys.executable, __file__, "--run", "--backend", backend]
        command += ["--clients", str(args.clients), "--seconds", str(args.seconds)]
        command += ["--servers", str(args.servers)]
        done = subprocess.run(
            command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
        )
        lines = [line for line in done.stdout.splitlines() if line.startswith("ROWS ")]
        if done.returncode or not lines:
            print(f"{backend}: failed\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
            continue
        results.extend(json.loads(lines[-1][5:]))
    print_table(results, args.clients)


def backend_env(backend: str) -> dict[str, str]:
    env = {
        **os.environ,
        # Production settings: with DEBUG on, Django records and formats every query, which
        # cost about a tenth of the server's time here.
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-not-used-anywhere-else-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    if backend == "embedded":
        env["DATABASE_URL"] = f"sqlite:///{SQLITE}"
    else:
        env["DATABASE_URL"] = f"{PG_BASE}/{PG_NAME}"
        env["REDIS_URL"] = os.environ.get("REDIS_URL", REDIS)
        env["CHANNEL_PREFIX"] = f"bench-{os.getpid()}"
    return env


def print_table(rows: list[dict], clients: int) -> None:
    print(f"\nLive room: {clients} clients, one workshop, moves sent by random clients\n")
    header = (
        "| backend | daphnes | phase | moves/s | moves | deliveries | p50 ms | p95 ms | p99 ms "
        "| max ms "
        "| missed (healed) | duplicated | unhealed | converged after last move |"
    )
    print(header)
    print("|---" * (header.count("|") - 1) + "|")
    for r in rows:
        print(
            f"| {r['backend']} | {r['servers']} | {r['phase']} | {r['rate']} | {r['moves']} "
            f"| {r['deliveries']} "
            f"| {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | {r['max']:.1f} "
            f"| {r['missed']} | {r['duplicated']} | {r['unhealed']} | {r['converged_ms']:.0f} ms |"
        )


# --- one backend (runs in its own process, settings from the environment) ---------------------


def prepare_database(backend: str, clients: int) -> dict:
    """A fresh database with a map of STAGES x NOTES_PER_STAGE notes and a workshop of
    `clients` participants. Returns what the clients need."""
    if backend == "embedded":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE}{suffix}").unlink(missing_ok=True)
        SQLITE.parent.mkdir(exist_ok=True)
    else:
        import psycopg

        with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{PG_NAME}"')
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "journeymap.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from bench._workshops import seed_workshop

    user = get_user_model().objects.create_user("bench", password="a-long-password-1")  # noqa: S106
    setup = seed_workshop(user, "Bench", clients, STAGES, NOTES_PER_STAGE)
    from django.db import connections

    connections.close_all()
    return setup


@dataclass
class Room:
    sent_at: dict[str, float] = field(default_factory=dict)
    sender: dict[str, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    acked: dict[str, int] = field(default_factory=dict)


@dataclass
class Client:
    index: int
    ws: object
    revision: int = 0
    broadcast: dict[int, int] = field(default_factory=dict)  # revision -> times received
    healed: set[int] = field(default_factory=set)
    reached_at: dict[int, float] = field(default_factory=dict)
    peers: set[str] = field(default_factory=set)  # connections it has heard of (presence)


async def listen(client: Client, room: Room) -> None:
    async for raw in client.ws:
        now = time.perf_counter()
        message = json.loads(raw)
        for one in message["events"] if message["type"] == "events" else [message]:
            take(client, room, one, now)


def take(client: Client, room: Room, message: dict, now: float) -> None:
    kind = message["type"]
    if kind == "event":
        revision = message["revision"]
        client.broadcast[revision] = client.broadcast.get(revision, 0) + 1
        op_id = message.get("op_id")
        if op_id in room.sent_at and room.sender.get(op_id) != client.index:
            room.latencies.append((now - room.sent_at[op_id]) * 1000)
        client.reached_at.setdefault(revision, now)
        client.revision = max(client.revision, revision)
    elif kind == "ack":
        room.acked[message["op_id"]] = message["revision"]
    elif kind == "sync":
        for event in message["events"]:
            client.healed.add(event["revision"])
            client.reached_at.setdefault(event["revision"], now)
            client.revision = max(client.revision, event["revision"])
    elif kind == "hello":
        client.revision = message["revision"]
    elif kind == "presence" and message["op"] in ("join", "here"):
        client.peers.add(message["connection"])


async def run_backend(backend: str, setup: dict, seconds: float, servers: int) -> list[dict]:
    import websockets

    # The child process already runs with this backend's environment (backend_env).
    daphnes = [Daphne(f"live-room-{n}", dict(os.environ)) for n in range(servers)]
    for daphne in daphnes:
        daphne.start()
    rows: list[dict] = []
    try:
        room = Room()
        members: list[Client] = []
        for index, token in enumerate(setup["tokens"]):
            port = daphnes[index % servers].port
            ws = await websockets.connect(
                f"ws://127.0.0.1:{port}/ws/w/{setup['code']}/",
                origin=f"http://127.0.0.1:{port}",
                additional_headers={"Cookie": f"jm_participant_{setup['workshop']}={token}"},
                max_queue=None,
            )
            members.append(Client(index, ws))
        listeners = [asyncio.create_task(listen(c, room)) for c in members]
        await settle(members)
        rng = random.Random(7)
        for phase, rate in PHASES:
            row = await run_phase(backend, phase, rate, seconds, members, room, setup, rng)
            rows.append({**row, "servers": servers})
            print(rows[-1], file=sys.stderr, flush=True)
            await asyncio.sleep(0.5)
        for ws in (c.ws for c in members):
            await ws.close()
        for task in listeners:
            task.cancel()
    finally:
        for daphne in daphnes:
            daphne.stop()
    return rows


async def settle(members: list[Client], limit: float = 60.0) -> None:
    """Wait until every client has heard of every other one: joining sends presence to all
    (N x N messages), and moves measured during that would measure the joining."""
    begin = time.perf_counter()
    while time.perf_counter() - begin < limit:
        if all(len(c.peers) >= len(members) - 1 for c in members):
            break
        await asyncio.sleep(0.05)
    took = time.perf_counter() - begin
    print(f"presence settled in {took:.1f} s", file=sys.stderr, flush=True)
    await asyncio.sleep(0.5)


async def run_phase(backend, phase, rate, seconds, members, room, setup, rng) -> dict:
    room.latencies.clear()
    start_revision = max(c.revision for c in members)
    for client in members:
        client.broadcast.clear()
        client.healed.clear()
        client.reached_at.clear()
    moves = int(rate * seconds)
    op_ids: list[str] = []
    begin = time.perf_counter()
    for n in range(moves):
        # Open loop: moves leave on schedule whether or not the server keeps up.
        delay = begin + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        client = rng.choice(members)
        op_id = f"{phase}-{rate}-{n}"
        message = {
            "type": "touchpoint.move",
            "op_id": op_id,
            "touchpoint": rng.choice(setup["notes"]),
            "stage": rng.choice(setup["stages"]),
            "index": rng.randrange(NOTES_PER_STAGE),
        }
        room.sent_at[op_id] = time.perf_counter()
        room.sender[op_id] = client.index
        op_ids.append(op_id)
        await client.ws.send(json.dumps(message))
    last_sent = time.perf_counter()
    # Wait for every ack, then for the broadcasts to stop arriving (bounded): what has not
    # arrived by then was lost by the channel layer. Then heal the way the browser does, with
    # `sync`, and note when every client holds the final revision.
    deadline = last_sent + 60
    while len([o for o in op_ids if o in room.acked]) < moves and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)
    final = max([room.acked.get(o, start_revision) for o in op_ids] + [start_revision])
    quiet_since = time.perf_counter()
    seen = -1
    while time.perf_counter() < deadline and time.perf_counter() - quiet_since < 1.0:
        total = sum(len(c.broadcast) for c in members)
        if total != seen:
            seen, quiet_since = total, time.perf_counter()
        if all(c.revision >= final and not missing(c, start_revision, final) for c in members):
            break
        await asyncio.sleep(0.02)
    expected = range(start_revision + 1, final + 1)
    missed = sum(1 for c in members for r in expected if r not in c.broadcast)
    for client in members:
        gap = first_gap(client, start_revision, final)
        if gap is not None:
            await client.ws.send(json.dumps({"type": "sync", "since": gap - 1}))
    while time.perf_counter() < deadline:
        if not any(missing(c, start_revision, final) for c in members):
            break
        await asyncio.sleep(0.01)
    converged = max(
        (
            max(c.reached_at.get(r, deadline) for r in range(start_revision + 1, final + 1))
            for c in members
        ),
        default=last_sent,
    )
    duplicated = sum(n - 1 for c in members for n in c.broadcast.values() if n > 1)
    unhealed = sum(
        1 for c in members for r in expected if r not in c.broadcast and r not in c.healed
    )
    lat = sorted(room.latencies) or [0.0]
    return {
        "backend": "SQLite + in-memory" if backend == "embedded" else "PostgreSQL + Redis",
        "phase": phase,
        "rate": rate,
        "moves": moves,
        "deliveries": len(room.latencies),
        "p50": statistics.median(lat),
        "p95": lat[int(0.95 * (len(lat) - 1))],
        "p99": lat[int(0.99 * (len(lat) - 1))],
        "max": lat[-1],
        "missed": missed,
        "duplicated": duplicated,
        "unhealed": unhealed + sum(1 for o in op_ids if o not in room.acked),
        "converged_ms": max(0.0, (converged - last_sent) * 1000),
    }


def missing(client: Client, start: int, final: int) -> bool:
    return first_gap(client, start, final) is not None


def first_gap(client: Client, start: int, final: int) -> int | None:
    for revision in range(start + 1, final + 1):
        if revision not in client.broadcast and revision not in client.healed:
            return revision
    return None


if __name__ == "__main__":
    main()
