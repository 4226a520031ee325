"""The segments' part of a client's board state (issue 20), and how their events change it, as
the browser applies them: which personas (ids, primary first), how each further persona feels at
each stage, and which notes name whose journey they are on."""

from __future__ import annotations

from typing import Any


def segments_state(snapshot: dict[str, Any]) -> dict[str, Any]:
    return {
        "personas": [p["id"] for p in snapshot["personas"]],
        "feelings": {_key(f): dict(f) for f in snapshot["feelings"]},
        "scopes": {key: list(ids) for key, ids in snapshot["scopes"].items()},
    }


def _key(feeling: dict[str, Any]) -> str:
    return f"{feeling['stage']}:{feeling['persona']}"


def _drop_feelings(state: dict[str, Any], *, stage: int | None = None, persona=None) -> None:
    feelings = state["feelings"]
    for key in [k for k, f in feelings.items() if stage in (None, f["stage"])]:
        if persona is None or feelings[key]["persona"] == persona:
            del feelings[key]


def apply_segment_event(state: dict[str, Any], kind: str, payload: dict[str, Any]) -> None:
    personas, scopes = state["personas"], state["scopes"]
    if kind == "map.updated" and payload["persona"] != (personas[0] if personas else None):
        # The settings page changed the primary for another persona of the library.
        if personas and payload["persona"] is None:
            personas.pop(0)
        elif personas:
            personas[0] = payload["persona"]
        else:
            personas.append(payload["persona"])
    elif kind == "persona.added":
        personas.insert(0 if payload["primary"] else len(personas), payload["persona"]["id"])
    elif kind == "persona.removed":
        personas.remove(payload["persona"])
        _drop_feelings(state, persona=payload["persona"])
        for note_id in payload["touchpoints"]:
            named = [p for p in scopes.get(str(note_id), []) if p != payload["persona"]]
            if named:
                scopes[str(note_id)] = named
            else:
                scopes.pop(str(note_id), None)
    elif kind == "persona.primary":
        personas[personas.index(payload["persona"])] = payload["previous"]
        personas[0] = payload["persona"]
        for stage in payload["stages"]:
            state["stages"][stage["id"]] = dict(stage)
        _drop_feelings(state, persona=payload["persona"])
        for feeling in payload["feelings"]:
            state["feelings"][_key(feeling)] = dict(feeling)
    if kind.startswith("persona.") and kind != "persona.updated":
        # The map's own `persona` field is its primary: the first of its personas.
        state["map"]["persona"] = personas[0] if personas else None
    if kind == "stage.felt":
        state["feelings"][_key(payload["feeling"])] = dict(payload["feeling"])
    elif kind == "touchpoint.scoped":
        if payload["personas"]:
            scopes[str(payload["id"])] = list(payload["personas"])
        else:
            scopes.pop(str(payload["id"]), None)
    elif kind == "touchpoint.deleted":
        scopes.pop(str(payload["id"]), None)
    elif kind == "stage.deleted":
        _drop_feelings(state, stage=payload["id"])
        for note_id in payload["deleted_touchpoints"]:
            scopes.pop(str(note_id), None)
