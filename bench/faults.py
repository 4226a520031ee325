"""Fault run: does a live workshop survive what real networks and servers do?

    .venv/bin/python bench/faults.py [--participants 20] [--seconds-per-fault 8]

Starts its own Redis (free port), its own PostgreSQL database (jm_faults, dropped at the end)
and two daphne processes, all on loopback. 20 simulated participants (bench/_client.py: outbox,
resend with the same op_id, sync since the last revision) are spread over both daphnes and move,
edit and add notes while the script, in turn:

  a) kills one daphne with SIGKILL and starts it again
  b) restarts Redis (channel layer and cache: all group memberships are lost)
  c) terminates every PostgreSQL connection of the database (pg_terminate_backend), three times
  d) drops clients mid-drag (no close frame, move unacknowledged) and brings them back
  e) sends 10 simultaneous moves of one note from 10 participants

After each fault the load stops and the script checks: every acknowledged operation is in the
database exactly once and on every client; an operation never acknowledged was either applied
once or reported failed to its sender; every client's board equals the database's. It prints
one row per fault and exits non-zero if anything was lost or duplicated. Bounded: every wait
has a deadline, and all processes it started are stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._servers import Daphne, Database, Redis, server_env

CONVERGE_DEADLINE = 60.0
# How long the probe note may take to reach everyone by broadcast alone (no sync asked).
PROBE_DEADLINE = 15.0


@dataclass
class Row:
    fault: str
    sent: int
    acked: int
    failed: int
    lost: int
    duplicated: int
    converge_s: float | None
    notes: str = ""


def setup_django(database: Database, redis: Redis) -> None:
    os.environ.update(
        DATABASE_URL=database.url,
        REDIS_URL=redis.url,
        DEBUG="1",
        DJANGO_SETTINGS_MODULE="journeymap.settings",
        CHANNEL_PREFIX=f"faults-{uuid.uuid4().hex[:6]}",
    )
    import django

    django.setup()


def db(fn: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    """Run ORM work in a thread with a fresh connection (ours may have been terminated)."""

    async def run(*args: Any) -> Any:
        def fresh() -> Any:
            from django.db import connections

            connections.close_all()
            try:
                return fn(*args)
            finally:
                connections.close_all()

        return await asyncio.to_thread(fresh)

    return run


def build_workshop(participants: int, notes_per_stage: int) -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    from maps import operations as ops
    from maps.serializers import map_snapshot
    from workshops.access import cookie_name
    from workshops.operations import join_workshop, open_workshop

    user = get_user_model().objects.create_user("facilitator", password="bench-password-1")  # noqa: S106
    actor = ops.Actor.for_user(user)
    journey_map = ops.create_map(
        actor, title="Fault run", stage_names=["Discover", "Sign up", "Onboard", "Use", "Renew"]
    )
    for stage in journey_map.stages.all():
        for n in range(notes_per_stage):
            ops.add_touchpoint(actor, journey_map, stage=stage.pk, text=f"{stage.name} {n}")
    workshop = open_workshop(user, journey_map, title="Fault run")
    cookies = []
    for n in range(participants):
        member = join_workshop(workshop, display_name=f"P{n:02d}")
        cookies.append(f"{cookie_name(workshop)}={member.token}")
    journey_map.refresh_from_db()
    return {
        "map_id": journey_map.pk,
        "code": workshop.join_code,
        "cookies": cookies,
        "snapshot": map_snapshot(journey_map),
    }


@db
def database_truth(map_id: int, op_ids: list[str]) -> dict[str, Any]:
    from django.db.models import Count

    from maps.models import JourneyMap, MapEvent, Touchpoint
    from maps.serializers import map_snapshot
    from tests.workshops.live_client import state_from_snapshot

    counts = dict(
        MapEvent.objects.filter(map_id=map_id, op_id__in=op_ids)
        .values_list("op_id")
        .annotate(n=Count("id"))
        .values_list("op_id", "n")
    )
    # An add applied twice under two op_ids would be two notes with the same text: each added
    # note's text carries its op_id, so count them too.
    texts = count_each(
        Touchpoint.objects.filter(map_id=map_id, text__startswith="add ").values_list(
            "text", flat=True
        )
    )
    snapshot = map_snapshot(JourneyMap.objects.get(pk=map_id))
    return {"counts": counts, "texts": texts, "state": state_from_snapshot(snapshot)}


def count_each(values: Any) -> dict[str, int]:
    result: dict[str, int] = {}
    for value in values:
        result[value] = result.get(value, 0) + 1
    return result


class Run:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.redis = Redis()
        self.database = Database("jm_faults")
        self.daphnes: list[Daphne] = []
        self.clients: list[Any] = []
        self.loading = False
        self.rows: list[Row] = []
        self.rng = random.Random(7)
        self.map_id = 0

    # --- set up and tear down ---------------------------------------------------------------

    async def setup(self) -> None:
        self.redis.start()
        self.database.create()
        setup_django(self.database, self.redis)
        room = await db(build_workshop)(self.args.participants, 6)
        self.map_id = room["map_id"]
        env = server_env(self.database, self.redis, os.environ["CHANNEL_PREFIX"])
        self.daphnes = [Daphne("faults-a", env), Daphne("faults-b", env)]
        for daphne in self.daphnes:
            daphne.start()
        from bench._client import BenchClient

        for n, cookie in enumerate(room["cookies"]):
            port = self.daphnes[n % 2].port
            client = BenchClient(f"P{n:02d}", port, room["code"], cookie, room["snapshot"])
            client.start()
            self.clients.append(client)
        await self.wait_all_connected(30)

    async def teardown(self) -> None:
        for client in self.clients:
            await client.stop()
        for daphne in self.daphnes:
            daphne.stop()
        self.redis.stop()
        if not self.args.keep_database:
            self.database.drop()

    async def wait_all_connected(self, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if all(c.connected.is_set() for c in self.clients):
                return True
            await asyncio.sleep(0.1)
        return False

    # --- load -------------------------------------------------------------------------------

    async def participant_load(self, client: Any) -> None:
        """About one operation a second: moves, text edits and new notes."""
        rng = random.Random(client.name)
        while True:
            await asyncio.sleep(rng.uniform(0.5, 1.5))
            await client.heal_gaps()
            if not self.loading:
                continue
            await self.random_operation(client, rng)

    async def random_operation(self, client: Any, rng: random.Random) -> str:
        notes = list(client.state["touchpoints"])
        stages = list(client.state["stages"])
        roll = rng.random()
        if roll < 0.5 and notes:
            return await client.operate(
                "touchpoint.move",
                touchpoint=rng.choice(notes),
                stage=rng.choice(stages),
                index=rng.randint(0, 8),
            )
        if roll < 0.8 and notes:
            return await client.operate(
                "touchpoint.update",
                touchpoint=rng.choice(notes),
                text=f"{client.name} says {rng.randint(0, 10**6)}",
            )
        op_id_hint = uuid.uuid4().hex[:10]
        return await client.operate(
            "touchpoint.add", stage=rng.choice(stages), text=f"add {client.name} {op_id_hint}"
        )

    # --- faults -------------------------------------------------------------------------------

    async def fault_kill_daphne(self) -> str:
        victim = self.daphnes[1]
        victim.kill()
        await asyncio.sleep(2)
        await asyncio.to_thread(victim.start)
        return f"daphne {victim.name} SIGKILLed, down 2 s"

    async def fault_restart_redis(self) -> str:
        self.redis.stop()
        await asyncio.sleep(2)
        await asyncio.to_thread(self.redis.start)
        return "redis down 2 s, restarted empty"

    async def fault_terminate_db(self) -> str:
        ended = 0
        for _ in range(3):
            ended += await asyncio.to_thread(self.database.terminate_backends)
            await asyncio.sleep(0.7)
        return f"{ended} backends terminated"

    async def fault_drop_mid_drag(self) -> str:
        victims = self.rng.sample(self.clients, 6)
        for client in victims:
            note = self.rng.choice(list(client.state["touchpoints"]))
            stage = self.rng.choice(list(client.state["stages"]))
            await client.send({"type": "focus", "touchpoint": note, "activity": "dragging"})
            for index in range(3):
                await client.send(
                    {"type": "drag", "touchpoint": note, "stage": stage, "index": index}
                )
                await asyncio.sleep(0.12)
            await client.operate("touchpoint.move", touchpoint=note, stage=stage, index=2)
            client.drop()  # gone before the ack: the move is resent on reconnect
        return f"{len(victims)} clients dropped mid-drag"

    async def fault_simultaneous_moves(self) -> str:
        movers = self.clients[:10]
        note = sorted(movers[0].state["touchpoints"])[0]
        stages = list(movers[0].state["stages"])
        await asyncio.gather(
            *(
                c.operate("touchpoint.move", touchpoint=note, stage=stages[n % 5], index=n % 3)
                for n, c in enumerate(movers)
            )
        )
        return f"10 moves of note {note}"

    # --- checking -------------------------------------------------------------------------

    async def converge(self) -> float | None:
        """Seconds until every client is connected, has no outbox and shows the DB's board."""
        from bench._client import board_view

        start = time.monotonic()
        deadline = start + CONVERGE_DEADLINE
        while time.monotonic() < deadline:
            if all(c.connected.is_set() and not c.outbox for c in self.clients):
                truth = await database_truth(self.map_id, [])
                want = board_view(truth["state"])
                behind = [c for c in self.clients if board_view(c.state) != want]
                if not behind:
                    return time.monotonic() - start
                now = time.monotonic()
                for client in behind:
                    if client.state["revision"] >= want["revision"] and not client.pending:
                        # Same revision, different board: a real divergence, not lag.
                        client.diverged = True
                    # At most one sync per client every 2 s: more would pile up on the server.
                    if now - getattr(client, "asked_at", 0.0) > 2.0:
                        client.asked_at = now
                        await client.sync()
            await asyncio.sleep(0.3)
        return None

    async def probe(self) -> int:
        """Is the room live again? One note added; how many others get its broadcast (no
        sync asked) within PROBE_DEADLINE. A server that lost its channel-layer groups scores
        0 (or reaches them only through the pong's revision, within a ping interval)."""
        sender = self.clients[0]
        op_id = await sender.operate(
            "touchpoint.add",
            stage=next(iter(sender.state["stages"])),
            text=f"add probe {uuid.uuid4().hex[:8]}",
        )
        others = self.clients[1:]
        start = time.monotonic()
        while time.monotonic() < start + PROBE_DEADLINE:
            if all(op_id in c.applied_ops for c in others):
                break
            await asyncio.sleep(0.05)
        self.probe_seconds = time.monotonic() - start
        deaf = [f"{c.name}@{c.port}" for c in others if op_id not in c.applied_ops]
        if deaf:
            print(f"   deaf after probe: {deaf}", flush=True)
        return sum(1 for c in others if op_id in c.applied_ops)

    async def check(self, fault: str, before: dict[str, set[str]], note: str) -> Row:
        converge_s = await self.converge()
        sent = {op for c in self.clients for op in c.sent if op not in before["sent"]}
        acked = {op for c in self.clients for op in c.acked if op not in before["sent"]}
        failed = {op for c in self.clients for op in c.failed if op not in before["sent"]}
        live = await self.probe()
        truth = await database_truth(self.map_id, sorted(sent))
        counts = truth["counts"]
        lost = {op for op in acked if counts.get(op, 0) == 0}
        # Never acknowledged nor refused (still in an outbox after the deadline) and not applied.
        unresolved = sent - acked - failed
        lost |= {op for op in unresolved if counts.get(op, 0) == 0}
        duplicated = {op for op, n in counts.items() if n > 1}
        duplicated |= {text for text, n in truth["texts"].items() if n > 1}
        # "On every client": each client that did not take a snapshot applied the event of every
        # acknowledged operation (a snapshot client's board equality is checked in converge).
        missing_on_clients = sum(
            1
            for c in self.clients
            if not c.took_snapshot
            for op in acked
            if op not in c.applied_ops
        )
        failed_but_applied = sum(1 for op in failed if counts.get(op, 0) > 0)
        codes = sorted({c.failed[op] for c in self.clients for op in c.failed if op in failed})
        extra = [
            note,
            f"probe reached {live}/{len(self.clients) - 1} in {self.probe_seconds:.1f} s",
        ]
        if missing_on_clients:
            extra.append(f"{missing_on_clients} acked events missing on clients")
        if failed:
            extra.append(f"failed codes {codes}; {failed_but_applied} of them applied")
        if any(getattr(c, "diverged", False) for c in self.clients):
            extra.append("DIVERGED")
        if converge_s is None:
            extra.append("DID NOT CONVERGE")
        return Row(
            fault,
            len(sent),
            len(acked),
            len(failed),
            len(lost),
            len(duplicated),
            converge_s,
            "; ".join(extra),
        )

    async def phase(self, fault: str, inject: Callable[[], Awaitable[str]]) -> None:
        before = {"sent": {op for c in self.clients for op in c.sent}}
        resent_before = sum(c.resent for c in self.clients)
        self.loading = True
        await asyncio.sleep(2)
        note = await inject()
        await asyncio.sleep(self.args.seconds_per_fault)
        self.loading = False
        row = await self.check(fault, before, note)
        row.notes += f"; {sum(c.resent for c in self.clients) - resent_before} resent"
        self.rows.append(row)
        print_row(row)

    async def main(self) -> int:
        loads: list[asyncio.Task] = []
        try:
            # Inside the try: a server that fails to start still gets the others stopped.
            await self.setup()
            loads = [asyncio.create_task(self.participant_load(c)) for c in self.clients]
            phases = {
                "0": ("none (baseline)", self.no_fault),
                "a": ("a) SIGKILL a daphne", self.fault_kill_daphne),
                "b": ("b) restart Redis", self.fault_restart_redis),
                "c": ("c) end DB connections", self.fault_terminate_db),
                "d": ("d) drop mid-drag", self.fault_drop_mid_drag),
                "e": ("e) 10 moves, one note", self.fault_simultaneous_moves),
            }
            for letter in self.args.faults:
                await self.phase(*phases[letter])
        finally:
            for task in loads:
                task.cancel()
            await self.teardown()
        bad = sum(r.lost + r.duplicated for r in self.rows)
        bad += sum(1 for r in self.rows if r.converge_s is None)
        return 1 if bad else 0

    async def no_fault(self) -> str:
        return "load only"


HEADER = (
    f"| {'fault':<24} | {'sent':>5} | {'acked':>5} | {'failed':>6} | {'lost':>4} "
    f"| {'dup':>3} | {'converge s':>10} | notes"
)


def print_row(row: Row) -> None:
    converge = f"{row.converge_s:.2f}" if row.converge_s is not None else "never"
    print(
        f"| {row.fault:<24} | {row.sent:>5} | {row.acked:>5} | {row.failed:>6} | {row.lost:>4} "
        f"| {row.duplicated:>3} | {converge:>10} | {row.notes}",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--participants", type=int, default=20)
    parser.add_argument("--seconds-per-fault", type=float, default=8.0)
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument("--faults", default="0abcde", help="which, in order (0: no fault)")
    args = parser.parse_args()
    print(HEADER)
    print("|" + "-" * 26 + "|------:|------:|-------:|-----:|----:|-----------:|------")
    run = Run(args)
    return asyncio.run(asyncio.wait_for(run.main(), timeout=900))


if __name__ == "__main__":
    sys.exit(main())
