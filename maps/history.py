"""A map's history for people: its event log newest first, each person's changes of one kind
within one minute told as one line ("Ann moved 3 notes in Purchase"), filtered by person, stage
or note. Read-only; who may see it is the map's (or the workshop's) business, decided by the
views. Votes are never here: they are no map events (docs/voting.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .models import JourneyMap, MapEvent
from .operations.summary import describe, note_ids, quoted, stage_ids

# Bookkeeping nobody did on purpose: not shown.
HIDDEN = frozenset({"stage.rebalanced", "spine.rebalanced"})
# How many events one page of history reads at most (a filter may skip most of them).
PAGE_EVENTS = 2000
PAGE_LINES = 60

# The plural of each kind of change, for a line that counts several.
_MANY = {
    "touchpoint.added": "added {n} notes",
    "touchpoint.updated": "changed {n} notes",
    "touchpoint.moved": "moved {n} notes",
    "touchpoint.deleted": "deleted {n} notes",
    "group.added": "made {n} groups",
    "group.renamed": "renamed {n} groups",
    "group.deleted": "ungrouped {n} groups",
    "stage.added": "added {n} stages",
    "stage.updated": "changed {n} stages",
    "stage.moved": "moved {n} stages",
    "stage.deleted": "deleted {n} stages",
    "action.added": "added {n} actions",
    "action.updated": "changed {n} actions",
    "action.deleted": "deleted {n} actions",
    "undo": "undid {n} changes",
    "redo": "redid {n} changes",
}


@dataclass
class Line:
    """One line of the history: one person's changes of one kind within one minute."""

    who: str
    person: str  # "account:<id>", "guest:<participant id>" or "system"
    kind: str
    minute: datetime
    events: list[MapEvent] = field(default_factory=list)
    text: str = ""

    @property
    def note(self) -> int | None:
        """The one note this line is about, if it is about one (its own history is a link)."""
        ids = set.union(*(note_ids(e) for e in self.events))
        return next(iter(ids)) if len(ids) == 1 else None

    @property
    def newest(self) -> int:
        return self.events[0].revision

    @property
    def oldest(self) -> int:
        return self.events[-1].revision


def person_key(event: MapEvent) -> str:
    if event.actor_id is not None:
        return f"account:{event.actor_id}"
    if event.actor_participant is not None:
        return f"guest:{event.actor_participant}"
    return "system"


def people(journey_map: JourneyMap) -> list[tuple[str, str]]:
    """Everyone who changed the map, as (person key, name), by name."""
    rows = (
        MapEvent.objects.filter(map=journey_map)
        .exclude(type__in=HIDDEN)
        .order_by()
        .values_list("actor_id", "actor_participant", "actor_name")
        .distinct()
    )
    found: dict[str, str] = {}
    for actor, participant, name in rows:
        key = (
            f"account:{actor}"
            if actor is not None
            else f"guest:{participant}"
            if participant is not None
            else "system"
        )
        found.setdefault(key, name or "system")
    return sorted(found.items(), key=lambda item: (item[1].casefold(), item[0]))


def history(
    journey_map: JourneyMap,
    *,
    person: str = "",
    stage: int | None = None,
    note: int | None = None,
    older_than: int | None = None,
) -> tuple[list[Line], int | None]:
    """The history's lines, newest first, and the revision to ask `older_than` for the next
    page (None: this was the oldest)."""
    events = MapEvent.objects.filter(map=journey_map).exclude(type__in=HIDDEN)
    if older_than is not None:
        events = events.filter(revision__lt=older_than)
    if person.startswith("account:") and person[8:].isdigit():
        events = events.filter(actor_id=int(person[8:]))
    elif person.startswith("guest:") and person[6:].isdigit():
        events = events.filter(actor__isnull=True, actor_participant=int(person[6:]))
    elif person == "system":
        events = events.filter(actor__isnull=True, actor_participant__isnull=True)
    page = list(events.order_by("-revision")[:PAGE_EVENTS])
    lines: list[Line] = []
    names = dict(journey_map.stages.values_list("pk", "name"))
    last_read = None
    for event in page:
        if len(lines) >= PAGE_LINES:
            break
        last_read = event.revision
        if note is not None and note not in note_ids(event):
            continue
        if stage is not None and stage not in stage_ids(event):
            continue
        _add(lines, event)
    more = last_read if page and (len(page) == PAGE_EVENTS or len(lines) >= PAGE_LINES) else None
    for line in lines:
        line.text = _sentence(line, names)
    return lines, more


def _add(lines: list[Line], event: MapEvent) -> None:
    minute = event.created_at.replace(second=0, microsecond=0)
    key = person_key(event)
    last = lines[-1] if lines else None
    if last is not None and (last.person, last.kind, last.minute) == (key, event.type, minute):
        last.events.append(event)
        return
    lines.append(Line(event.actor_name or "system", key, event.type, minute, [event]))


def _sentence(line: Line, stage_names: dict[int, str]) -> str:
    """What the line's person did: one change in full, several counted ("moved 3 notes"), with
    the stage when all of them were in one ("in Purchase")."""
    if len(line.events) == 1:
        return describe(line.events[0])
    many = _MANY.get(line.kind)
    if many is None:
        return f"{describe(line.events[0])} and {len(line.events) - 1} more changes"
    text = many.format(n=len(line.events))
    if line.kind == "touchpoint.moved":
        return text + _where_to(line.events, stage_names)
    if line.kind.startswith(("touchpoint.", "action.")):
        stages = set.intersection(*(stage_ids(e) or {0} for e in line.events))
        where = [stage_names[s] for s in stages if s in stage_names]
        if len(where) == 1:
            text += f" in {where[0]}"
    return text


def _where_to(events: list[MapEvent], stage_names: dict[int, str]) -> str:
    """Moves: " in Purchase" when every note moved within it, " to Purchase" when every note
    went there from elsewhere, nothing when they went to several stages."""
    targets = {e.payload.get("stage") for e in events}
    if len(targets) != 1 or next(iter(targets)) not in stage_names:
        return ""
    target = next(iter(targets))
    within = all(stage_ids(e) == {target} for e in events)
    return f" {'in' if within else 'to'} {stage_names[target]}"


def note_label(journey_map: JourneyMap, note: int | None) -> str:
    """The note a history is filtered by, in words (it may be deleted: then from the log)."""
    if note is None:
        return ""
    found = journey_map.touchpoints.filter(pk=note).values_list("text", flat=True).first()
    if found is not None:
        return quoted(found)
    deleted = MapEvent.objects.filter(map=journey_map, type="touchpoint.deleted", payload__id=note)
    event = deleted.order_by("-revision").first()
    return quoted(_deleted_text(event)) if event is not None else "a note"


def _deleted_text(event: MapEvent) -> Any:
    return (event.payload.get("touchpoint") or {}).get("text", "")
