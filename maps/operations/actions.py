"""Action items: a touchpoint turned into what the team will do about it, who does it, and by
when (the Discuss phase's outcome; the PDF's "who does what by when").

The owner is a member of the map or a person in one of its workshops. The map domain does not
know workshops (they are above it), so the workshops app tells it how to find such a person
(`find_participants_with`, called from workshops/apps.py); without it only members can own an
action.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from django.db import transaction

from ..errors import Actor, OperationError
from ..models import (
    ACTION_MAX,
    NAME_MAX,
    ActionItem,
    JourneyMap,
    MapEvent,
    MapMembership,
    Touchpoint,
)
from ..permissions import When, Who
from ..serializers import action_data
from .clean import clean_choice, clean_id, clean_index, clean_text
from .log import lock_map, one_or_none, record
from .notes import get_touchpoint
from .registry import CHOICE, ID, INDEX, TEXT, Field, operation
from .states import action_state, created

ACTION_NOT_FOUND = "That action is not on this map (it may have been deleted)."
# A due date a person could mean: anything else is a typing slip (a year 20266) or a probe.
DUE_EARLIEST, DUE_LATEST = date(2000, 1, 1), date(2999, 12, 31)
_DUE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_OWNER = re.compile(r"(member|participant):([1-9][0-9]{0,17})")

# participant id, map id -> that person's display name, if they are in (not removed from) a
# workshop on that map; else None.
ParticipantLookup = Callable[[int, int], str | None]


def _nobody(_participant_id: int, _map_id: int) -> str | None:
    return None


_participant_name: ParticipantLookup = _nobody


def find_participants_with(lookup: ParticipantLookup) -> None:
    """How to find a workshop's participant as an action's owner (workshops/apps.py)."""
    global _participant_name
    _participant_name = lookup


def participant_name(participant_id: int, map_id: int) -> str | None:
    """The display name of a person in (not removed from) a workshop on the map, or None: an
    action's owner, and whom a comment may mention (maps.operations.discussion)."""
    return _participant_name(participant_id, map_id)


# The fields an action has besides its text (as operation fields).
ACTION_FIELDS = (
    Field("owner", TEXT, note='"member:N" (user id), "participant:N"; "": nobody'),
    Field("due", TEXT, note='"YYYY-MM-DD"; "" or null: none'),
    Field("status", CHOICE, note='"open", "doing" or "done"'),
)


def clean_due(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _DUE.fullmatch(value):
        raise OperationError("invalid", "due must be a date: YYYY-MM-DD.", field="due")
    try:
        due = date.fromisoformat(value)
    except ValueError:
        raise OperationError("invalid", "due is not a date of the calendar.", field="due") from None
    if not DUE_EARLIEST <= due <= DUE_LATEST:
        raise OperationError(
            "invalid",
            f"due must be between {DUE_EARLIEST.year} and {DUE_LATEST.year}.",
            field="due",
        )
    return due


def clean_owner(journey_map: JourneyMap, value: Any) -> tuple[int | None, int | None, str]:
    """(user id, participant id, name) of the owner `value` names; ("", nothing) is nobody.
    Only a member of this map, or a person in (not removed from) one of its workshops."""
    if value is None or value == "":
        return None, None, ""
    match = _OWNER.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise OperationError(
            "invalid",
            'owner must be "member:<user id>", "participant:<id>" or "".',
            field="owner",
        )
    kind, number = match.group(1), int(match.group(2))
    if kind == "member":
        membership = one_or_none(
            MapMembership.objects.filter(map=journey_map, user_id=number).select_related("user")
        )
        if membership is None:
            raise OperationError("not_found", "That person is not a member of this map.")
        return number, None, membership.user.get_username()[:NAME_MAX]
    name = _participant_name(number, journey_map.pk)
    if name is None:
        raise OperationError("not_found", "That person is not in a workshop on this map.")
    return None, number, name[:NAME_MAX]


def clean_action_fields(journey_map: JourneyMap, fields: dict[str, Any]) -> dict[str, Any]:
    """Model fields from an operation's fields (text, owner, due, status)."""
    cleaned: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "text":
            cleaned["text"] = clean_text(value, "text", ACTION_MAX, required=True)
        elif name == "owner":
            user, participant, owner_name = clean_owner(journey_map, value)
            cleaned.update(owner_user_id=user, owner_participant=participant, owner_name=owner_name)
        elif name == "due":
            cleaned["due"] = clean_due(value)
        elif name == "status":
            cleaned["status"] = clean_choice(value, "status", ActionItem.Status.values)
        else:
            raise OperationError("invalid", f"Unknown action field {name[:40]!r}.", field=name[:40])
    return cleaned


def get_action(journey_map: JourneyMap, action_id: Any) -> ActionItem:
    action = one_or_none(
        ActionItem.objects.filter(pk=clean_id(action_id, "action"), map=journey_map)
    )
    if action is None:
        raise OperationError("not_found", ACTION_NOT_FOUND)
    return action


@operation(
    "action.add",
    Field("touchpoint", ID, required=True, note="the note it is about"),
    Field("text", TEXT, required=True, note=f"≤ {ACTION_MAX}"),
    *ACTION_FIELDS,
    who=Who.EDITORS,
    when=When.DISCUSSING,
)
def add_action(
    actor: Actor,
    journey_map: JourneyMap,
    *,
    touchpoint: Any,
    text: Any,
    op_id: str | None = None,
    **fields: Any,
) -> MapEvent:
    """Turn a touchpoint into an action: what (text), who (owner), by when (due)."""
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        note = get_touchpoint(locked, touchpoint)
        cleaned = clean_action_fields(locked, {"text": text, **fields})
        action = ActionItem.objects.create(map=locked, touchpoint=note, **cleaned)
        payload, before = {"action": action_data(action)}, created("actions", action.pk)
        return record(locked, actor, "action.added", payload, op_id, before)


@operation(
    "action.update",
    Field("action", ID, required=True),
    Field("base_version", INDEX, note="the version a text edit is based on"),
    Field("text", TEXT, note=f"≤ {ACTION_MAX}"),
    *ACTION_FIELDS,
    who=Who.EDITORS,
    when=When.DISCUSSING,
)
def update_action(
    actor: Actor,
    journey_map: JourneyMap,
    action: Any,
    *,
    base_version: Any = None,
    op_id: str | None = None,
    **fields: Any,
) -> MapEvent:
    """Change an action's text, owner, due date or status. As with a note, a text edit based
    on an older version is refused (`conflict`, with the action now), never silently lost."""
    if base_version is not None:
        base_version = clean_index(base_version, "base_version")
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        item = get_action(locked, action)
        before = {"actions": {str(item.pk): action_state(item)}}
        cleaned = clean_action_fields(locked, fields)
        if "text" in cleaned and cleaned["text"] != item.text:
            if base_version is not None and base_version != item.version:
                raise OperationError(
                    "conflict",
                    "Someone else changed this action while you were editing it.",
                    current=action_data(item),
                )
            item.version += 1
        for name, value in cleaned.items():
            setattr(item, name, value)
        item.save()
        payload = {"action": action_data(item)}
        return record(locked, actor, "action.updated", payload, op_id, before)


@operation(
    "action.delete",
    Field("action", ID, required=True),
    who=Who.EDITORS,
    when=When.DISCUSSING,
)
def delete_action(
    actor: Actor, journey_map: JourneyMap, action: Any, *, op_id: str | None = None
) -> MapEvent:
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        item = get_action(locked, action)
        payload = {"id": item.pk, "action": action_data(item)}
        before = {"actions": {str(item.pk): action_state(item)}}
        item.delete()
        return record(locked, actor, "action.deleted", payload, op_id, before)


# --- from a spreadsheet (reports.export.actions_csv) ------------------------------------------


def import_actions(
    actor: Actor, journey_map: JourneyMap, rows: list[dict[str, Any]]
) -> list[MapEvent]:
    """Action items from a spreadsheet: each row names its touchpoint by text (and stage name,
    when the text is on several stages: else the first note with it, in board order), and its
    owner by name only (as a JSON import: reports.export.json_io). Every row is checked first;
    one bad row refuses them all (`invalid_rows` with `errors`, each naming its line). Each
    action gets the event an added action gets, so open boards show it at once."""
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        notes: dict[str, list[tuple[str, Touchpoint]]] = {}
        for note in locked.touchpoints.select_related("stage").order_by(
            "stage__position", "position", "id"
        ):
            notes.setdefault(note.text, []).append((note.stage.name, note))
        errors: list[str] = []
        cleaned: list[tuple[Touchpoint, dict[str, Any]]] = []
        for row in rows:
            line = row.get("line", "?")
            try:
                note = _named_note(notes, row.get("touchpoint", ""), row.get("stage", ""))
                fields = clean_action_fields(
                    locked, {k: row[k] for k in ("text", "due", "status") if k in row}
                )
                fields["owner_name"] = clean_text(row.get("owner", ""), "owner", NAME_MAX)
            except OperationError as problem:
                errors.append(f"line {line}: {problem.message}")
                continue
            cleaned.append((note, fields))
        if errors:
            raise OperationError(
                "invalid_rows", f"{len(errors)} row(s) cannot be imported.", errors=errors
            )
        events = []
        for note, fields in cleaned:
            action = ActionItem.objects.create(map=locked, touchpoint=note, **fields)
            events.append(record(locked, actor, "action.added", {"action": action_data(action)}))
        return events


def _named_note(
    notes: dict[str, list[tuple[str, Touchpoint]]], text: Any, stage: Any
) -> Touchpoint:
    found = [note for name, note in notes.get(text, []) if not stage or name == stage]
    if not found:
        where = f" in stage {str(stage)[:120]!r}" if stage else ""
        raise OperationError("not_found", f"no touchpoint reads {str(text)[:120]!r}{where}")
    return found[0]
