"""Checking a JSON map document before anything is written (reports.export.json_io).

`clean_document` walks the whole document and reports every problem it finds with its place
(`touchpoints[3].stage: ...`), up to MAX_ERRORS; it never raises anything but DocumentInvalid,
whatever the file holds (a reference given as a list, a date Python cannot hold in UTC).
The limits are written down in docs/design.md, "Imports".
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from maps import operations as ops
from maps.models import (
    ACTION_MAX,
    LANE_MAX,
    NAME_MAX,
    ActionItem,
    CustomerFeedback,
    JourneyMap,
    MapVersion,
    Tag,
)
from maps.operations.actions import clean_due
from maps.serializers import STAGE_LANES, TOUCHPOINT_FIELDS
from workshops.models import DISPLAY_NAME_MAX, Participant

from .json_comments import clean_comments
from .json_personas import clean_named, clean_personas

FORMAT = "journeymap.map"
# 2 lists the map's personas under `personas` (issue 20); a version 1 document (`persona`: one,
# or null) still imports.
VERSION = 2
VERSIONS = (1, 2)
MAX_BYTES = 5 * 1024 * 1024
MAX_STAGES = 200
MAX_TOUCHPOINTS = 10_000
MAX_WORKSHOPS = 50
MAX_PARTICIPANTS = 500
MAX_ACTIONS = 10_000
MAX_VERSIONS = 100  # a map's history, when asked for (`--with-history`)
MAX_ERRORS = 200  # a wholly wrong file would otherwise list thousands of the same mistake
# A workshop's date: well inside what Python, both databases and every time zone can show.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)


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
    persona: dict[str, Any] | None  # the primary's fields
    # Every persona, primary first: {ref, fields, feelings} (reports/export/json_personas.py).
    personas: list[dict[str, Any]] = field(default_factory=list)
    stages: list[dict[str, Any]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)
    touchpoints: list[dict[str, Any]] = field(default_factory=list)
    feedback: list[dict[str, Any]] = field(default_factory=list)
    workshops: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    # With `--with-history`: {name, kind, created_at, revision, document: Cleaned}, oldest first.
    versions: list[dict[str, Any]] = field(default_factory=list)
    # threads, comments, reactions: reports.export.json_comments
    comments: dict[str, Any] = field(default_factory=dict)


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

    def refers(self, value: Any, where: str, known: Collection[str], problem: str) -> bool:
        """Whether `value` names one of `known`; if not, an error at `where`. A reference is
        short text: a list or an object names nothing (and cannot even be looked up)."""
        if isinstance(value, str) and value in known:
            return True
        if isinstance(value, str):
            self.error(where, f"{value[:40]!r} {problem}")
        else:
            self.error(where, 'must be a reference: text such as "s1"')
        return False

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


def clean_document(raw: Any, *, in_version: bool = False) -> Cleaned:
    """Check the whole document; raise DocumentInvalid listing every problem. A version's own
    document (`in_version`) holds no workshops and no versions."""
    check = _Checker()
    top_fields = {"format", "version", "map", "stages", "groups", "touchpoints"}
    optional = {"persona", "personas", "feedback", "actions", "comments"}
    optional = optional if in_version else optional | {"workshops", "versions"}
    doc = check.obj(raw, "document", top_fields | optional, top_fields)
    if doc is None:
        raise DocumentInvalid(check.errors)
    if doc.get("format") != FORMAT:
        check.error("format", f"must be {FORMAT!r} (is this a Journeymap export?)")
    if doc.get("version") not in VERSIONS:
        check.error("version", f"must be {VERSION} (or {VERSIONS[0]}, from before segments)")
    if "persona" not in doc and "personas" not in doc:
        check.error("document.personas", "is missing")
    cleaned = Cleaned(map=_clean_map(check, doc.get("map")), persona=None)
    stage_refs = _clean_stages(check, doc.get("stages"), cleaned)
    persona_refs = clean_personas(check, doc, stage_refs, cleaned)
    group_refs = _clean_groups(check, doc.get("groups"), cleaned)
    note_refs = _clean_touchpoints(
        check, doc.get("touchpoints"), stage_refs, group_refs, cleaned, persona_refs
    )
    _clean_feedback(check, doc.get("feedback"), note_refs, cleaned)
    _clean_workshops(check, doc.get("workshops"), note_refs, cleaned, persona_refs)
    _clean_actions(check, doc.get("actions"), note_refs, cleaned)
    cleaned.comments = clean_comments(check, doc.get("comments"), note_refs, stage_refs, _datetime)
    if not in_version:
        _clean_versions(check, doc.get("versions"), cleaned)
    if check.errors:
        raise DocumentInvalid(check.errors)
    return cleaned


def _clean_versions(check: _Checker, raw: Any, cleaned: Cleaned) -> None:
    """The map's versions (reports.export.history_io): each a whole document of its own."""
    kinds = list(MapVersion.Kind.values)
    allowed = {"name", "kind", "created_at", "revision", "document"}
    for i, item in enumerate(check.array(raw, "versions", MAX_VERSIONS)):
        where = f"versions[{i}]"
        data = check.obj(item, where, allowed, {"name", "document"})
        if data is None:
            continue
        name = check.run(
            f"{where}.name", ops.clean_text, data.get("name"), "name", NAME_MAX, required=True
        )
        kind = check.run(
            f"{where}.kind", ops.clean_choice, data.get("kind", "named"), "kind", kinds
        )
        created_at = _datetime(data.get("created_at")) if "created_at" in data else None
        if "created_at" in data and created_at is None:
            check.error(f"{where}.created_at", "must be a date and time (ISO 8601)")
        revision = data.get("revision", 0)
        if isinstance(revision, bool) or not isinstance(revision, int) or not 0 <= revision < 2**62:
            check.error(f"{where}.revision", "must be a whole number, 0 or more")
        try:
            document = clean_document(data.get("document"), in_version=True)
        except DocumentInvalid as invalid:
            for problem in invalid.errors:
                check.error(f"{where}.document", problem)
            continue
        cleaned.versions.append(
            {
                "name": name,
                "kind": kind,
                "created_at": created_at,
                "revision": revision,
                "document": document,
            }
        )


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
        if loop is not None:
            check.refers(loop, f"{where}.loops_back_to", earlier, "is not an earlier stage")
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
    check: _Checker,
    raw: Any,
    stages: set[str],
    groups: set[str],
    cleaned: Cleaned,
    personas: set[str],
) -> dict[str, bool]:
    """Returns each touchpoint's ref with whether it is internal (votes may not be on those)."""
    refs: set[str] = set()
    internal: dict[str, bool] = {}
    allowed = {"ref", "stage", "group", "personas", *TOUCHPOINT_FIELDS}
    for i, item in enumerate(check.array(raw, "touchpoints", MAX_TOUCHPOINTS)):
        where = f"touchpoints[{i}]"
        data = check.obj(item, where, allowed, {"ref", "stage", "text"})
        if data is None:
            continue
        ref = check.ref(data.get("ref"), where, refs)
        if "stage" in data:
            check.refers(data["stage"], f"{where}.stage", stages, "is not a stage of this document")
        group = data.get("group")
        if group is not None:
            check.refers(group, f"{where}.group", groups, "is not a group of this document")
        note: dict[str, Any] = {"ref": ref, "stage": data.get("stage"), "group": group}
        note["personas"] = clean_named(check, data.get("personas"), f"{where}.personas", personas)
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
        check.refers(
            data.get("touchpoint"),
            f"{where}.touchpoint",
            notes,
            "is not a touchpoint of this document",
        )
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


def _clean_workshops(
    check: _Checker, raw: Any, notes: dict[str, bool], cleaned: Cleaned, personas: set[str]
) -> None:
    refs: set[str] = set()
    allowed = {"ref", "title", "vote_budget", "created_at", "participants", "votes"}
    allowed.add("votes_per_persona")
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
            check.error(
                f"{where}.created_at",
                f"must be a date and time (ISO 8601) in the years {EARLIEST.year} to "
                f"{LATEST.year - 1}",
            )
        workshop: dict[str, Any] = {
            "title": check.run(
                f"{where}.title", ops.clean_text, data.get("title", ""), "title", NAME_MAX
            ),
            "vote_budget": budget,
            "created_at": created,
            "participants": [],
            "votes": [],
            "votes_per_persona": data.get("votes_per_persona", False),
        }
        if not isinstance(workshop["votes_per_persona"], bool):
            check.error(f"{where}.votes_per_persona", "must be true or false")
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
                vote,
                at,
                {"participant", "touchpoint", "tag", "persona"},
                {"participant", "touchpoint", "tag"},
            )
            if entry is None:
                continue
            key = (entry.get("participant"), entry.get("touchpoint"), entry.get("tag"))
            for_whom = entry.get("persona")  # for one persona (issue 20), else everyone
            if for_whom is not None:
                check.refers(for_whom, f"{at}.persona", personas, "is not a persona")
            check.refers(
                key[0], f"{at}.participant", people, "is not a participant of this workshop"
            )
            note = check.refers(
                key[1], f"{at}.touchpoint", notes, "is not a touchpoint of this document"
            )
            if note and notes[key[1]]:
                check.error(
                    f"{at}.touchpoint", "is an internal note; internal notes are not voted on"
                )
            tag = check.run(f"{at}.tag", ops.clean_choice, key[2], "tag", Tag.values)
            if tag is not None and all(isinstance(part, str) for part in key):
                if (*key, for_whom) in seen:
                    check.error(at, "the same vote is listed twice")
                seen.add((*key, for_whom))
            workshop["votes"].append(
                {
                    **dict(zip(("participant", "touchpoint", "tag"), key, strict=True)),
                    "persona": for_whom,
                }
            )
        cleaned.workshops.append(workshop)


def _clean_actions(check: _Checker, raw: Any, notes: dict[str, bool], cleaned: Cleaned) -> None:
    """Action items; an owner is a name (json_io._export_actions says why)."""
    allowed = {"touchpoint", "text", "owner", "due", "status"}
    for i, item in enumerate(check.array(raw, "actions", MAX_ACTIONS)):
        where = f"actions[{i}]"
        data = check.obj(item, where, allowed, {"touchpoint", "text"})
        if data is None:
            continue
        check.refers(
            data.get("touchpoint"),
            f"{where}.touchpoint",
            notes,
            "is not a touchpoint of this document",
        )
        cleaned.actions.append(
            {
                "touchpoint": data.get("touchpoint"),
                "text": check.run(
                    f"{where}.text",
                    ops.clean_text,
                    data.get("text"),
                    "text",
                    ACTION_MAX,
                    required=True,
                ),
                "owner_name": check.run(
                    f"{where}.owner", ops.clean_text, data.get("owner", ""), "owner", NAME_MAX
                ),
                "due": check.run(f"{where}.due", clean_due, data.get("due")),
                "status": check.run(
                    f"{where}.status",
                    ops.clean_choice,
                    data.get("status", ActionItem.Status.OPEN),
                    "status",
                    ActionItem.Status.values,
                ),
            }
        )


def _datetime(value: Any) -> datetime | None:
    """The moment, if it is one between EARLIEST and LATEST. A date at either end of Python's
    range with an offset (9999-12-31T23:59:59-14:00) cannot even be expressed in UTC."""
    if not isinstance(value, str):
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    if parsed is None:
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, UTC)
    try:
        moment = parsed.astimezone(UTC)
    except OverflowError:
        return None
    return moment if EARLIEST <= moment < LATEST else None
