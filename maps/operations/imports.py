"""Notes from a spreadsheet, appended to their stages (the CSV import: reports.export.csv_io)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from .. import positions
from ..errors import Actor, OperationError
from ..models import NAME_MAX, JourneyMap, MapEvent, Stage, Touchpoint, TouchpointGroup
from ..serializers import group_data, touchpoint_data
from .clean import clean_text
from .log import lock_map, record
from .notes import clean_touchpoint_fields


def import_touchpoints(
    actor: Actor, journey_map: JourneyMap, rows: list[dict[str, Any]]
) -> list[MapEvent]:
    """Add notes from a spreadsheet (reports.export.csv_io) at the end of their stages.

    Each row names its stage by name; every row is checked first, and one refused row refuses
    them all (OperationError `invalid_rows` with `errors`, each naming its line). Groups named
    in the rows are created when the map has none of that name. Each note gets the event an
    added note gets, so open boards show them at once.
    """
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        stages = {stage.name: stage for stage in locked.stages.order_by("position", "id")}
        groups = {group.name: group for group in locked.groups.all()}
        errors: list[str] = []
        cleaned: list[tuple[Stage, str, dict[str, Any]]] = []
        for row in rows:
            line = row.get("line", "?")
            stage = stages.get(row.get("stage", ""))
            if stage is None:
                errors.append(f"line {line}: stage {row.get('stage', '')!r} is not on this map")
            try:
                fields = clean_touchpoint_fields(
                    {
                        k: row[k]
                        for k in ("text", "channel", "department", "critical", "internal")
                        if k in row
                    }
                )
                group = clean_text(row.get("group", ""), "group name", NAME_MAX)
            except OperationError as problem:
                errors.append(f"line {line}: {problem.message}")
                continue
            if "text" not in fields:
                errors.append(f"line {line}: text cannot be empty.")
            if stage is not None and "text" in fields:
                cleaned.append((stage, group, fields))
        if errors:
            raise OperationError(
                "invalid_rows", f"{len(errors)} row(s) cannot be imported.", errors=errors
            )
        events = []
        for stage, group_name, fields in cleaned:
            group = groups.get(group_name) if group_name else None
            if group_name and group is None:
                group = groups[group_name] = TouchpointGroup.objects.create(
                    map=locked, name=group_name
                )
                payload = {"group": group_data(group), "touchpoints": []}
                events.append(record(locked, actor, "group.added", payload))
            last = stage.touchpoints.order_by("-position").values_list("position", flat=True)
            position = positions.key_between(last.first(), None)
            touchpoint = Touchpoint.objects.create(
                map=locked, stage=stage, position=position, group=group, **fields
            )
            payload = {"touchpoint": touchpoint_data(touchpoint)}
            events.append(record(locked, actor, "touchpoint.added", payload))
        return events
