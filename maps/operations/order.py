"""Respacing order keys before they run out (maps/positions.py: REBALANCE_AT).

A stage's notes (or the spine's stages) get evenly spaced short keys, in their order, in one
step of the calling operation's transaction, recorded as one event carrying every new key:
`stage.rebalanced` `{stage, positions: [[note id, key], ...]}` or `spine.rebalanced`
`{positions: [[stage id, key], ...]}`, in order. The order does not change, so a client that
applies it only rewrites keys; the operation's own event follows with the next revision.
"""

from __future__ import annotations

from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from .. import positions
from ..errors import Actor
from ..models import Stage, Touchpoint
from .log import append_event, claim_revision

Placed = list[tuple[int, str]]  # (id, key) in order


def respace_notes(map_id: int, stage_id: int, actor: Actor, revision: int | None = None) -> Placed:
    """Give the stage's notes new, evenly spaced keys and append stage.rebalanced (with
    `revision` if the caller already took it, else the next one). Inside the transaction,
    with the map locked."""
    notes = Touchpoint.objects.filter(stage_id=stage_id, map_id=map_id)
    ids = list(notes.order_by("position", "id").values_list("pk", flat=True))
    placed = list(zip(ids, positions.spread(None, None, len(ids)), strict=True))
    _rewrite(Touchpoint, notes, placed)
    payload = {"stage": stage_id, "positions": [list(pair) for pair in placed]}
    _append(map_id, actor, "stage.rebalanced", payload, revision)
    return placed


def respace_spine(map_id: int, actor: Actor, revision: int | None = None) -> Placed:
    """The same for the map's stages: spine.rebalanced."""
    stages = Stage.objects.filter(map_id=map_id)
    ids = list(stages.order_by("position", "id").values_list("pk", flat=True))
    placed = list(zip(ids, positions.spread(None, None, len(ids)), strict=True))
    _rewrite(Stage, stages, placed)
    _append(map_id, actor, "spine.rebalanced", {"positions": [list(p) for p in placed]}, revision)
    return placed


def note_keys_to_append(
    map_id: int, stage_id: int, last: str | None, count: int, actor: Actor
) -> list[str]:
    """`count` keys after `last` (the stage's last key) for notes appended at once, the
    stage respaced first if they would be too long."""
    keys = positions.keys_after(last, count)
    if not keys or not positions.needs_respacing(keys[-1]):
        return keys
    placed = respace_notes(map_id, stage_id, actor)
    return positions.keys_after(placed[-1][1] if placed else None, count)


def _rewrite(model, rows, placed: Placed) -> None:
    """Store the new keys. Keys are unique per stage (and per map for stages), and both
    databases check that row by row, so a new key could meet an old one that has not moved
    yet: every row first takes a stand-in no key can equal ("-" and its id), then its key."""
    rows.update(position=Concat(Value("-"), Cast("id", output_field=CharField())))
    model.objects.bulk_update(
        [model(pk=pk, position=key) for pk, key in placed], ["position"], batch_size=500
    )


def _append(map_id: int, actor: Actor, kind: str, payload: dict, revision: int | None) -> None:
    if revision is None:
        revision = claim_revision(map_id, timezone.now())
    append_event(map_id, revision, actor, kind, payload)
