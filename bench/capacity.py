"""Capacity: many workshops on one server.

R workshops x N participants (guests with their cookies, each workshop on its own map of
5 stages x 20 notes) connect C at a time to P server processes; then the rooms sit idle; then
every room gets a few note moves a second.

    .venv/bin/python bench/capacity.py --rooms 4 --participants 10          # a small check
    .venv/bin/python bench/capacity.py                                      # 40 x 50, embedded
    .venv/bin/python bench/capacity.py --backend embedded --database postgres
    .venv/bin/python bench/capacity.py --backend postgres --processes 2     # PostgreSQL + Redis
    .venv/bin/python bench/capacity.py --server uvicorn                     # or granian

It prints three tables:

- **connect**: how long each socket took from its attempt to the server's `hello` (median,
  p95, max) and all of them together, and what failed (HTTP status, timeout, close code);
- **idle**: the server processes' resident memory and CPU over `--idle` seconds with every
  socket open, each sending the browser's heartbeat (a `sync` every 10 s, board.js);
- **moves**: `--rate` moves a second in each room for `--seconds`: latency from a move being
  sent to its event arriving at each other member of its room (p50 / p95 / p99 / max),
  broadcasts missed (healed by `sync`), still missing after healing (lost), received twice,
  error answers, sockets the server closed (by close code), and the tracebacks in the
  servers' output (every line starting "Traceback", counted after the clients have left).

Own servers on loopback (bench/_servers.py): with `--backend postgres` a Redis on a free port
and the database jm_bench_capacity (dropped at the end); `--backend embedded` is one process
with the in-memory channel layer on SQLite (var/bench_capacity.sqlite3) or, with
`--database postgres`, on jm_bench_capacity. The clients are one asyncio process (uvloop when
installed), timestamping frames as they arrive: its own CPU is printed too, as a busy client
adds to the latency it measures. Not a test: it prints.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script, bench/ is on the path, not the project

from bench._servers import (  # noqa: E402
    SERVER_KINDS,
    Database,
    Redis,
    Server,
    load_average,
    server_env,
)
from bench._stats import percentile  # noqa: E402

SQLITE = ROOT / "var" / "bench_capacity.sqlite3"
DATABASE = "jm_bench_capacity"
STAGES = 5
NOTES_PER_STAGE = 20
HEARTBEAT = 10.0  # board.js: a sync every 10 s (HEARTBEAT_MS)
ANSWER_SECONDS = 60.0  # after the last move, how long the acks and broadcasts may take
HEAL_SECONDS = 30.0  # then how long healing by sync may take


# --- what the clients keep --------------------------------------------------------------------


@dataclass
class RoomLoad:
    """One workshop under load and the books of its moves."""

    number: int
    setup: dict
    members: list[Member] = field(default_factory=list)
    sent_at: dict[str, float] = field(default_factory=dict)
    sender: dict[str, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    acked: dict[str, int] = field(default_factory=dict)
    refused: Counter[str] = field(default_factory=Counter)


@dataclass
class Member:
    room: RoomLoad
    index: int
    port: int
    ws: Any = None
    revision: int = 0
    broadcast: Counter[int] = field(default_factory=Counter)  # revision -> times received
    healed: set[int] = field(default_factory=set)
    peers: set[str] = field(default_factory=set)  # connections heard of (presence join / here)
    connect_ms: float | None = None
    failure: str | None = None  # why it never connected
    closed_by_server: int | None = None  # the close code, if the server closed it
    leaving: bool = False
    other_errors: Counter[str] = field(default_factory=Counter)


def take(member: Member, message: dict[str, Any], now: float) -> None:
    """One message from the server, on the books of `member` and its room."""
    room, kind = member.room, message.get("type")
    if kind == "event":
        revision = message["revision"]
        member.broadcast[revision] += 1
        op_id = message.get("op_id")
        if op_id in room.sent_at and room.sender[op_id] != member.index:
            room.latencies.append((now - room.sent_at[op_id]) * 1000)
        member.revision = max(member.revision, revision)
    elif kind == "ack":
        room.acked[message["op_id"]] = message.get("revision", 0)
    elif kind == "error":
        op_id = message.get("op_id")
        if op_id in room.sent_at:
            room.refused[message.get("code", "?")] += 1
            room.acked[op_id] = 0
        else:
            member.other_errors[message.get("code", "?")] += 1
    elif kind == "sync":
        for event in message["events"]:
            member.healed.add(event["revision"])
            member.revision = max(member.revision, event["revision"])
    elif kind == "presence" and message.get("op") in ("join", "here"):
        member.peers.add(message["connection"])


async def listen(member: Member) -> None:
    async for raw in member.ws.texts():
        now = time.perf_counter()
        message = json.loads(raw)
        if message.get("type") == "events":
            for one in message["events"]:
                take(member, one, now)
        else:
            take(member, message, now)
    if not member.leaving:
        member.closed_by_server = member.ws.close_code()


# --- the clients' sockets ---------------------------------------------------------------------
# Two websocket clients, as the client's own CPU adds to the latency it measures on a machine it
# shares with the servers (`--client`): aiohttp reads frames in C (about half the CPU per frame
# of websockets, which parses them in Python); websockets is the library the earlier runs used.


class Refused(Exception):
    """The socket did not open: why, for the connect table."""


class WebsocketsSocket:
    def __init__(self, ws: Any) -> None:
        self.ws = ws

    @classmethod
    async def open(cls, url: str, origin: str, cookie: str) -> WebsocketsSocket:
        import websockets

        try:
            return cls(
                await websockets.connect(
                    url,
                    origin=origin,
                    additional_headers={"Cookie": cookie},
                    open_timeout=60,
                    ping_interval=None,  # the app's heartbeat only, as the browser
                    max_queue=None,
                    max_size=2**23,
                )
            )
        except websockets.InvalidStatus as refused:
            raise Refused(f"HTTP {refused.response.status_code}") from refused
        except (TimeoutError, OSError, websockets.InvalidHandshake) as error:
            raise Refused(type(error).__name__) from error

    async def first(self) -> str:
        import websockets

        try:
            return await asyncio.wait_for(self.ws.recv(), 60)
        except websockets.ConnectionClosed as closed:
            raise Refused(f"closed {closed.rcvd.code if closed.rcvd else 1006}") from closed

    async def texts(self) -> Any:
        import websockets

        with contextlib.suppress(websockets.ConnectionClosed):
            async for raw in self.ws:
                yield raw

    def close_code(self) -> int:
        received = self.ws.close_rcvd
        return received.code if received is not None else 1006

    async def send(self, text: str) -> None:
        await self.ws.send(text)

    async def close(self) -> None:
        await self.ws.close()


class AiohttpSocket:
    session: Any = None  # one for all sockets, made on the running loop (connect_all)

    def __init__(self, ws: Any) -> None:
        self.ws = ws

    @classmethod
    async def open(cls, url: str, origin: str, cookie: str) -> AiohttpSocket:
        import aiohttp

        try:
            return cls(
                await cls.session.ws_connect(
                    url,
                    origin=origin,
                    headers={"Cookie": cookie},
                    timeout=aiohttp.ClientWSTimeout(ws_receive=None, ws_close=10),
                    autoping=True,  # answers the server's pings, as a browser does
                    heartbeat=None,  # the app's heartbeat only
                    max_msg_size=2**23,
                )
            )
        except aiohttp.WSServerHandshakeError as refused:
            raise Refused(f"HTTP {refused.status}") from refused
        except (TimeoutError, OSError, aiohttp.ClientError) as error:
            raise Refused(type(error).__name__) from error

    async def first(self) -> str:
        import aiohttp

        message = await asyncio.wait_for(self.ws.receive(), 60)
        if message.type != aiohttp.WSMsgType.TEXT:
            raise Refused(f"closed {self.ws.close_code or 1006}")
        return message.data

    async def texts(self) -> Any:
        import aiohttp

        async for message in self.ws:
            if message.type == aiohttp.WSMsgType.TEXT:
                yield message.data

    def close_code(self) -> int:
        return self.ws.close_code or 1006

    async def send(self, text: str) -> None:
        await self.ws.send_str(text)

    async def close(self) -> None:
        await self.ws.close()


CLIENTS = {"aiohttp": AiohttpSocket, "websockets": WebsocketsSocket}


async def heartbeat(member: Member, every: float) -> None:
    """As board.js: a sync since the revision it holds, every `every` seconds."""
    await asyncio.sleep(random.random() * every)  # browsers were opened at different times
    while not member.leaving and member.closed_by_server is None:
        with contextlib.suppress(Exception):
            await member.ws.send(json.dumps({"type": "sync", "since": member.revision}))
        await asyncio.sleep(every)


async def connect(
    member: Member, gate: asyncio.Semaphore, tasks: list[asyncio.Task], client: Any
) -> None:
    """Open `member`'s socket (at most C at a time) and wait for the server's hello."""
    setup = member.room.setup
    cookie = f"jm_participant_{setup['workshop']}={setup['tokens'][member.index]}"
    async with gate:
        begin = time.perf_counter()
        try:
            member.ws = await client.open(
                f"ws://127.0.0.1:{member.port}/ws/w/{setup['code']}/",
                f"http://127.0.0.1:{member.port}",
                cookie,
            )
            hello = json.loads(await member.ws.first())
        except Refused as refused:
            member.failure = str(refused)
            return
        except TimeoutError:
            member.failure = "TimeoutError"
            return
        member.connect_ms = (time.perf_counter() - begin) * 1000
    if hello.get("type") != "hello":
        member.failure = f"first message {hello.get('type')!r}"
        return
    member.revision = hello["revision"]
    tasks.append(asyncio.create_task(listen(member)))


# --- the phases -------------------------------------------------------------------------------


class CpuClock:
    """CPU % of the servers and of this client process between two points in time."""

    def __init__(self, servers: list[Server]) -> None:
        self.servers = servers
        self.begin = time.perf_counter()
        self.server_cpu = [s.cpu_seconds() for s in servers]
        self.own_cpu = time.process_time()

    def read(self) -> dict[str, Any]:
        wall = time.perf_counter() - self.begin
        used = [s.cpu_seconds() - c for s, c in zip(self.servers, self.server_cpu, strict=True)]
        return {
            "wall_s": wall,
            "server_cpu_s": sum(used),
            "server_cpu": [100 * u / wall for u in used],
            "client_cpu": 100 * (time.process_time() - self.own_cpu) / wall,
        }


async def connect_all(
    rooms: list[RoomLoad], concurrency: int, client: Any
) -> tuple[dict, list[asyncio.Task]]:
    # Round the rooms: the first of each, then the second of each..., as rooms fill at once.
    members = sorted((m for r in rooms for m in r.members), key=lambda m: m.index)
    gate = asyncio.Semaphore(concurrency)
    tasks: list[asyncio.Task] = []
    begin = time.perf_counter()
    await asyncio.gather(*(connect(m, gate, tasks, client) for m in members))
    total = time.perf_counter() - begin
    times = [m.connect_ms for m in members if m.connect_ms is not None]
    failures = Counter(m.failure for m in members if m.failure)
    return {
        "sockets": len(members),
        "connected": len(times),
        "median": percentile(times, 0.5) if times else 0.0,
        "p95": percentile(times, 0.95) if times else 0.0,
        "max": max(times, default=0.0),
        "total_s": total,
        "failed": dict(failures),
    }, tasks


async def settle(rooms: list[RoomLoad], limit: float = 60.0) -> float:
    """Seconds until every member has heard of every other one (presence), at most `limit`."""
    begin = time.perf_counter()
    members = [m for r in rooms for m in r.members if m.connect_ms is not None]
    while time.perf_counter() - begin < limit:
        if all(len(m.peers) >= len(m.room.members) - 1 for m in members):
            break
        await asyncio.sleep(0.1)
    return time.perf_counter() - begin


async def idle(servers: list[Server], seconds: float) -> dict:
    clock = CpuClock(servers)
    await asyncio.sleep(seconds)
    return {**clock.read(), "rss": [s.rss_mib() for s in servers]}


def profile(servers: list[Server], phase: str, seconds: float, into: Path | None) -> list:
    """py-spy on each server for `seconds` (collapsed stacks in `into`/<phase>-<n>.txt), when
    --profile names a folder: where the servers' time goes in that phase. Only the thread
    holding the GIL is sampled: Python's CPU, which the event loop and every thread share."""
    if into is None:
        return []
    into.mkdir(parents=True, exist_ok=True)
    spy = Path(sys.executable).with_name("py-spy")
    return [
        subprocess.Popen(
            [
                *(str(spy), "record", "-p", str(server.pids()[-1]), "-d", str(int(seconds))),
                *("--gil", "-f", "raw", "-r", "50", "-o", str(into / f"{phase}-{n}.txt")),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n, server in enumerate(servers)
    ]


async def moves(rooms: list[RoomLoad], servers: list[Server], rate: float, seconds: float) -> dict:
    """`rate` moves a second in every room for `seconds`, open loop (each leaves on schedule
    whether or not the server keeps up), the rooms' schedules spread over a move's interval."""
    rng = random.Random(15)
    start = {r.number: max((m.revision for m in r.members), default=0) for r in rooms}
    schedule = sorted(
        (n / rate + r.number / (len(rooms) * rate), r)
        for r in rooms
        for n in range(int(rate * seconds))
    )
    clock = CpuClock(servers)
    begin = time.perf_counter()
    for at, room in schedule:
        delay = begin + at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        alive = [m for m in room.members if m.ws is not None and m.closed_by_server is None]
        if not alive:
            continue
        member = rng.choice(alive)
        op_id = f"m{room.number}-{len(room.sent_at)}"
        message = {
            "type": "touchpoint.move",
            "op_id": op_id,
            "touchpoint": rng.choice(room.setup["notes"]),
            "stage": rng.choice(room.setup["stages"]),
            "index": rng.randrange(NOTES_PER_STAGE),
        }
        room.sent_at[op_id] = time.perf_counter()
        room.sender[op_id] = member.index
        with contextlib.suppress(Exception):
            await member.ws.send(json.dumps(message))
    sent_for = time.perf_counter() - begin
    sent = sum(len(r.sent_at) for r in rooms)
    deadline = time.perf_counter() + ANSWER_SECONDS
    while sum(len(r.acked) for r in rooms) < sent and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    final = {r.number: max([start[r.number], *r.acked.values()]) for r in rooms}
    await quiet(rooms, start, final, deadline)
    missed = sum(len(gaps(m, start, final)) for r in rooms for m in open_members(r))
    await heal(rooms, start, final, time.perf_counter() + HEAL_SECONDS)
    cpu = clock.read()  # the moves, their deliveries and their healing: CPU per move
    latencies = [x for r in rooms for x in r.latencies] or [0.0]
    return {
        "rooms": len(rooms),
        "rate": rate,
        "moves": sent,
        "moves_per_s": sent / sent_for if sent_for else 0.0,
        "acked": sum(1 for r in rooms for o in r.sent_at if r.acked.get(o)),
        "refused": dict(sum((r.refused for r in rooms), Counter())),
        "unanswered": sum(1 for r in rooms for o in r.sent_at if o not in r.acked),
        "deliveries": len(latencies),
        "p50": percentile(latencies, 0.5),
        "p95": percentile(latencies, 0.95),
        "p99": percentile(latencies, 0.99),
        "max": max(latencies),
        "missed": missed,
        "lost": sum(len(unhealed(m, start, final)) for r in rooms for m in open_members(r)),
        "duplicated": sum(
            n - 1 for r in rooms for m in r.members for n in m.broadcast.values() if n > 1
        ),
        **cpu,
    }


async def heal(rooms: list[RoomLoad], start, final, deadline: float) -> None:
    """As the browser: a member missing revisions asks for them (`sync` since the first one
    missing), again every 2 s while some are still missing (an answer may say `more`)."""
    while time.perf_counter() < deadline:
        behind = [m for r in rooms for m in open_members(r) if unhealed(m, start, final)]
        if not behind:
            return
        for member in behind:
            since = min(unhealed(member, start, final)) - 1
            with contextlib.suppress(Exception):
                await member.ws.send(json.dumps({"type": "sync", "since": since}))
        asked = time.perf_counter()
        while time.perf_counter() - asked < 2 and time.perf_counter() < deadline:
            if not any(unhealed(m, start, final) for m in behind):
                break
            await asyncio.sleep(0.05)


def open_members(room: RoomLoad) -> list[Member]:
    return [m for m in room.members if m.connect_ms is not None and m.closed_by_server is None]


def gaps(member: Member, start: dict[int, int], final: dict[int, int]) -> set[int]:
    """Revisions of the phase this member has not received by broadcast."""
    number = member.room.number
    return {r for r in range(start[number] + 1, final[number] + 1) if r not in member.broadcast}


def unhealed(member: Member, start: dict[int, int], final: dict[int, int]) -> set[int]:
    return {r for r in gaps(member, start, final) if r not in member.healed}


async def quiet(rooms, start, final, deadline: float) -> None:
    """Wait for broadcasts to stop arriving (1 s without one), or for every member to hold
    every revision: what has not arrived by then the layer lost."""
    seen, quiet_since = -1, time.perf_counter()
    while time.perf_counter() < deadline and time.perf_counter() - quiet_since < 1.0:
        total = sum(sum(m.broadcast.values()) for r in rooms for m in r.members)
        if total != seen:
            seen, quiet_since = total, time.perf_counter()
        if not any(gaps(m, start, final) for r in rooms for m in open_members(r)):
            return
        await asyncio.sleep(0.05)


# --- setup and the run ------------------------------------------------------------------------


def prepare(args: argparse.Namespace) -> tuple[Database | None, list[dict]]:
    """A fresh database with the rooms' maps, workshops and participants."""
    database = None
    if args.backend == "postgres" or args.database == "postgres":
        database = Database(DATABASE)
        database.create()
        os.environ["DATABASE_URL"] = database.url
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE}{suffix}").unlink(missing_ok=True)
        SQLITE.parent.mkdir(exist_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE}"
    os.environ.pop("REDIS_URL", None)  # the setup publishes nothing anyone hears
    os.environ.update({"DJANGO_SETTINGS_MODULE": "journeymap.settings", "DEBUG": "0"})
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret-" + "x" * 40)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connections

    from bench._workshops import seed_workshop

    if database is None:
        call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("bench", password="a-long-password-1")  # noqa: S106
    setups = [
        seed_workshop(user, f"Room {n}", args.participants, STAGES, NOTES_PER_STAGE, bulk=True)
        for n in range(args.rooms)
    ]
    connections.close_all()
    return database, setups


async def run(args: argparse.Namespace, servers: list[Server], setups: list[dict]) -> dict:
    rooms = [RoomLoad(n, setup) for n, setup in enumerate(setups)]
    for room in rooms:
        room.members = [
            Member(room, index, servers[(room.number + index) % len(servers)].port)
            for index in range(len(room.setup["tokens"]))
        ]
    result: dict[str, Any] = {"load": load_average()}
    client = CLIENTS[args.client]
    if client is AiohttpSocket:
        import aiohttp

        AiohttpSocket.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0), cookie_jar=aiohttp.DummyCookieJar()
        )
    connecting = profile(servers, "connect", 20, args.profile)  # the first 20 s of joins
    result["connect"], listeners = await connect_all(rooms, args.concurrency, client)
    for spy in connecting:
        spy.wait()
    print(f"connected: {result['connect']}", file=sys.stderr, flush=True)
    result["settled_s"] = await settle(rooms)
    members = [m for r in rooms for m in r.members if m.ws is not None and m.failure is None]
    beats = (
        [asyncio.create_task(heartbeat(m, args.heartbeat)) for m in members]
        if args.heartbeat
        else []
    )
    spies = profile(servers, "idle", args.idle, args.profile)
    result["idle"] = await idle(servers, args.idle)
    print(f"idle: {result['idle']}", file=sys.stderr, flush=True)
    moving = rooms[: args.moving_rooms or len(rooms)]
    spies += profile(servers, "moves", args.seconds, args.profile)
    result["moves"] = await moves(moving, servers, args.rate, args.seconds)
    for spy in spies:
        spy.wait()
    print(f"moves: {result['moves']}", file=sys.stderr, flush=True)
    result["closed_by_server"] = dict(
        Counter(m.closed_by_server for m in members if m.closed_by_server is not None)
    )
    result["other_errors"] = dict(sum((m.other_errors for m in members), Counter()))
    for member in members:
        member.leaving = True
    for task in beats:
        task.cancel()
    await asyncio.gather(*(m.ws.close() for m in members), return_exceptions=True)
    await asyncio.gather(*listeners, return_exceptions=True)
    await asyncio.sleep(2)  # what the servers do as 2,000 sockets leave
    result["tracebacks"] = sum(s.tracebacks() for s in servers)
    result["trouble"] = sum(s.trouble_reports() for s in servers)
    if AiohttpSocket.session is not None:
        await AiohttpSocket.session.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["embedded", "postgres"], default="embedded")
    parser.add_argument(
        "--database",
        choices=["sqlite", "postgres"],
        default="sqlite",
        help="the embedded mode's database",
    )
    parser.add_argument("--processes", type=int, default=1, help="servers (postgres only)")
    parser.add_argument("--server", choices=SERVER_KINDS, default="daphne")
    parser.add_argument("--client", choices=sorted(CLIENTS), default="aiohttp")
    parser.add_argument("--rooms", type=int, default=40)
    parser.add_argument("--participants", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=50, help="sockets connecting at once")
    parser.add_argument("--idle", type=float, default=10.0, help="seconds idle")
    parser.add_argument("--heartbeat", type=float, default=HEARTBEAT, help="0: none")
    parser.add_argument("--rate", type=float, default=5.0, help="moves a second per room")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--moving-rooms", type=int, default=0, help="0: every room")
    parser.add_argument("--profile", type=Path, help="a folder for py-spy's stacks (bench extra)")
    args = parser.parse_args()
    processes = args.processes if args.backend == "postgres" else 1
    database, setups = prepare(args)
    redis = Redis() if args.backend == "postgres" else None
    servers: list[Server] = []
    try:
        if redis is not None:
            redis.start()
        env = server_env(database or Database(DATABASE), redis, f"capacity-{os.getpid()}")
        env["DATABASE_URL"] = os.environ["DATABASE_URL"]  # SQLite: the file made above
        env["LOG_LEVEL"] = "WARNING"
        for n in range(processes):
            server = Server(f"capacity-{args.backend}-{args.server}-{n}", env, args.server)
            server.log_path.unlink(missing_ok=True)
            servers.append(server)
            server.start()
        loop_factory = None
        with contextlib.suppress(ImportError):
            import uvloop

            loop_factory = uvloop.new_event_loop
        with asyncio.Runner(loop_factory=loop_factory) as runner:
            result = runner.run(run(args, servers, setups))
        result["redis_clients"] = redis.client_count() if redis is not None else None
    finally:
        for server in servers:
            server.stop()
        if redis is not None:
            redis.stop()
        if database is not None:
            from django.db import connections

            connections.close_all()
            database.drop()
    print_tables(args, processes, result)


def above_idle(r: dict) -> float:
    """Server CPU ms per move less what the heartbeats cost meanwhile (the idle phase's rate
    over the move phase's time): the moves' own cost, however long they took to answer."""
    m, idle_rate = r["moves"], sum(r["idle"]["server_cpu"]) / 100
    return 1000 * (m["server_cpu_s"] - idle_rate * m["wall_s"]) / max(1, m["moves"])


def print_tables(args: argparse.Namespace, processes: int, r: dict) -> None:
    mode = (
        "PostgreSQL + Redis"
        if args.backend == "postgres"
        else (f"embedded ({'PostgreSQL' if args.database == 'postgres' else 'SQLite'})")
    )
    print(
        f"\nCapacity: {args.rooms} workshops x {args.participants} participants, {mode}, "
        f"{processes} x {args.server}, {args.concurrency} connecting at a time, "
        f"{args.client} client; "
        f"load average at the start {r['load']}\n"
    )
    c = r["connect"]
    print(
        "| sockets | connected | connect p50 ms | p95 ms | max ms | all connected in s | failed |"
    )
    print("|---:|---:|---:|---:|---:|---:|---|")
    failed = ", ".join(f"{k}: {v}" for k, v in c["failed"].items()) or "0"
    print(
        f"| {c['sockets']} | {c['connected']} | {c['median']:.0f} | {c['p95']:.0f} "
        f"| {c['max']:.0f} | {c['total_s']:.1f} | {failed} |"
    )
    i = r["idle"]
    print(
        f"\nIdle {args.idle:.0f} s (heartbeat every {args.heartbeat:.0f} s; presence settled "
        f"in {r['settled_s']:.1f} s)\n"
    )
    print("| process | RSS MiB | CPU % |")
    print("|---|---:|---:|")
    for n, (rss, cpu) in enumerate(zip(i["rss"], i["server_cpu"], strict=True)):
        print(f"| {args.server} {n} | {rss:.0f} | {cpu:.1f} |")
    print(f"| client | | {i['client_cpu']:.1f} |")
    if r["redis_clients"] is not None:
        print(f"\nRedis connections at the end: {r['redis_clients']}")
    m = r["moves"]
    print(f"\nMoves: {m['rooms']} rooms x {m['rate']:g} moves/s for {args.seconds:g} s\n")
    print(
        "| moves | sent/s | deliveries | p50 ms | p95 ms | p99 ms | max ms | missed (healed) "
        "| lost | duplicated | refused | unanswered | server CPU % | CPU ms/move "
        "| above idle | client CPU % |"
    )
    print("|---:" * 16 + "|")
    refused = ", ".join(f"{k}: {v}" for k, v in m["refused"].items()) or "0"
    cpu = " + ".join(f"{x:.0f}" for x in m["server_cpu"])
    print(
        f"| {m['moves']} | {m['moves_per_s']:.0f} | {m['deliveries']} | {m['p50']:.1f} "
        f"| {m['p95']:.1f} | {m['p99']:.1f} | {m['max']:.1f} | {m['missed']} | {m['lost']} "
        f"| {m['duplicated']} | {refused} | {m['unanswered']} | {cpu} "
        f"| {1000 * m['server_cpu_s'] / max(1, m['moves']):.1f} | {above_idle(r):.1f} "
        f"| {m['client_cpu']:.0f} |"
    )
    closed = ", ".join(f"{k}: {v}" for k, v in r["closed_by_server"].items()) or "0"
    others = ", ".join(f"{k}: {v}" for k, v in r["other_errors"].items()) or "0"
    print(
        f"\nSockets closed by the server: {closed}. Other errors: {others}. "
        f"Tracebacks in the servers' output: {r['tracebacks']}; trouble reports: {r['trouble']}."
    )


if __name__ == "__main__":
    main()
