"""Operation cost: the database work of one websocket note move, step by step, on SQLite and
PostgreSQL. In a live room this runs on the server's one GIL next to every delivery, and on
the map's lock (bench/live_room.py), so its CPU time matters as much as its wall time.

    .venv/bin/python bench/operation_cost.py [--runs 500] [--backends sqlite,postgres]

Steps, each timed alone, wall and this process's CPU (median, p95, max in ms), and on PostgreSQL
the mean CPU of its server process for the connection (/proc: it runs on this machine):
- gate (ORM): the member lookup the consumer made before load_member, kept here to compare;
- gate (load_member): the consumer's lookup now (workshops/access.py);
- move (operations layer): maps.operations.move_touchpoint, one transaction;
- move (handler): the consumer's whole database part, gate plus the touchpoint.move handler
  (run_once, the move, the ack's fields).
The broadcast after commit is left out (the server hands it to its event loop without waiting).
Each backend runs in its own process on a throwaway database (bench/_servers.run_child).
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script, bench/ is on the path, not the project

from bench._servers import backend_arguments, load_average, run_child  # noqa: E402
from bench._stats import percentile  # noqa: E402

STAGES = 5
NOTES_PER_STAGE = 20


def timed(step: Callable[[], object], runs: int) -> dict[str, float]:
    walls, cpus = [], []
    for _ in range(20):  # warm-up: connection, first compilations
        step()
    database = database_cpu_seconds()
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        step()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {
        "median": statistics.median(walls) * 1000,
        "p95": percentile(walls, 0.95) * 1000,
        "max": max(walls) * 1000,
        "cpu": statistics.median(cpus) * 1000,
        # The database server's CPU for the step, on average (its clock ticks are 10 ms).
        "database_cpu": (database_cpu_seconds() - database) / runs * 1000,
    }


def database_cpu_seconds() -> float:
    """CPU time of this connection's PostgreSQL backend (a process of its own on this
    machine, /proc); 0 on SQLite, whose work is in this process's CPU already."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_backend(runs: int) -> list[dict]:
    """In the child process: build a room and time each step (Django set up here)."""
    import django

    django.setup()
    from django.db import connection

    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        return measure(runs)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def measure(runs: int) -> list[dict]:
    from django.contrib.auth import get_user_model

    from maps import operations as ops
    from maps.operations import OPERATIONS, log, one_or_none
    from workshops.access import acting_role, load_member
    from workshops.gate import Context, run
    from workshops.models import Participant
    from workshops.operations import join_workshop, open_workshop

    log.publish_on_commit = lambda map_id, message: None  # see the module docstring
    user = get_user_model().objects.create_user("bench-operation-cost")
    actor = ops.Actor.for_user(user)
    journey_map = ops.create_map(
        actor, title="Bench", stage_names=[f"Stage {i}" for i in range(STAGES)]
    )
    stages = list(journey_map.stages.values_list("pk", flat=True))
    for stage in stages:
        for n in range(NOTES_PER_STAGE):
            ops.add_touchpoint(actor, journey_map, stage=stage, text=f"Note {n}")
    notes = list(journey_map.touchpoints.values_list("pk", flat=True))
    guest = join_workshop(open_workshop(user, journey_map), display_name="Sam")
    rng = random.Random(7)
    counter = iter(range(10**9))

    def orm_gate() -> Participant | None:
        return one_or_none(
            Participant.objects.select_related("workshop__map", "user").filter(pk=guest.pk)
        )

    def move() -> None:
        ops.move_touchpoint(
            actor,
            journey_map,
            rng.choice(notes),
            stage=rng.choice(stages),
            index=rng.randrange(NOTES_PER_STAGE),
        )

    def handled_move() -> None:
        participant = load_member(guest.pk)
        workshop = participant.workshop
        ctx = Context(
            workshop=workshop,
            participant=participant,
            journey_map=workshop.map,
            role=acting_role(participant),
        )
        data = {
            "type": "touchpoint.move",
            "op_id": f"bench-{next(counter)}",
            "touchpoint": rng.choice(notes),
            "stage": rng.choice(stages),
            "index": rng.randrange(NOTES_PER_STAGE),
        }
        run(OPERATIONS["touchpoint.move"], ctx, data)

    steps = [
        ("gate (ORM)", orm_gate),
        ("gate (load_member)", lambda: load_member(guest.pk)),
        ("move (operations layer)", move),
        ("move (handler)", handled_move),
    ]
    return [{"step": name, **timed(step, runs)} for name, step in steps]


def main() -> None:
    args = backend_arguments(__doc__, 500, run_backend)
    if args is None:
        return
    print(f"Operation cost, {args.runs} runs per step (ms)")
    print(f"Machine load average at start (1, 5, 15 min): {load_average()}\n")
    print("| backend | step | median | p95 | max | CPU median | database CPU mean |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for backend in args.backends.split(","):
        for row in run_child(__file__, backend, "jm_bench_operation_cost", args.runs):
            print(
                f"| {backend} | {row['step']} | {row['median']:.2f} | {row['p95']:.2f} "
                f"| {row['max']:.2f} | {row['cpu']:.2f} | {row['database_cpu']:.2f} |"
            )


if __name__ == "__main__":
    main()
