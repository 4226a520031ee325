"""Events in words, for people: the history panel, the Undo button's tooltip and the sentence
that refuses an undo ("Ann moved “Pays by card” since"), and which objects an event touched."""

from __future__ import annotations

from typing import Any

from ..models import MapEvent
from .states import subjects

QUOTE_MAX = 60


def quoted(text: Any) -> str:
    text = " ".join(str(text or "").split())
    if len(text) > QUOTE_MAX:
        text = text[: QUOTE_MAX - 1] + "…"
    return f"“{text}”"


def _was(event: MapEvent, kind: str, pk: Any) -> dict[str, Any]:
    return ((event.before or {}).get(kind) or {}).get(str(pk)) or {}


def _note_text(event: MapEvent) -> str:
    payload = event.payload
    note = payload.get("touchpoint") or _was(event, "touchpoints", payload.get("id"))
    return quoted(note.get("text", ""))


def _stage_name(event: MapEvent) -> str:
    payload = event.payload
    stage = payload.get("stage") if isinstance(payload.get("stage"), dict) else None
    stage = stage or _was(event, "stages", payload.get("id"))
    return quoted(stage.get("name", ""))


def _action_text(event: MapEvent) -> str:
    action = event.payload.get("action") or {}
    return quoted(action.get("text", ""))


def _comment_text(event: MapEvent) -> str:
    return quoted(event.payload["comment"]["body"])


# What a reaction was given to, in the board's words.
_TARGETS = {"touchpoint": "note", "comment": "comment"}

_PHRASES = {
    "touchpoint.added": lambda e: f"added {_note_text(e)}",
    "touchpoint.updated": lambda e: f"changed {_note_text(e)}",
    "touchpoint.moved": lambda e: f"moved {_note_text(e)}",
    "touchpoint.deleted": lambda e: f"deleted {_note_text(e)}",
    "group.added": lambda e: f"made the group {quoted(e.payload['group']['name'])}",
    "group.renamed": lambda e: f"renamed a group {quoted(e.payload['group']['name'])}",
    "group.deleted": lambda e: (
        "ungrouped " + quoted(_was(e, "groups", e.payload.get("id")).get("name", ""))
    ),
    "stage.added": lambda e: f"added the stage {_stage_name(e)}",
    "stage.updated": lambda e: f"changed the stage {_stage_name(e)}",
    "stage.moved": lambda e: f"moved the stage {_stage_name(e)}",
    "stage.deleted": lambda e: f"deleted the stage {_stage_name(e)}",
    "action.added": lambda e: f"added the action {_action_text(e)}",
    "action.updated": lambda e: f"changed the action {_action_text(e)}",
    "action.deleted": lambda e: f"deleted the action {_action_text(e)}",
    "map.created": lambda e: "created the map",
    "map.updated": lambda e: "changed the map's title, scope or persona",
    "map.imported": lambda e: "imported the map",
    "persona.updated": lambda e: "edited the persona",
    "feedback.imported": lambda e: "imported customer feedback",
    "member.added": lambda e: f"let {e.payload.get('username', 'someone')} open the map",
    "member.updated": lambda e: f"changed {e.payload.get('username', 'someone')}'s role",
    "member.removed": lambda e: f"removed {e.payload.get('username', 'someone')} from the map",
    "stage.rebalanced": lambda e: "respaced a stage's notes",
    "spine.rebalanced": lambda e: "respaced the stages",
    "map.restored": lambda e: f"restored the version {quoted(e.payload.get('name', ''))}",
    "persona.added": lambda e: f"added the persona {quoted(e.payload['persona']['name'])}",
    "persona.removed": lambda e: "took a persona off the map",
    "persona.primary": lambda e: "changed the main persona",
    "stage.felt": lambda e: "changed how a persona feels at a stage",
    "touchpoint.scoped": lambda e: "changed which personas a note is for",
    "comment.added": lambda e: f"commented {_comment_text(e)}",
    "comment.updated": lambda e: f"edited the comment {_comment_text(e)}",
    "comment.deleted": lambda e: "deleted a comment",
    "thread.resolved": lambda e: "resolved a discussion",
    "thread.reopened": lambda e: "reopened a discussion",
    "reaction.changed": lambda e: (
        f"reacted to a {_TARGETS.get(e.payload['target'], 'comment')}"
        if e.payload["on"]
        else "took back a reaction"
    ),
    "undo": lambda e: f"undid: {e.payload.get('summary', 'a change')}",
    "redo": lambda e: f"redid: {e.payload.get('summary', 'a change')}",
}


def describe(event: MapEvent) -> str:
    """What the event's actor did, as a phrase without its subject: "moved “Pays by card”"."""
    phrase = _PHRASES.get(event.type)
    try:
        return phrase(event) if phrase is not None else "changed the map"
    except (KeyError, TypeError, AttributeError):  # an event from before its payload grew
        return "changed the map"


def note_ids(event: MapEvent) -> set[int]:
    """The notes an event changed (for a note's own history and the filter by note)."""
    ids = {int(pk) for pk in ((event.before or {}).get("touchpoints") or {})}
    payload = event.payload
    if isinstance(payload.get("touchpoint"), dict):
        ids.add(payload["touchpoint"]["id"])
    if event.type.startswith("touchpoint.") and isinstance(payload.get("id"), int):
        ids.add(payload["id"])
    ids.update(payload.get("touchpoints", []) if event.type.startswith("group.") else [])
    ids.update(payload.get("deleted_touchpoints", []))
    ids.update(m["id"] for m in payload.get("moved_touchpoints", []))
    for kind in ("changes", "removed"):
        rows = (payload.get(kind) or {}).get("touchpoints", [])
        ids.update(r["id"] if isinstance(r, dict) else r for r in rows)
    return ids


def stage_ids(event: MapEvent) -> set[int]:
    """The stages an event changed, or put notes in or took them from."""
    ids = {int(pk) for pk in ((event.before or {}).get("stages") or {})}
    for note in ((event.before or {}).get("touchpoints") or {}).values():
        if note:
            ids.add(note["stage"])
    payload = event.payload
    for key in ("touchpoint", "stage"):
        value = payload.get(key)
        if isinstance(value, dict):
            ids.add(value.get("stage", value.get("id")))
    if event.type in ("touchpoint.moved", "stage.moved", "stage.deleted"):
        ids.add(payload.get("stage") or payload.get("id"))
    ids.update(r["stage"] for r in (payload.get("changes") or {}).get("touchpoints", []))
    ids.update(r["id"] for r in (payload.get("changes") or {}).get("stages", []))
    ids.discard(None)
    return ids


def touched(event: MapEvent) -> set[str]:
    """The objects an event changed ("touchpoints:41", "stages:5", "map"), and the stages it
    put notes in ("stages:5:notes"): what an undo of someone else's may not overwrite."""
    keys = subjects(event.before)
    payload = event.payload
    if isinstance(payload.get("touchpoint"), dict):
        keys.add(f"stages:{payload['touchpoint']['stage']}:notes")
    if event.type == "touchpoint.moved":
        keys.add(f"stages:{payload['stage']}:notes")
    for moved in payload.get("moved_touchpoints", []):
        keys.add(f"stages:{moved['stage']}:notes")
    for note in (payload.get("changes") or {}).get("touchpoints", []):
        keys.add(f"stages:{note['stage']}:notes")
    return keys
