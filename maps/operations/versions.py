"""Versions of a map: the whole board as it was at one revision, named by hand ("Before the
workshop") or taken automatically (a workshop opens or closes, a restore is about to happen),
and a restore of the map to one of them as ONE new revision.

A version's snapshot is `version_snapshot`: maps.serializers.map_snapshot (ids included) plus
the notes' customer feedback. A restore writes the board in bulk (a 20 x 100 map is a few
statements per table, bench/undo.py), matching the version's stages, notes, groups and actions
to the map's by id: what is on both is changed in place, so a workshop's votes on a note that
survives stay with it; what the version lacks is deleted (votes with it); what the map lacks is
made again, with its old id when that id is free (ids are never reused), else a new one. An
imported version's ids are another instance's: nothing is matched, everything is made anew.

The restore is one event, `map.restored`, which makes every open board load the map again
(the live page re-fetches it), and it is not on anyone's undo stack: the version taken just
before it ("Before restoring …") is the way back.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from ..errors import Actor, OperationError
from ..models import (
    NAME_MAX,
    CustomerFeedback,
    JourneyMap,
    MapEvent,
    MapVersion,
)
from ..serializers import map_snapshot
from .board_writer import write_board
from .clean import clean_text
from .log import lock_map, record

VERSION_NOT_FOUND = "That version is not one of this map's."
Kind = MapVersion.Kind


def version_snapshot(journey_map: JourneyMap) -> dict[str, Any]:
    """The board as a version keeps it: the map snapshot and the notes' customer feedback."""
    snapshot = map_snapshot(journey_map)
    feedback: dict[str, list[dict[str, Any]]] = {}
    rows = CustomerFeedback.objects.filter(touchpoint__map=journey_map).order_by("id")
    for row in rows:
        feedback.setdefault(str(row.touchpoint_id), []).append(
            {"tag": row.tag, "score": row.score, "source": row.source, "comment": row.comment}
        )
    snapshot["feedback"] = feedback
    return snapshot


def take_version(
    actor: Actor, journey_map: JourneyMap, name: Any, kind: str = Kind.NAMED
) -> MapVersion:
    """Keep the map as it is now under `name`. Not a change of the map: no event, no revision."""
    name = clean_text(name, "name", NAME_MAX, required=True, field="name")
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        return MapVersion.objects.create(
            map=locked,
            name=name,
            kind=kind,
            created_by=actor.user if getattr(actor.user, "is_authenticated", False) else None,
            created_by_name=actor.name[:NAME_MAX],
            created_at=timezone.now(),
            revision=locked.revision,
            snapshot=version_snapshot(locked),
        )


def get_version(journey_map: JourneyMap, version_id: Any) -> MapVersion:
    version = MapVersion.objects.filter(pk=version_id, map=journey_map).first()
    if version is None:
        raise OperationError("not_found", VERSION_NOT_FOUND)
    return version


def restore_version(actor: Actor, journey_map: JourneyMap, version: MapVersion) -> MapEvent:
    """Make the map what `version` holds, as one new revision (`map.restored`)."""
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        if version.map_id != locked.pk:
            raise OperationError("not_found", VERSION_NOT_FOUND)
        take_version(
            actor, locked, f"Before restoring “{version.name}”"[:NAME_MAX], Kind.BEFORE_RESTORE
        )
        snapshot = version.snapshot
        write_board(locked, snapshot, native=not version.imported)
        payload = {
            "version": version.pk,
            "name": version.name,
            "version_revision": version.revision,
        }
        return record(locked, actor, "map.restored", payload)
