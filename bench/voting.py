"""Voting and heat: time of one vote (the budget check with rows locked), of the reveal message
(every note's counts) and of the whole analysis, for maps of 5x10, 12x40 and 20x100 notes with
50 voters casting 10 votes each, on SQLite and PostgreSQL.

    .venv/bin/python bench/voting.py [--runs 20] [--backends sqlite,postgres]

Each backend runs in its own process on a throwaway test database (SQLite in a temporary file,
PostgreSQL as test_jm_bench_voting on BENCH_PG, default postgres://postgres@127.0.0.1:5432).
Broadcasts go to the in-memory channel layer with nobody listening: this measures the database
work, not the network.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script, bench/ is on the path, not the project

from bench._servers import backend_arguments, run_child  # noqa: E402
from bench._stats import percentile  # noqa: E402

SIZES = [(5, 10), (12, 40), (20, 100)]
VOTERS = 50
VOTES_EACH = 10


def summary(times: list[float]) -> dict[str, float]:
    return {
        "median": statistics.median(times) * 1000,
        "p95": percentile(times, 0.95) * 1000,
        "max": max(times) * 1000,
    }


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run_backend(runs: int) -> list[dict]:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        return [measure(stages, notes, runs) for stages, notes in SIZES]
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def measure(stages: int, notes: int, runs: int) -> dict:
    from django.contrib.auth import get_user_model

    from maps import operations as ops
    from maps import positions
    from maps.models import Touchpoint
    from reports.analysis import analyse
    from workshops.facilitation import revealed_heat, set_phase, set_vote
    from workshops.models import Participant, Vote
    from workshops.operations import open_workshop

    user = get_user_model().objects.create_user(f"bench{stages}x{notes}")
    actor = ops.Actor.for_user(user)
    journey_map = ops.create_map(
        actor, title=f"{stages}x{notes}", stage_names=[f"Stage {i + 1}" for i in range(stages)]
    )
    keys = positions.keys_after(None, notes)
    Touchpoint.objects.bulk_create(
        Touchpoint(map=journey_map, stage=stage, position=keys[i], text=f"Note {i} of {stage}")
        for stage in journey_map.stages.all()
        for i in range(notes)
    )
    note_ids = list(journey_map.touchpoints.values_list("pk", flat=True))
    workshop = open_workshop(user, journey_map, vote_budget=VOTES_EACH + 1)
    set_phase(workshop, "vote")
    rng = random.Random(stages * notes)
    voters = Participant.objects.bulk_create(
        Participant(
            workshop=workshop, display_name=f"Voter {i}", token=f"bench-{stages}x{notes}-{i}"
        )
        for i in range(VOTERS)
    )
    Vote.objects.bulk_create(
        Vote(workshop=workshop, participant=voter, touchpoint_id=note, tag=tag)
        for voter in voters
        for note, tag in {
            (rng.choice(note_ids), rng.choice(("pain", "delight", "truth")))
            for _ in range(VOTES_EACH)
        }
    )
    # One vote on and off again, by one voter with their last vote left: the hot path.
    voter, note = voters[0], Touchpoint.objects.get(pk=note_ids[-1])
    vote = [timed(lambda i=i: set_vote(voter, note, "truth", i % 2 == 0)) for i in range(runs * 2)]
    set_phase(workshop, "reveal")
    workshop.refresh_from_db()
    reveal = [timed(lambda: revealed_heat(workshop)) for _ in range(runs)]
    analysis = [timed(lambda: analyse(journey_map, workshop)) for _ in range(runs)]
    return {
        "size": f"{stages}x{notes}",
        "votes": Vote.objects.filter(workshop=workshop).count(),
        "vote": summary(vote),
        "reveal": summary(reveal),
        "analysis": summary(analysis),
    }


def child(backend: str, runs: int) -> list[dict]:
    return run_child(__file__, backend, "jm_bench_voting", runs)


def main() -> None:
    args = backend_arguments(__doc__, 20, run_backend)
    if args is None:
        return
    print(
        f"Voting: {VOTERS} voters x {VOTES_EACH} votes; {args.runs} runs per measure "
        "(ms: median / p95 / max)\n"
    )
    print("| backend | map | votes | one vote | reveal message | analysis |")
    print("|---|---|---:|---|---|---|")
    for backend in args.backends.split(","):
        for row in child(backend, args.runs):
            cells = [
                f"{row[k]['median']:.1f} / {row[k]['p95']:.1f} / {row[k]['max']:.1f}"
                for k in ("vote", "reveal", "analysis")
            ]
            print(f"| {backend} | {row['size']} | {row['votes']} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
