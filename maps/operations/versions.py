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

from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from ..errors import Actor, OperationError
from ..models import (
    NAME_MAX,
    ActionItem,
    CustomerFeedback,
    JourneyMap,
    MapEvent,
    MapVersion,
    Persona,
    Stage,
    Touchpoint,
    TouchpointGroup,
)
from ..serializers import STAGE_LANES, TOUCHPOINT_FIELDS, map_snapshot
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
        _Board(locked, native=not version.imported).write(snapshot)
        payload = {
            "version": version.pk,
            "name": version.name,
            "version_revision": version.revision,
        }
        return record(locked, actor, "map.restored", payload)


class _Board:
    """Writes a version's board over the map's, in bulk."""

    def __init__(self, journey_map: JourneyMap, *, native: bool) -> None:
        self.map = journey_map
        self.native = native
        self.ids: dict[str, dict[int, int]] = {"stages": {}, "groups": {}, "touchpoints": {}}

    def write(self, snapshot: dict[str, Any]) -> None:
        self._map_fields(snapshot["map"])
        self._stages(snapshot["stages"])
        self._groups(snapshot["groups"])
        notes = self._notes(snapshot["touchpoints"])
        self._actions(snapshot["actions"])
        self._feedback(snapshot.get("feedback", {}), notes)
        Stage.objects.filter(map=self.map).exclude(pk__in=self.ids["stages"].values()).delete()

    def _map_fields(self, data: dict[str, Any]) -> None:
        self.map.title, self.map.scope = data["title"], data["scope"]
        persona = data.get("persona")
        if persona is None or Persona.objects.filter(pk=persona).exists():
            self.map.persona_id = persona
        self.map.save(update_fields=["title", "scope", "persona"])

    def _match(self, model, kind: str, rows: list[dict[str, Any]]) -> tuple[set[int], set[int]]:
        """Which of the version's rows the map has (by id), and which ids are free to reuse."""
        ids = [row["id"] for row in rows]
        if not self.native:
            return set(), set()
        mine = set(model.objects.filter(map=self.map, pk__in=ids).values_list("pk", flat=True))
        taken = set(model.objects.filter(pk__in=ids).values_list("pk", flat=True))
        return mine, set(ids) - taken

    def _stages(self, rows: list[dict[str, Any]]) -> None:
        mine, free = self._match(Stage, "stages", rows)
        stages = Stage.objects.filter(map=self.map)
        stages.update(position=Concat(Value("-"), Cast("id", output_field=CharField())))
        kept, made = [], []
        for row in rows:
            fields = {lane: row[lane] for lane in STAGE_LANES}
            stage = Stage(map=self.map, name=row["name"], position=row["position"], **fields)
            if row["id"] in mine:
                stage.pk = row["id"]
                kept.append(stage)
            else:
                stage.pk = row["id"] if row["id"] in free else None
                made.append(stage)
        Stage.objects.bulk_update(kept, ["name", "position", *STAGE_LANES], batch_size=500)
        self._create(Stage, made, rows, "stages", mine)
        loops = [
            Stage(
                pk=self.ids["stages"][row["id"]],
                loops_back_to_id=self.ids["stages"].get(row["loops_back_to"]),
            )
            for row in rows
        ]
        Stage.objects.bulk_update(loops, ["loops_back_to"], batch_size=500)

    def _create(self, model, made: list, rows: list[dict[str, Any]], kind: str, mine: set[int]):
        """Create `made` (in `rows` order) and remember each version id's row id now."""
        by_version = {row["id"]: row for row in rows}
        for pk in mine:
            self.ids[kind][pk] = pk
        old_ids = [row["id"] for row in rows if row["id"] not in mine]
        created = model.objects.bulk_create(made, batch_size=500)
        if any(obj.pk is None for obj in created):  # a backend without RETURNING: read back
            created = list(model.objects.filter(map=self.map).order_by("-pk")[: len(made)])[::-1]
        for old, obj in zip(old_ids, created, strict=True):
            self.ids[kind][old] = obj.pk
        return by_version

    def _groups(self, rows: list[dict[str, Any]]) -> None:
        mine, free = self._match(TouchpointGroup, "groups", rows)
        groups = TouchpointGroup.objects.filter(map=self.map)
        groups.exclude(pk__in=mine).delete()
        # Names are unique per map: the kept ones step aside first, as keys do.
        groups.update(name=Concat(Value("-"), Cast("id", output_field=CharField())))
        kept = [TouchpointGroup(pk=r["id"], name=r["name"]) for r in rows if r["id"] in mine]
        TouchpointGroup.objects.bulk_update(kept, ["name"])
        made = [
            TouchpointGroup(pk=r["id"] if r["id"] in free else None, map=self.map, name=r["name"])
            for r in rows
            if r["id"] not in mine
        ]
        self._create(TouchpointGroup, made, rows, "groups", mine)

    def _notes(self, rows: list[dict[str, Any]]) -> set[int]:
        """The notes; returns the ids of those made anew (they get their feedback back)."""
        mine, free = self._match(Touchpoint, "touchpoints", rows)
        notes = Touchpoint.objects.filter(map=self.map)
        notes.exclude(pk__in=mine).delete()
        notes.update(position=Concat(Value("-"), Cast("id", output_field=CharField())))
        names = ["stage_id", "position", "group_id", "version", "author_name", "author_colour"]
        kept, made = [], []
        for row in rows:
            note = Touchpoint(
                map=self.map,
                stage_id=self.ids["stages"][row["stage"]],
                position=row["position"],
                group_id=self.ids["groups"].get(row["group"]),
                version=row["version"],
                author_name=row["author"],
                author_colour=row["author_colour"],
                **{name: row[name] for name in TOUCHPOINT_FIELDS},
            )
            if row["id"] in mine:
                note.pk = row["id"]
                kept.append(note)
            else:
                note.pk = row["id"] if row["id"] in free else None
                made.append(note)
        Touchpoint.objects.bulk_update(kept, [*names, *TOUCHPOINT_FIELDS], batch_size=500)
        self._create(Touchpoint, made, rows, "touchpoints", mine)
        return {self.ids["touchpoints"][r["id"]] for r in rows if r["id"] not in mine}

    def _actions(self, rows: list[dict[str, Any]]) -> None:
        mine, free = self._match(ActionItem, "actions", rows)
        ActionItem.objects.filter(map=self.map).exclude(pk__in=mine).delete()
        owners = {_owner(row["owner"])[0] for row in rows} - {None}
        accounts = set(get_user_model().objects.filter(pk__in=owners).values_list("pk", flat=True))
        kept, made = [], []
        for row in rows:
            user, participant = _owner(row["owner"])
            user = user if user in accounts else None  # an account deleted since: a name only
            action = ActionItem(
                map=self.map,
                touchpoint_id=self.ids["touchpoints"][row["touchpoint"]],
                text=row["text"],
                owner_user_id=user if self.native else None,
                owner_participant=participant if self.native else None,
                owner_name=row["owner_name"],
                due=date.fromisoformat(row["due"]) if row["due"] else None,
                status=row["status"],
                version=row["version"],
            )
            if row["id"] in mine:
                action.pk = row["id"]
                kept.append(action)
            else:
                action.pk = row["id"] if row["id"] in free else None
                made.append(action)
        fields = ["touchpoint_id", "text", "owner_user_id", "owner_participant", "owner_name"]
        ActionItem.objects.bulk_update(kept, [*fields, "due", "status", "version"])
        ActionItem.objects.bulk_create(made, batch_size=500)

    def _feedback(self, feedback: dict[str, list[dict[str, Any]]], made: set[int]) -> None:
        rows = [
            CustomerFeedback(touchpoint_id=self.ids["touchpoints"][int(pk)], **row)
            for pk, items in feedback.items()
            if self.ids["touchpoints"].get(int(pk)) in made
            for row in items
        ]
        CustomerFeedback.objects.bulk_create(rows, batch_size=500)


def _owner(owner: str) -> tuple[int | None, int | None]:
    kind, _, number = owner.partition(":")
    if not number.isdigit():
        return None, None
    return (int(number), None) if kind == "member" else (None, int(number))
