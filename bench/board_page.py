"""Board page: server time and query count for maps of 5x10, 12x40 and 20x100 notes, on SQLite
and PostgreSQL, and the time of one htmx edit's answer (a note moved, the board re-rendered).

    .venv/bin/python bench/board_page.py [--runs 30] [--backends sqlite,postgres]
    BENCH_PERSONAS=3 .venv/bin/python bench/board_page.py ...   # several personas (issue 20)

Each backend runs in its own process on its own throwaway database: SQLite in a temporary file,
PostgreSQL as test_jm_bench_editor on BENCH_PG (default postgres://postgres@127.0.0.1:5432),
created and dropped by Django's test-database utilities. Server time is the whole request through
Django's test client (middleware, session, permission check, queries, template), production
settings (DEBUG off). The first request of each map is a warm-up and is not counted.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script, bench/ is on the path, not the project

from bench._servers import backend_arguments, load_average, run_child  # noqa: E402
from bench._stats import percentile  # noqa: E402

SIZES = [(5, 10), (12, 40), (20, 100)]
# Personas on each map (BENCH_PERSONAS, default 1): the further ones get feelings at every stage
# and every third note is on the last persona's journey only, so the board draws one curve per
# persona, their feelings under each stage and the filter's list of scoped notes.
PERSONAS = int(os.environ.get("BENCH_PERSONAS", "1"))


def summary(times: list[float], cpu: list[float]) -> dict[str, float]:
    return {
        "median": statistics.median(times) * 1000,
        "p95": percentile(times, 0.95) * 1000,
        "max": max(times) * 1000,
        "cpu": statistics.median(cpu) * 1000,
    }


def timed(request) -> tuple[float, float]:
    """Wall time and this process's CPU time of one request: on a shared machine the CPU time
    shows the server's own cost when other processes slow the wall clock down."""
    wall, cpu = time.perf_counter(), time.process_time()
    request()
    return time.perf_counter() - wall, time.process_time() - cpu


def run_backend(runs: int) -> list[dict]:
    """In the child process: build the maps and time the board (Django set up here)."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    # Production serves hashed static names from collectstatic's manifest; the bench has not
    # run collectstatic, so it links plain names (the lookup costs the same).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from django.test.utils import CaptureQueriesContext

    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        return [measure(stages, notes, runs, CaptureQueriesContext) for stages, notes in SIZES]
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def build(stages: int, notes: int):
    from django.contrib.auth import get_user_model

    from maps import operations as ops
    from maps import positions
    from maps.models import Stage, Touchpoint, TouchpointGroup

    user = get_user_model().objects.create_user(f"bench{stages}x{notes}")
    actor = ops.Actor.for_user(user)
    persona = ops.create_persona(
        ops.Actor.for_user(user), name="Sarah Mitchell", quote="A safe car we can afford."
    )
    journey_map = ops.create_map(
        actor,
        title=f"{stages}x{notes}",
        persona=persona,
        stage_names=[f"Stage {i + 1}" for i in range(stages)],
    )
    Stage.objects.filter(map=journey_map).update(
        actions="Searches online, compares, books a visit.",
        feelings="Hopeful",
        emotion_now=1,
        emotion_aspiration=2,
        personnel="Marketing, Sales",
    )
    groups = [TouchpointGroup.objects.create(map=journey_map, name=f"Group {i}") for i in range(3)]
    keys = positions.keys_after(None, notes)
    Touchpoint.objects.bulk_create(
        Touchpoint(
            map=journey_map,
            stage=stage,
            position=keys[i],
            text=f"Touchpoint {i + 1} of {stage.name}: the customer sees something",
            channel="website",
            department="Sales",
            group=groups[i % 3] if i % 4 == 0 else None,
            critical=i % 5 == 0,
            internal=i % 9 == 0,
        )
        for stage in journey_map.stages.all()
        for i in range(notes)
    )
    add_personas(actor, journey_map)
    return user, journey_map


def add_personas(actor, journey_map) -> None:
    """PERSONAS - 1 further personas, with feelings everywhere; a third of the notes scoped."""
    from maps import operations as ops
    from maps.models import MapPersona, StageFeeling, Touchpoint

    stages = list(journey_map.stages.all())
    last = None
    for n in range(PERSONAS - 1):
        persona = ops.create_persona(actor, name=f"Segment {n + 2}")
        segment = MapPersona.objects.create(map=journey_map, persona=persona)
        StageFeeling.objects.bulk_create(
            StageFeeling(stage=stage, segment=segment, feelings="Unsure", emotion_now=(i % 5) - 2)
            for i, stage in enumerate(stages)
        )
        last = persona
    if last is not None:
        notes = journey_map.touchpoints.values_list("pk", flat=True)
        Scoped = Touchpoint.personas.through
        Scoped.objects.bulk_create(
            Scoped(touchpoint_id=pk, persona_id=last.pk) for i, pk in enumerate(notes) if i % 3 == 0
        )


def measure(stages: int, notes: int, runs: int, capture) -> dict:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    user, journey_map = build(stages, notes)
    client = Client()
    client.force_login(user)
    url = reverse("board", args=[journey_map.pk])
    client.get(url)  # warm-up: template loading, first connection
    with capture(connection) as queries:
        response = client.get(url)
    # Counted now: the log is read lazily and every later request clears it.
    query_count = len(queries)
    assert response.status_code == 200, response.status_code
    page = [timed(lambda: client.get(url)) for _ in range(runs)]
    # One htmx edit: a note steps down and back up, each answered with the whole board.
    note = journey_map.touchpoints.order_by("stage__position", "position").first()
    move = reverse("note_move", args=[journey_map.pk])
    edits = []
    for i in range(runs):
        data = {"touchpoint": note.pk, "to": "down" if i % 2 == 0 else "up"}
        edits.append(timed(lambda data=data: client.post(move, data, HTTP_HX_REQUEST="true")))
    return {
        "size": f"{stages}x{notes}",
        "queries": query_count,
        "kib": len(response.content) // 1024,
        "page": summary(*zip(*page, strict=True)),
        "edit": summary(*zip(*edits, strict=True)),
    }


def child(backend: str, runs: int) -> list[dict]:
    return run_child(__file__, backend, "jm_bench_editor", runs)


def main() -> None:
    args = backend_arguments(__doc__, 30, run_backend)
    if args is None:
        return
    print(
        f"Board page, {args.runs} requests per map, {PERSONAS} persona(s) "
        "(ms; queries per page; page size)"
    )
    print(f"Machine load average at start (1, 5, 15 min): {load_average()}\n")
    header = (
        "| backend | map | queries | KiB | page median | p95 | max | CPU median "
        "| htmx edit median | p95 | max | CPU median |"
    )
    print(header)
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for backend in args.backends.split(","):
        rows = child(backend, args.runs)
        for row in rows:
            page, edit = row["page"], row["edit"]
            print(
                f"| {backend} | {row['size']} | {row['queries']} | {row['kib']} "
                f"| {page['median']:.1f} | {page['p95']:.1f} | {page['max']:.1f} "
                f"| {page['cpu']:.1f} "
                f"| {edit['median']:.1f} | {edit['p95']:.1f} | {edit['max']:.1f} "
                f"| {edit['cpu']:.1f} |"
            )
    print(f"\nMachine load average at the end: {load_average()}")


if __name__ == "__main__":
    main()
