"""A whole map as one JSON document, and back.

The document names things by document-local references ("s1", "t3", "p2"), never database
ids, so it moves between instances and exporting an imported map gives the same document.
Only workshops whose votes were revealed are exported: hidden votes stay hidden. Who cast
them is left out unless asked for: participants are "Voter 1", "Voter 2", ... in the order
they joined (the same map gives the same names, so the round trip still holds), and their
display names are written only with `voter_names=True` (the export view allows that to the
map's owner and editors, on `?voters=names`).

Import goes through import_map (below): `clean_document` (json_check.py) checks everything
first and reports every problem it finds (with where it is), and nothing is written unless all
is well.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction

from maps import operations as ops
from maps import positions
from maps.models import (
    ActionItem,
    CustomerFeedback,
    JourneyMap,
    MapEvent,
    MapMembership,
    Persona,
    Stage,
    Touchpoint,
    TouchpointGroup,
)
from maps.serializers import STAGE_LANES, TOUCHPOINT_FIELDS, map_fields
from workshops.models import Participant, Phase, Vote, Workshop
from workshops.tally import REVEALED_PHASES

from .history_io import export_versions, write_versions
from .json_check import (
    FORMAT,
    MAX_BYTES,
    MAX_TOUCHPOINTS,
    VERSION,
    Cleaned,
    DocumentInvalid,
    clean_document,
    loads,
)
from .json_comments import export_comments, write_comments
from .json_personas import export_personas, note_personas, write_personas

__all__ = [
    "FORMAT",
    "MAX_BYTES",
    "MAX_TOUCHPOINTS",
    "VERSION",
    "DocumentInvalid",
    "clean_document",
    "dumps",
    "export_document",
    "import_map",
    "loads",
    "write_document",
]


# --- export ---------------------------------------------------------------------------------


def export_document(
    journey_map: JourneyMap, *, voter_names: bool = False, with_history: bool = False
) -> dict[str, Any]:
    """The map as a document; its versions too only `with_history` (history_io)."""
    document = _document(journey_map, voter_names=voter_names)
    if with_history:
        document["versions"] = export_versions(journey_map)
    return document


def _document(journey_map: JourneyMap, *, voter_names: bool) -> dict[str, Any]:
    stages = list(journey_map.stages.order_by("position", "id"))
    stage_ref = {s.pk: f"s{i}" for i, s in enumerate(stages, start=1)}
    groups = list(journey_map.groups.order_by("name", "id"))
    group_ref = {g.pk: f"g{i}" for i, g in enumerate(groups, start=1)}
    order = {s.pk: i for i, s in enumerate(stages)}
    notes = sorted(
        journey_map.touchpoints.all(), key=lambda t: (order[t.stage_id], t.position, t.pk)
    )
    note_ref = {t.pk: f"t{i}" for i, t in enumerate(notes, start=1)}
    personas, persona_ref = export_personas(journey_map, stage_ref)
    named = note_personas(journey_map)
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
        "workshop_id", "participant_id", "touchpoint_id", "tag", "persona_id"
    )
    return {
        "format": FORMAT,
        "version": VERSION,
        "map": {"title": journey_map.title, "scope": journey_map.scope, "state": journey_map.state},
        "personas": personas,
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
                # Whose journeys it is on, when not everyone's (issue 20).
                **(
                    {"personas": sorted(persona_ref[p] for p in named[t.pk])}
                    if t.pk in named
                    else {}
                ),
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
        "workshops": _export_workshops(
            workshops, list(participants), list(votes), note_ref, voter_names, persona_ref
        ),
        "actions": _export_actions(journey_map, note_ref),
        "comments": export_comments(journey_map, note_ref, stage_ref),
    }


def _export_actions(journey_map: JourneyMap, note_ref: dict[int, str]) -> list[dict[str, Any]]:
    """Action items by note, then as made. The owner is the name shown: an account or a
    workshop place means nothing on another instance (and a participant's place would tie a
    name to a "Voter n"), so an imported action's owner is a name only."""
    actions = sorted(
        journey_map.actions.all(), key=lambda a: (int(note_ref[a.touchpoint_id][1:]), a.pk)
    )
    return [
        {
            "touchpoint": note_ref[a.touchpoint_id],
            "text": a.text,
            "owner": a.owner_name,
            "due": a.due.isoformat() if a.due else None,
            "status": a.status,
        }
        for a in actions
    ]


def _export_workshops(
    workshops, participants, votes, note_ref, voter_names: bool, persona_ref
) -> list[dict[str, Any]]:
    out = []
    for w_index, workshop in enumerate(workshops, start=1):
        people = [p for p in participants if p.workshop_id == workshop.pk]
        person_ref = {p.pk: f"p{i}" for i, p in enumerate(people, start=1)}
        # A vote for one persona names it (issue 20); one for a persona no longer on the map
        # is counted for everyone.
        cast = sorted(
            {
                (int(person_ref[pid][1:]), int(note_ref[tid][1:]), tag, persona_ref.get(who, ""))
                for wid, pid, tid, tag, who in votes
                if wid == workshop.pk
            }
        )
        out.append(
            {
                "ref": f"w{w_index}",
                "title": workshop.title,
                "vote_budget": workshop.vote_budget,
                "created_at": workshop.created_at.isoformat(),
                "participants": [
                    {
                        "ref": person_ref[p.pk],
                        "display_name": p.display_name if voter_names else f"Voter {i}",
                        "role": p.role,
                    }
                    for i, p in enumerate(people, start=1)
                ],
                "votes": [
                    {
                        "participant": f"p{p}",
                        "touchpoint": f"t{t}",
                        "tag": tag,
                        **({"persona": who} if who else {}),
                    }
                    for p, t, tag, who in cast
                ],
                **({"votes_per_persona": True} if workshop.votes_per_persona else {}),
            }
        )
    return out


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


# --- writing (inside import_map's transaction) -------------------------------------------


def write_document(
    journey_map: JourneyMap, cleaned: Cleaned, actor: ops.Actor | None = None
) -> dict[str, int]:
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
            fields = {
                k: v for k, v in data.items() if k not in ("ref", "stage", "group", "personas")
            }
            notes[data["ref"]] = Touchpoint(
                map=journey_map,
                stage=stages[stage_ref],
                position=key,
                group=groups.get(data["group"]) if data["group"] else None,
                **fields,
            )
    # One insert per note keeps their ids in document order, which the next export relies on.
    Touchpoint.objects.bulk_create(notes[data["ref"]] for data in cleaned.touchpoints)
    personas = write_personas(actor or ops.SYSTEM, journey_map, cleaned, stages, notes)
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
            votes_per_persona=data.get("votes_per_persona", False),
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
                persona=personas.get(v["persona"]) if v.get("persona") else None,
            )
            for v in data["votes"]
        )
        votes += len(data["votes"])
    ActionItem.objects.bulk_create(
        ActionItem(
            map=journey_map,
            touchpoint=notes[a["touchpoint"]],
            **{k: v for k, v in a.items() if k != "touchpoint"},
        )
        for a in cleaned.actions
    )
    comments = write_comments(journey_map, cleaned.comments, notes, stages)
    return {
        "stages": len(stages),
        "touchpoints": len(notes),
        "groups": len(groups),
        "feedback": len(cleaned.feedback),
        "workshops": len(cleaned.workshops),
        "votes": votes,
        "actions": len(cleaned.actions),
        "comments": comments,
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
        counts = write_document(journey_map, cleaned, actor)
        write_versions(journey_map, cleaned)
        ops.record(journey_map, actor, "map.created", map_fields(journey_map))
        event = ops.record(journey_map, actor, "map.imported", {"created": counts})
    return journey_map, event
