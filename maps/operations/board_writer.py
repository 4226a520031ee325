"""Writing a version's board over a map's, in bulk (operations.versions.restore_version).

Rows are matched by id (an imported version's never are): a row on both is updated only if it
differs, one UPDATE statement run for all of them (executemany; Django's bulk_update builds a
CASE per field and row, which took minutes of Python for a 2,000-note board); a row the
version lacks is deleted; a row the map lacks is inserted, with its old id when no row has it
(ids are never reused), else a new one. Order keys and group names are unique, so the rows
about to change step aside first (a stand-in "-<id>" no real key or name can be), as
respacing does (order.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import CharField, Model, Value
from django.db.models.functions import Cast, Concat

from ..models import (
    ActionItem,
    CustomerFeedback,
    JourneyMap,
    Persona,
    Stage,
    Touchpoint,
    TouchpointGroup,
)
from ..serializers import STAGE_LANES, TOUCHPOINT_FIELDS

Row = dict[str, Any]


def write_board(journey_map: JourneyMap, snapshot: dict[str, Any], *, native: bool) -> None:
    """Make the map's board what `snapshot` holds. Inside the transaction, map locked."""
    _Board(journey_map, native=native).write(snapshot)


def _stand_in() -> Concat:
    return Concat(Value("-"), Cast("id", output_field=CharField()))


def _write_rows(model: type[Model], updates: dict[int, Row]) -> None:
    """UPDATE each row's fields (attnames) by id, one statement for all rows of one shape."""
    if not updates:
        return
    fields = {f.attname: f for f in model._meta.concrete_fields}
    quote = connection.ops.quote_name
    names = sorted(next(iter(updates.values())))
    sets = ", ".join(f"{quote(fields[n].column)} = %s" for n in names)
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    sql = f"UPDATE {table} SET {sets} WHERE {pk} = %s"  # noqa: S608 (our table and columns)
    params = [
        [fields[n].get_db_prep_save(values[n], connection) for n in names] + [row_id]
        for row_id, values in updates.items()
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


class _Board:
    def __init__(self, journey_map: JourneyMap, *, native: bool) -> None:
        self.map = journey_map
        self.native = native
        # The version's id of each row -> its id on the map now.
        self.ids: dict[str, dict[int, int]] = {"stages": {}, "groups": {}, "touchpoints": {}}
        self.made_notes: set[int] = set()

    def write(self, snapshot: dict[str, Any]) -> None:
        self._map_fields(snapshot["map"])
        self._sync(Stage, "stages", snapshot["stages"], self._stage_values, unique="position")
        self._loops(snapshot["stages"])
        self._sync(TouchpointGroup, "groups", snapshot["groups"], _group_values, unique="name")
        self._sync(
            Touchpoint, "touchpoints", snapshot["touchpoints"], self._note_values, "position"
        )
        self._sync(ActionItem, "actions", snapshot["actions"], self._action_values(snapshot))
        self._feedback(snapshot.get("feedback", {}))
        Stage.objects.filter(map=self.map).exclude(pk__in=self.ids["stages"].values()).delete()

    def _map_fields(self, data: Row) -> None:
        self.map.title, self.map.scope = data["title"], data["scope"]
        persona = data.get("persona")
        if persona is None or Persona.objects.filter(pk=persona).exists():
            self.map.persona_id = persona
        self.map.save(update_fields=["title", "scope", "persona"])

    def _sync(
        self,
        model: type[Model],
        kind: str,
        rows: list[Row],
        values: Callable[[Row], Row],
        unique: str = "",
    ) -> None:
        ids = [row["id"] for row in rows]
        on_map = model.objects.filter(map=self.map)
        mine: set[int] = set()
        free: set[int] = set()
        if self.native:
            mine = set(on_map.filter(pk__in=ids).values_list("pk", flat=True))
            taken = set(model.objects.filter(pk__in=ids).values_list("pk", flat=True))
            free = set(ids) - taken
        if model is not Stage:  # a stage goes last, once its notes have moved out of it
            on_map.exclude(pk__in=mine).delete()
        wanted = {row["id"]: values(row) for row in rows}
        names = sorted(next(iter(wanted.values()), {}))
        now = {r["pk"]: r for r in on_map.filter(pk__in=mine).values("pk", *names)}
        changed = {pk: wanted[pk] for pk in mine if any(now[pk][n] != wanted[pk][n] for n in names)}
        if unique:
            moving = set(changed)
            if model is Stage:  # stages the version lacks keep their keys until the end
                moving |= set(on_map.exclude(pk__in=mine).values_list("pk", flat=True))
            on_map.filter(pk__in=moving).update(**{unique: _stand_in()})
        _write_rows(model, changed)
        made = [
            model(pk=row["id"] if row["id"] in free else None, map=self.map, **wanted[row["id"]])
            for row in rows
            if row["id"] not in mine
        ]
        created = model.objects.bulk_create(made, batch_size=500)
        known = self.ids.setdefault(kind, {})
        known.update({pk: pk for pk in mine})
        new_ids = [row["id"] for row in rows if row["id"] not in mine]
        for old, obj in zip(new_ids, created, strict=True):
            known[old] = obj.pk
        if model is Touchpoint:
            self.made_notes = {obj.pk for obj in created}

    def _stage_values(self, row: Row) -> Row:
        return {
            "name": row["name"],
            "position": row["position"],
            **{k: row[k] for k in STAGE_LANES},
        }

    def _loops(self, rows: list[Row]) -> None:
        stages = self.ids["stages"]
        _write_rows(
            Stage,
            {stages[r["id"]]: {"loops_back_to_id": stages.get(r["loops_back_to"])} for r in rows},
        )

    def _note_values(self, row: Row) -> Row:
        return {
            "stage_id": self.ids["stages"][row["stage"]],
            "position": row["position"],
            "group_id": self.ids["groups"].get(row["group"]),
            "version": row["version"],
            "author_name": row["author"],
            "author_colour": row["author_colour"],
            **{name: row[name] for name in TOUCHPOINT_FIELDS},
        }

    def _action_values(self, snapshot: dict[str, Any]) -> Callable[[Row], Row]:
        owners = {_owner(a["owner"])[0] for a in snapshot["actions"]} - {None}
        accounts = set(get_user_model().objects.filter(pk__in=owners).values_list("pk", flat=True))

        def values(row: Row) -> Row:
            user, participant = _owner(row["owner"]) if self.native else (None, None)
            return {
                "touchpoint_id": self.ids["touchpoints"][row["touchpoint"]],
                "text": row["text"],
                # An account deleted since: the name stays, the link goes.
                "owner_user_id": user if user in accounts else None,
                "owner_participant": participant,
                "owner_name": row["owner_name"],
                "due": date.fromisoformat(row["due"]) if row["due"] else None,
                "status": row["status"],
                "version": row["version"],
            }

        return values

    def _feedback(self, feedback: dict[str, list[Row]]) -> None:
        """Customer feedback of the notes made again (the others kept theirs)."""
        notes = self.ids["touchpoints"]
        CustomerFeedback.objects.bulk_create(
            [
                CustomerFeedback(touchpoint_id=notes[int(pk)], **row)
                for pk, items in feedback.items()
                if notes.get(int(pk)) in self.made_notes
                for row in items
            ],
            batch_size=500,
        )


def _group_values(row: Row) -> Row:
    return {"name": row["name"]}


def _owner(owner: str) -> tuple[int | None, int | None]:
    kind, _, number = owner.partition(":")
    if not number.isdigit():
        return None, None
    return (int(number), None) if kind == "member" else (None, int(number))
