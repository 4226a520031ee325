"""A deleted note's votes, kept for an undo (maps.operations.states asks through
`keep_votes_with`, workshops/apps.py): votes are workshop state, so they are kept in the
event's private `before`, never in its broadcast payload (docs/voting.md)."""

from __future__ import annotations

from typing import Any

from .models import Participant, Vote


def read_votes(note_ids: list[int]) -> dict[str, list[list[Any]]]:
    """{note id: [[workshop id, participant id, tag], ...]} for the notes' votes."""
    votes: dict[str, list[list[Any]]] = {}
    rows = Vote.objects.filter(touchpoint_id__in=note_ids).order_by("id")
    for note, workshop, participant, tag in rows.values_list(
        "touchpoint_id", "workshop_id", "participant_id", "tag"
    ):
        votes.setdefault(str(note), []).append([workshop, participant, tag])
    return votes


def write_votes(votes: dict[str, list[list[Any]]]) -> None:
    """Give the notes their votes back: those of participants still in that workshop (a
    removed participant's stay gone, as their other votes do). A vote given back counts
    against its voter's budget again, as it did before the note went."""
    wanted = {(w, p) for rows in votes.values() for w, p, _tag in rows}
    present = set(
        Participant.objects.filter(
            pk__in={p for _w, p in wanted}, removed_at__isnull=True
        ).values_list("workshop_id", "pk")
    )
    Vote.objects.bulk_create(
        [
            Vote(workshop_id=w, participant_id=p, touchpoint_id=int(note), tag=tag)
            for note, rows in votes.items()
            for w, p, tag in rows
            if (w, p) in present
        ],
        ignore_conflicts=True,
    )
