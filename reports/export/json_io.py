"""A whole map as one JSON document, and back.

The document names things by document-local references ("s1", "t3", "p2"), never database
ids, so it moves between instances and exporting an imported map gives the same document.
Only workshops whose votes were revealed are exported: hidden votes stay hidden.

Import goes through import_map (below): `clean_document` checks everything first and
reports every problem it finds (with where it is), and nothing is written unless all is well.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from maps import operations as ops
from maps import positions
from maps.models import (
    LANE_MAX,
    NAME_MAX,
    CustomerFeedback,
    JourneyMap,
    MapEvent,
    MapMembership,
    Persona,
    Stage,
    Tag,
    Touchpoint,
    TouchpointGroup,
)
from maps.serializers import PERSONA_FIELDS, STAGE_LANES, TOUCHPOINT_FIELDS, map_fields
from workshops.models import DISPLAY_NAME_MAX, Participant, Phase, Vote, Workshop
from workshops.tally import REVEALED_PHASES

FORMAT = "journeymap.map"
VERSION = 1
MAX_BYTES = 5 * 1024 * 1024
MAX_STAGES = 200
MAX_TOUCHPOINTS = 10_000
MAX_WORKSHOPS = 50
MAX_PARTICIPANTS = 500
MAX_ERRORS = 200  # a wholly wrong file would otherwise list thousands of the same mistake


# --- export ---------------------------------------------------------------------------------


def export_document(journey_map: JourneyMap) -> dict[str, Any]:
    stages = list(journey_map.stages.order_by("position", "id"))
    stage_ref = {s.pk: f"s{i}" for i, s in enumerate(stages, start=1)}
    groups = list(journey_map.groups.order_by("name", "id"))
    group_ref = {g.pk: f"g{i}" for i, g in enumerate(groups, start=1)}
    order = {s.pk: i for i, s in enumerate(stages)}
    notes = sorted(
        journey_map.touchpoints.all(), key=lambda t: (order[t.stage_id], t.position, t.pk)
    )
    note_ref = {t.pk: f"t{i}" for i, t in enumerate(notes, start=1)}
    persona = Persona.objects.filter(pk=journey_map.persona_id).first()
    feedback = sorted(
        CustomerFeedback.objects.filter(touchpoint__map=journey_map),
        key=lambda f: (int(note_ref[f.touchpoint_id][1:]), f.created_at, f.pk),
    )
    workshops = list(
        Workshop.objects.filter(map=journey_map, phase__in=REVEALED_PHASES).order_by(
            "created_at", "id"
        )
    )
    participants = Participant.objects.filter(workshop__in=workshops).order_by("joined_at", "id")
    votes = Vote.objects.filter(workshop__in=workshops).values_list(
        "workshop_id", "participant_id", "touchpoint_id", "tag"
    )
    return {
        "format": FORMAT,
        "version": VERSION,
        "map": {"title": journey_map.title, "scope": journey_map.scope, "state": journey_map.state},
        "persona": ({name: getattr(persona, name) for name in PERSONA_FIELDS} if persona else None),
        "stages": [
            {
                "ref": stage_ref[s.pk],
                "name": s.name,
                **{lane: getattr(s, lane) for lane in STAGE_LANES},
                "loops_back_to": stage_ref.get(s.loops_back_to_id),
            }
            for s in stages
        ],
        "groups": [{"ref": group_ref[g.pk], "name": g.name} for g in groups],
        "touchpoints": [
            {
                "ref": note_ref[t.pk],
                "stage": stage_ref[t.stage_id],
                "group": group_ref.get(t.group_id),
                **{name: getattr(t, name) for name in TOUCHPOINT_FIELDS},
            }
            for t in notes
        ],
        "feedback": [
            {
                "touchpoint": note_ref[f.touchpoint_id],
                "tag": f.tag,
                "score": f.score,
                "source": f.source,
                "comment": f.comment,
            }
            for f in feedback
        ],
        "workshops": _export_workshops(workshops, list(participants), list(votes), note_ref),
    }


def _export_workshops(workshops, participants, votes, note_ref) -> list[dict[str, Any]]:
    out = []
    for w_index, workshop in enumerate(workshops, start=1):
        people = [p for p in participants if p.workshop_id == workshop.pk]
        person_ref = {p.pk: f"p{i}" for i, p in enumerate(people, start=1)}
        cast = sorted(
            (int(person_ref[pid][1:]), int(note_ref[tid][1:]), tag)
            for wid, pid, tid, tag in votes
            if wid == workshop.pk
        )
        out.append(
            {
                "ref": f"w{w_index}",
                "title": workshop.title,
                "vote_budget": workshop.vote_budget,
                "created_at": workshop.created_at.isoformat(),
                "participants": [
                    {"ref": person_ref[p.pk], "display_name": p.display_name, "role": p.role}
                    for p in people
                ],
                "votes": [
                    {"participant": f"p{p}", "touchpoint": f"t{t}", "tag": tag}
                    for p, t, tag in cast
                ],
            }
        )
    return out


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


# --- validation -----------------------------------------------------------------------------


class DocumentInvalid(ops.OperationError):
    """The document cannot be imported; `errors` lists every problem found, with its place."""

    def __init__(self, errors: list[str]) -> None:
        summary = f"The file cannot be imported: {len(errors)} problem(s) found."
        super().__init__("invalid_document", summary, errors=errors)
        self.errors = errors


@dataclass
class Cleaned:
    """A validated document, ready to write."""

    map: dict[str, Any]
    persona: dict[str, Any] | None
    stages: list[dict[str, Any]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)
    touchpoints: list[dict[str, Any]] = field(default_factory=list)
    feedback: list[dict[str, Any]] = field(default_factory=list)
    workshops: list[dict[str, Any]] = field(default_factory=list)


class _Checker:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, where: str, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(f"{where}: {message}")

    def run(self, where: str, clean, *args: Any, **kwargs: Any) -> Any:
        try:
            return clean(*args, **kwargs)
        except ops.OperationError as problem:
            self.error(where, problem.message)
            return None

    def obj(self, value: Any, where: str, allowed: set[str], required: set[str]) -> dict | None:
        if not isinstance(value, dict):
            self.error(where, "must be an object")
            return None
        for key in sorted(set(value) - allowed):
            self.error(f"{where}.{key}", "is not a known field")
        for key in sorted(required - set(value)):
            self.error(f"{where}.{key}", "is missing")
        return value

    def array(self, value: Any, where: str, maximum: int) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(where, "must be a list")
            return []
        if len(value) > maximum:
            self.error(where, f"has {len(value)} entries; at most {maximum} can be imported")
            return []
        return value

    def ref(self, value: Any, where: str, seen: set[str]) -> str | None:
        if not isinstance(value, str) or not value or len(value) > 40:
            self.error(f"{where}.ref", "must be a short text reference")
            return None
        if value in seen:
            self.error(f"{where}.ref", f"{value!r} is used twice")
            return None
        seen.add(value)
        return value


def loads(data: bytes | str) -> Any:
    if len(data) > MAX_BYTES:
        raise DocumentInvalid([f"file: larger than {MAX_BYTES // (1024 * 1024)} MB"])
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError) as problem:
        raise DocumentInvalid([f"file: not valid JSON ({problem})"]) from None


def clean_document(raw: Any) -> Cleaned:
    """Check the whole document; raise DocumentInvalid listing every problem."""
    check = _Checker()
    top_fields = {"format", "version", "map", "persona", "stages", "groups", "touchpoints"}
    doc = check.obj(raw, "document", top_fields | {"feedback", "workshops"}, top_fields)
    if doc is None:
        raise DocumentInvalid(check.errors)
    if doc.get("format") != FORMAT:
        check.error("format", f"must be {FORMAT!r} (is this a Journeymap export?)")
    if doc.get("version") != VERSION:
        check.error("version", f"must be {VERSION}")
    cleaned = Cleaned(map=_clean_map(check, doc.get("map")), persona=None)
    if doc.get("persona") is not None:
        cleaned.persona = _clean_persona(check, doc["persona"])
    stage_refs = _clean_stages(check, doc.get("stages"), cleaned)
    group_refs = _clean_groups(check, doc.get("groups"), cleaned)
    note_refs = _clean_touchpoints(check, doc.get("touchpoints"), stage_refs, group_refs, cleaned)
    _clean_feedback(check, doc.get("feedback"), note_refs, cleaned)
    _clean_workshops(check, doc.get("workshops"), note_refs, cleaned)
    if check.errors:
        raise DocumentInvalid(check.errors)
    return cleaned


def _clean_map(check: _Checker, raw: Any) -> dict[str, Any]:
    data = check.obj(raw, "map", {"title", "scope", "state"}, {"title"}) or {}
    title = data.get("title")
    return {
        "title": check.run("map.title", ops.clean_text, title, "title", NAME_MAX, required=True)
        if title is not None
        else None,
        "scope": check.run("map.scope", ops.clean_text, data.get("scope", ""), "scope", 280),
        "state": check.run(
            "map.state",
            ops.clean_choice,
            data.get("state", JourneyMap.State.CURRENT),
            "state",
            JourneyMap.State.values,
        ),
    }


def _clean_persona(check: _Checker, raw: Any) -> dict[str, Any] | None:
    data = check.obj(raw, "persona", set(PERSONA_FIELDS), {"name"})
    if data is None:
        return None
    cleaned: dict[str, Any] = {}
    for name in PERSONA_FIELDS:
        if name in data:
            value = check.run(f"persona.{name}", ops.clean_persona_fields, {name: data[name]})
            if value is not None:
                cleaned.update(value)
    return cleaned


def _clean_stages(check: _Checker, raw: Any, cleaned: Cleaned) -> set[str]:
    refs: set[str] = set()
    allowed = {"ref", "name", "loops_back_to", *STAGE_LANES}
    for i, item in enumerate(check.array(raw, "stages", MAX_STAGES)):
        where = f"stages[{i}]"
        data = check.obj(item, where, allowed, {"ref", "name"})
        if data is None:
            continue
        earlier = set(refs)
        ref = check.ref(data.get("ref"), where, refs)
        fields = {k: v for k, v in data.items() if k in {"name", *STAGE_LANES}}
        stage: dict[str, Any] = {"ref": ref}
        for name, value in fields.items():
            result = check.run(f"{where}.{name}", ops.clean_stage_fields, {name: value})
            if result is not None:
                stage.update(result)
        loop = data.get("loops_back_to")
        if loop is not None and loop not in earlier:
            check.error(f"{where}.loops_back_to", f"{loop!r} is not an earlier stage")
        stage["loops_back_to"] = loop
        cleaned.stages.append(stage)
    return refs


def _clean_groups(check: _Checker, raw: Any, cleaned: Cleaned) -> set[str]:
    refs: set[str] = set()
    names: set[str] = set()
    for i, item in enumerate(check.array(raw, "groups", MAX_TOUCHPOINTS)):
        where = f"groups[{i}]"
        data = check.obj(item, where, {"ref", "name"}, {"ref", "name"})
        if data is None:
            continue
        ref = check.ref(data.get("ref"), where, refs)
        name = check.run(
            f"{where}.name", ops.clean_text, data.get("name"), "group name", NAME_MAX, required=True
        )
        if name is not None and name in names:
            check.error(f"{where}.name", f"there is already a group called {name!r}")
        names.add(name)
        cleaned.groups.append({"ref": ref, "name": name})
    return refs


def _clean_touchpoints(
    check: _Checker, raw: Any, stages: set[str], groups: set[str], cleaned: Cleaned
) -> dict[str, bool]:
    """Returns each touchpoint's ref with whether it is internal (votes may not be on those)."""
    refs: set[str] = set()
    internal: dict[str, bool] = {}
    allowed = {"ref", "stage", "group", *TOUCHPOINT_FIELDS}
    for i, item in enumerate(check.array(raw, "touchpoints", MAX_TOUCHPOINTS)):
        where = f"touchpoints[{i}]"
        data = check.obj(item, where, allowed, {"ref", "stage", "text"})
        if data is None:
            continue
        ref = check.ref(data.get("ref"), where, refs)
        if "stage" in data and data["stage"] not in stages:
            check.error(f"{where}.stage", f"{data['stage']!r} is not a stage of this document")
        group = data.get("group")
        if group is not None and group not in groups:
            check.error(f"{where}.group", f"{group!r} is not a group of this document")
        note: dict[str, Any] = {"ref": ref, "stage": data.get("stage"), "group": group}
        for name in TOUCHPOINT_FIELDS:
            if name in data:
                result = check.run(
                    f"{where}.{name}", ops.clean_touchpoint_fields, {name: data[name]}
                )
                if result is not None:
                    note.update(result)
        if ref is not None:
            internal[ref] = bool(note.get("internal"))
        cleaned.touchpoints.append(note)
    return internal


def _clean_feedback(check: _Checker, raw: Any, notes: dict[str, bool], cleaned: Cleaned) -> None:
    allowed = {"touchpoint", "tag", "score", "source", "comment"}
    for i, item in enumerate(check.array(raw, "feedback", MAX_TOUCHPOINTS * 10)):
        where = f"feedback[{i}]"
        data = check.obj(item, where, allowed, {"touchpoint"})
        if data is None:
            continue
        if data.get("touchpoint") not in notes:
            check.error(f"{where}.touchpoint", "is not a touchpoint of this document")
        before = len(check.errors)
        tag = check.run(
            f"{where}.tag", ops.clean_choice, data.get("tag", ""), "tag", ["", *Tag.values]
        )
        score = check.run(f"{where}.score", ops.clean_score, data.get("score"), "score")
        if len(check.errors) == before and not tag and score is None:
            check.error(where, "needs a tag or a score")
        cleaned.feedback.append(
            {
                "touchpoint": data.get("touchpoint"),
                "tag": tag or "",
                "score": score,
                "source": check.run(
                    f"{where}.source",
                    ops.clean_choice,
                    data.get("source", "other"),
                    "source",
                    CustomerFeedback.Source.values,
                ),
                "comment": check.run(
                    f"{where}.comment", ops.clean_text, data.get("comment", ""), "comment", LANE_MAX
                ),
            }
        )


def _clean_workshops(check: _Checker, raw: Any, notes: dict[str, bool], cleaned: Cleaned) -> None:
    refs: set[str] = set()
    allowed = {"ref", "title", "vote_budget", "created_at", "participants", "votes"}
    for i, item in enumerate(check.array(raw, "workshops", MAX_WORKSHOPS)):
        where = f"workshops[{i}]"
        data = check.obj(item, where, allowed, {"ref"})
        if data is None:
            continue
        check.ref(data.get("ref"), where, refs)
        budget = data.get("vote_budget", 10)
        if isinstance(budget, bool) or not isinstance(budget, int) or not 1 <= budget <= 100:
            check.error(f"{where}.vote_budget", "must be a whole number from 1 to 100")
        created = _datetime(data.get("created_at"))
        if "created_at" in data and created is None:
            check.error(f"{where}.created_at", "must be a date and time (ISO 8601)")
        workshop: dict[str, Any] = {
            "title": check.run(
                f"{where}.title", ops.clean_text, data.get("title", ""), "title", NAME_MAX
            ),
            "vote_budget": budget,
            "created_at": created,
            "participants": [],
            "votes": [],
        }
        people: set[str] = set()
        for j, person in enumerate(
            check.array(data.get("participants"), f"{where}.participants", MAX_PARTICIPANTS)
        ):
            at = f"{where}.participants[{j}]"
            entry = check.obj(person, at, {"ref", "display_name", "role"}, {"ref", "display_name"})
            if entry is None:
                continue
            workshop["participants"].append(
                {
                    "ref": check.ref(entry.get("ref"), at, people),
                    "display_name": check.run(
                        f"{at}.display_name",
                        ops.clean_text,
                        entry.get("display_name"),
                        "display name",
                        DISPLAY_NAME_MAX,
                        required=True,
                    ),
                    "role": check.run(
                        f"{at}.role",
                        ops.clean_choice,
                        entry.get("role", "participant"),
                        "role",
                        Participant.Role.values,
                    ),
                }
            )
        seen: set[tuple] = set()
        votes = check.array(data.get("votes"), f"{where}.votes", MAX_PARTICIPANTS * 100)
        for j, vote in enumerate(votes):
            at = f"{where}.votes[{j}]"
            entry = check.obj(
                vote, at, {"participant", "touchpoint", "tag"}, {"participant", "touchpoint", "tag"}
            )
            if entry is None:
                continue
            key = (entry.get("participant"), entry.get("touchpoint"), entry.get("tag"))
            if key[0] not in people:
                check.error(f"{at}.participant", "is not a participant of this workshop")
            if key[1] not in notes:
                check.error(f"{at}.touchpoint", "is not a touchpoint of this document")
            elif notes[key[1]]:
                check.error(
                    f"{at}.touchpoint", "is an internal note; internal notes are not voted on"
                )
            check.run(f"{at}.tag", ops.clean_choice, key[2], "tag", Tag.values)
            if key in seen:
                check.error(at, "the same vote is listed twice")
            seen.add(key)
            workshop["votes"].append(
                dict(zip(("participant", "touchpoint", "tag"), key, strict=True))
            )
        cleaned.workshops.append(workshop)


def _datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.UTC)
    return parsed


# --- writing (inside import_map's transaction) -------------------------------------------


def write_document(journey_map: JourneyMap, cleaned: Cleaned) -> dict[str, int]:
    """Create the document's contents on a new, empty map. Returns what was created."""
    stage_keys = positions.keys_after(None, len(cleaned.stages))
    stages: dict[str, Stage] = {}
    for data, key in zip(cleaned.stages, stage_keys, strict=True):
        fields = {k: v for k, v in data.items() if k not in ("ref", "loops_back_to")}
        stages[data["ref"]] = Stage.objects.create(map=journey_map, position=key, **fields)
    for data in cleaned.stages:
        if data["loops_back_to"]:
            stage = stages[data["ref"]]
            stage.loops_back_to = stages[data["loops_back_to"]]
            stage.save(update_fields=["loops_back_to"])
    groups = {
        data["ref"]: TouchpointGroup.objects.create(map=journey_map, name=data["name"])
        for data in cleaned.groups
    }
    per_stage: dict[str, list[dict[str, Any]]] = {}
    for data in cleaned.touchpoints:
        per_stage.setdefault(data["stage"], []).append(data)
    notes: dict[str, Touchpoint] = {}
    for stage_ref, items in per_stage.items():
        for data, key in zip(items, positions.keys_after(None, len(items)), strict=True):
            fields = {k: v for k, v in data.items() if k not in ("ref", "stage", "group")}
            notes[data["ref"]] = Touchpoint(
                map=journey_map,
                stage=stages[stage_ref],
                position=key,
                group=groups.get(data["group"]) if data["group"] else None,
                **fields,
            )
    # One insert per note keeps their ids in document order, which the next export relies on.
    Touchpoint.objects.bulk_create(notes[data["ref"]] for data in cleaned.touchpoints)
    CustomerFeedback.objects.bulk_create(
        CustomerFeedback(
            touchpoint=notes[f["touchpoint"]], **{k: v for k, v in f.items() if k != "touchpoint"}
        )
        for f in cleaned.feedback
    )
    votes = 0
    for data in cleaned.workshops:
        workshop = Workshop.objects.create(
            map=journey_map,
            title=data["title"],
            vote_budget=data["vote_budget"],
            phase=Phase.CLOSED,
            created_by=None,
        )
        if data["created_at"] is not None:
            Workshop.objects.filter(pk=workshop.pk).update(created_at=data["created_at"])
        people = {
            p["ref"]: Participant.objects.create(
                workshop=workshop, display_name=p["display_name"], role=p["role"]
            )
            for p in data["participants"]
        }
        Vote.objects.bulk_create(
            Vote(
                workshop=workshop,
                participant=people[v["participant"]],
                touchpoint=notes[v["touchpoint"]],
                tag=v["tag"],
            )
            for v in data["votes"]
        )
        votes += len(data["votes"])
    return {
        "stages": len(stages),
        "touchpoints": len(notes),
        "groups": len(groups),
        "feedback": len(cleaned.feedback),
        "workshops": len(cleaned.workshops),
        "votes": votes,
    }


# --- the import operation -------------------------------------------------------------------


def import_map(actor: ops.Actor, document: Any) -> tuple[JourneyMap, MapEvent]:
    """A new map, owned by the actor, from a JSON export.

    The whole document is checked first and every problem reported (DocumentInvalid, an
    OperationError with `errors`); then everything is written in one transaction, ending with
    the map's two events: map.created, then map.imported with what was created.
    """
    if actor.user is None:
        raise ops.OperationError("invalid", "An imported map needs an owner account.")
    cleaned = clean_document(document)
    with transaction.atomic():
        persona = None
        if cleaned.persona is not None:
            persona = Persona.objects.create(owner=actor.user, **cleaned.persona)
        journey_map = JourneyMap.objects.create(
            title=cleaned.map["title"],
            scope=cleaned.map["scope"],
            state=cleaned.map["state"],
            persona=persona,
            created_by=actor.user,
        )
        MapMembership.objects.create(
            map=journey_map, user=actor.user, role=MapMembership.Role.OWNER
        )
        counts = write_document(journey_map, cleaned)
        ops.record(journey_map, actor, "map.created", map_fields(journey_map))
        event = ops.record(journey_map, actor, "map.imported", {"created": counts})
    return journey_map, event
