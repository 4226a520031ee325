"""Undo and versions (issue 18): the cost of one undo, of restoring a 20 stages x 100 notes
map to a version, and how fast the event log grows now that every event carries its state
before, on SQLite and PostgreSQL.

    .venv/bin/python bench/undo.py [--runs 200] [--backends sqlite,postgres]

Rows (ms: median, p95, max over the runs; the broadcast after commit is left out):
- undo a move, right after it (the person's stack walk, the conflict scan over nothing, the
  restore of one note, the undo's event);
- undo a move with 1,000 events of other people since (the conflict scan reads them all);
- redo it (the same, the other way);
- restore a 20 x 100 map to a version taken before 200 moves, 100 edits, 100 deletes and 100
  new notes (the version kept first, the bulk write, one event); --runs / 20 runs.
Then the log's growth per 1,000 operations (a room's mix: 60 % moves, 20 % edits, 10 % adds,
10 % deletes): bytes of the broadcast payloads, of the private `before`, and of the table
with its indexes (PostgreSQL: pg_total_relation_size; SQLite: dbstat, when compiled in).
Each backend runs in its own process on a throwaway database (bench/_servers.run_child).
"""

from __future__ import annotations

import json
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

BIG_STAGES, BIG_NOTES = 20, 100


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "median": statistics.median(samples) * 1000,
        "p95": percentile(samples, 0.95) * 1000,
        "max": max(samples) * 1000,
    }


def timed(prepare: Callable[[], object], step: Callable[[], object], runs: int) -> dict:
    samples = []
    for _ in range(runs):
        prepare()
        start = time.perf_counter()
        step()
        samples.append(time.perf_counter() - start)
    return summary(samples)


def run_backend(runs: int) -> list[dict]:
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
    from maps.operations import log

    log.publish_on_commit = lambda map_id, message: None  # see the module docstring
    users = get_user_model().objects
    me = ops.Actor.for_user(users.create_user("bench-undo"))
    other = ops.Actor.for_user(users.create_user("bench-other"))
    rng = random.Random(18)
    rows: list[dict] = []

    small = ops.create_map(me, title="Undo", stage_names=[f"Stage {i}" for i in range(5)])
    stages = list(small.stages.values_list("pk", flat=True))
    notes = [
        ops.add_touchpoint(me, small, stage=s, text=f"Note {n}").payload["touchpoint"]["id"]
        for s in stages
        for n in range(20)
    ]
    mine = notes[0]

    def my_move() -> None:
        ops.move_touchpoint(me, small, mine, stage=rng.choice(stages), index=rng.randrange(20))

    rows.append(
        {"row": "undo a move, right after it", **timed(my_move, lambda: ops.undo(me, small), runs)}
    )

    # 1,000 events of others since the change: made once, then undo/redo of the same change.
    my_move()
    for _ in range(1000):
        ops.move_touchpoint(other, small, rng.choice(notes[1:]), stage=rng.choice(stages), index=0)
    crowded, redone = [], []
    for _ in range(runs):
        start = time.perf_counter()
        ops.undo(me, small)
        crowded.append(time.perf_counter() - start)
        start = time.perf_counter()
        ops.redo(me, small)
        redone.append(time.perf_counter() - start)
    rows.append({"row": "undo a move, 1,000 others' events since", **summary(crowded)})
    rows.append({"row": "redo it", **summary(redone)})

    big = ops.create_map(me, title="Big", stage_names=[f"Stage {i}" for i in range(BIG_STAGES)])
    big_stages = list(big.stages.values_list("pk", flat=True))
    for stage in big_stages:
        for n in range(BIG_NOTES):
            ops.add_touchpoint(me, big, stage=stage, text=f"Note {n} of a long journey")
    version = ops.take_version(me, big, "Before the workshop")

    def scramble() -> None:
        ids = list(big.touchpoints.values_list("pk", flat=True))
        rng.shuffle(ids)
        for note in ids[:200]:
            ops.move_touchpoint(
                me, big, note, stage=rng.choice(big_stages), index=rng.randrange(50)
            )
        for note in ids[200:300]:
            ops.update_touchpoint(me, big, note, text=f"Edited {rng.randrange(10**6)}")
        for note in ids[300:400]:
            ops.delete_touchpoint(me, big, note)
        for _ in range(100):
            ops.add_touchpoint(me, big, stage=rng.choice(big_stages), text="Added in the room")

    restore_runs = max(3, runs // 20)
    rows.append(
        {
            "row": f"restore a {BIG_STAGES} x {BIG_NOTES} map to a version",
            **timed(scramble, lambda: ops.restore_version(me, big, version), restore_runs),
        }
    )
    rows.append({"row": "growth", **growth(ops, me, rng)})
    return rows


def growth(ops, actor, rng) -> dict:
    """Bytes per 1,000 operations of a room's mix, on a map of its own."""
    from django.db import connection

    from maps.models import MapEvent

    journey_map = ops.create_map(actor, title="Growth", stage_names=[f"S{i}" for i in range(6)])
    stages = list(journey_map.stages.values_list("pk", flat=True))
    notes = [
        ops.add_touchpoint(actor, journey_map, stage=s, text=f"Seed {n}").payload["touchpoint"][
            "id"
        ]
        for s in stages
        for n in range(10)
    ]
    start_revision = journey_map.revision + 1
    size_before = table_bytes(connection)
    for _ in range(1000):
        roll = rng.random()
        if roll < 0.6:
            ops.move_touchpoint(
                actor,
                journey_map,
                rng.choice(notes),
                stage=rng.choice(stages),
                index=rng.randrange(10),
            )
        elif roll < 0.8:
            note = rng.choice(notes)
            ops.update_touchpoint(
                actor,
                journey_map,
                note,
                text=f"A note in the customer's words, edited {rng.randrange(10**6)}",
            )
        elif roll < 0.9 or len(notes) < 20:
            event = ops.add_touchpoint(
                actor, journey_map, stage=rng.choice(stages), text="A new note from the room"
            )
            notes.append(event.payload["touchpoint"]["id"])
        else:
            note = notes.pop(rng.randrange(len(notes)))
            ops.delete_touchpoint(actor, journey_map, note)
    events = MapEvent.objects.filter(map=journey_map, revision__gte=start_revision)
    payload = sum(len(json.dumps(e.payload)) for e in events)
    before = sum(len(json.dumps(e.before)) for e in events if e.before is not None)
    size_after = table_bytes(connection)
    table = (
        (size_after - size_before) if size_before is not None and size_after is not None else None
    )
    return {"events": events.count(), "payload": payload, "before": before, "table": table}


def table_bytes(connection) -> int | None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_total_relation_size('maps_mapevent')")
            return cursor.fetchone()[0]
        try:
            cursor.execute(
                "SELECT SUM(pgsize) FROM dbstat WHERE name = 'maps_mapevent' "
                "OR name LIKE 'event_person_%' OR name LIKE '%maps_mapevent%'"
            )
            return cursor.fetchone()[0]
        except Exception:  # dbstat is not compiled into every SQLite
            return None


def main() -> None:
    args = backend_arguments(__doc__, 200, run_backend)
    if args is None:
        return
    print(
        f"Undo and versions, {args.runs} runs per undo row, {max(3, args.runs // 20)} restores (ms)"
    )
    print(f"Machine load average at start (1, 5, 15 min): {load_average()}\n")
    print("| backend | what | median | p95 | max |")
    print("|---|---|---:|---:|---:|")
    growths = []
    for backend in args.backends.split(","):
        for row in run_child(__file__, backend, "jm_undo_bench", args.runs):
            if row["row"] == "growth":
                growths.append((backend, row))
                continue
            print(
                f"| {backend} | {row['row']} | {row['median']:.1f} | {row['p95']:.1f} "
                f"| {row['max']:.1f} |"
            )
    print(
        "\nThe event log per 1,000 operations (60 % moves, 20 % edits, 10 % adds, 10 % deletes)\n"
    )
    print("| backend | events | payload (broadcast) | before (private) | table and indexes |")
    print("|---|---:|---:|---:|---:|")
    for backend, row in growths:
        table = f"{row['table'] / 1024:.0f} KiB" if row["table"] is not None else "n/a"
        print(
            f"| {backend} | {row['events']} | {row['payload'] / 1024:.0f} KiB "
            f"| {row['before'] / 1024:.0f} KiB | {table} |"
        )


if __name__ == "__main__":
    main()
