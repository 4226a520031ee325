"""Grouping cost: the group phase's operations (maps/operations/groups.py) in the operations
layer, on SQLite and PostgreSQL, against a plain note move for scale. A stack's move writes
one event per note, so it is timed for stacks of 2, 5 and 20 notes.

    .venv/bin/python bench/grouping.py [--runs 200] [--backends sqlite,postgres]

Steps, each timed alone, wall and this process's CPU (median, p95, max in ms), on a map of 5
stages of 20 notes:
- touchpoint.move: one note to a random place (the reference);
- touchpoint.stack: a random note dropped onto another, then (untimed) taken out again;
- touchpoint.ungroup (dragged out): a stacked note to a random place;
- group.move (n notes): a stack of n to a random place.
The broadcast after commit is left out, as in bench/operation_cost.py.
"""

from __future__ import annotations

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
STACK_SIZES = (2, 5, 20)


def timed(step: Callable[[], object], runs: int, after: Callable[[], object] | None = None):
    """Time `step` `runs` times (after a warm-up); `after` runs untimed after each."""
    walls, cpus = [], []
    for turn in range(runs + 10):
        wall, cpu = time.perf_counter(), time.process_time()
        step()
        if turn >= 10:
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        if after is not None:
            after()
    return {
        "median": statistics.median(walls) * 1000,
        "p95": percentile(walls, 0.95) * 1000,
        "max": max(walls) * 1000,
        "cpu": statistics.median(cpus) * 1000,
    }


def run_backend(runs: int) -> list[dict]:
    """In the child process: build a map and time each step (Django set up here)."""
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
    from maps.models import Touchpoint
    from maps.operations import log

    log.publish_on_commit = lambda map_id, message: None  # see the module docstring
    user = get_user_model().objects.create_user("bench-grouping")
    actor = ops.Actor.for_user(user)
    journey_map = ops.create_map(
        actor, title="Bench", stage_names=[f"Stage {i}" for i in range(STAGES)]
    )
    stages = list(journey_map.stages.values_list("pk", flat=True))
    for stage in stages:
        for n in range(NOTES_PER_STAGE):
            ops.add_touchpoint(actor, journey_map, stage=stage, text=f"Note {n}")
    notes = list(journey_map.touchpoints.values_list("pk", flat=True))
    rng = random.Random(7)
    picked: list[int] = []

    def place() -> dict:
        return {"stage": rng.choice(stages), "index": rng.randrange(NOTES_PER_STAGE)}

    def move() -> None:
        ops.move_touchpoint(actor, journey_map, rng.choice(notes), **place())

    def stack() -> None:
        note, onto = rng.sample(notes, 2)
        picked[:] = [note]
        ops.stack_touchpoint(actor, journey_map, note, onto=onto)

    def undo_stack() -> None:
        for pk in Touchpoint.objects.filter(map=journey_map, group__isnull=False).values_list(
            "pk", flat=True
        ):
            ops.ungroup_touchpoint(actor, journey_map, pk)

    def stacked_pair() -> None:
        note, onto = rng.sample(notes, 2)
        ops.stack_touchpoint(actor, journey_map, note, onto=onto)
        picked[:] = [note]

    def drag_out() -> None:
        ops.ungroup_touchpoint(actor, journey_map, picked[0], **place())

    rows = [{"step": "touchpoint.move", **timed(move, runs)}]
    rows.append({"step": "touchpoint.stack", **timed(stack, runs, after=undo_stack)})
    stacked_pair()
    rows.append(
        {
            "step": "touchpoint.ungroup (dragged out)",
            **timed(drag_out, runs, after=lambda: (undo_stack(), stacked_pair())),
        }
    )
    undo_stack()
    for size in STACK_SIZES:
        members = rng.sample(notes, size)
        for note in members[1:]:
            ops.stack_touchpoint(actor, journey_map, note, onto=members[0])
        group = Touchpoint.objects.get(pk=members[0]).group_id

        def move_stack(group: int = group) -> None:
            ops.move_group(actor, journey_map, group, **place())

        rows.append({"step": f"group.move ({size} notes)", **timed(move_stack, runs)})
        undo_stack()
    return rows


def main() -> None:
    args = backend_arguments(__doc__, 200, run_backend)
    if args is None:
        return
    print(f"Grouping cost, {args.runs} runs per step (ms)")
    print(f"Machine load average at start (1, 5, 15 min): {load_average()}\n")
    print("| backend | step | median | p95 | max | CPU median |")
    print("|---|---|---:|---:|---:|---:|")
    for backend in args.backends.split(","):
        for row in run_child(__file__, backend, "jm_bench_grouping", args.runs):
            print(
                f"| {backend} | {row['step']} | {row['median']:.2f} | {row['p95']:.2f} "
                f"| {row['max']:.2f} | {row['cpu']:.2f} |"
            )


if __name__ == "__main__":
    main()
