"""A map's versions in its JSON document, only when asked for (`export_map_json --with-history`,
`/maps/<id>/export.json?history=1`): each version is a whole document of the same format (refs,
never database ids), without workshops, and without what the export always leaves out (who
added a note; an action's owner is a name). An import keeps them as versions of the new map,
`imported`: their ids are made up for it (a restore matches nothing by id, and a comparison
matches by name and text, as two maps are)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from maps import positions
from maps.models import JourneyMap, MapVersion
from maps.serializers import PERSONA_FIELDS, STAGE_LANES, TOUCHPOINT_FIELDS

from .json_check import FORMAT, VERSION, Cleaned


def export_versions(journey_map: JourneyMap) -> list[dict[str, Any]]:
    """The map's versions, oldest first, each as a document."""
    versions = MapVersion.objects.filter(map=journey_map).order_by("created_at", "id")
    return [
        {
            "name": v.name,
            "kind": v.kind,
            "created_at": v.created_at.isoformat(),
            "revision": v.revision,
            "document": snapshot_document(v.snapshot),
        }
        for v in versions
    ]


def snapshot_document(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A version's snapshot (maps.operations.version_snapshot) as an export document."""
    stages = snapshot["stages"]  # in spine order already
    stage_ref = {s["id"]: f"s{i}" for i, s in enumerate(stages, start=1)}
    groups = sorted(snapshot["groups"], key=lambda g: (g["name"], g["id"]))
    group_ref = {g["id"]: f"g{i}" for i, g in enumerate(groups, start=1)}
    order = {s["id"]: i for i, s in enumerate(stages)}
    notes = sorted(
        snapshot["touchpoints"], key=lambda t: (order[t["stage"]], t["position"], t["id"])
    )
    note_ref = {t["id"]: f"t{i}" for i, t in enumerate(notes, start=1)}
    persona = snapshot.get("persona")
    feedback = snapshot.get("feedback", {})
    return {
        "format": FORMAT,
        "version": VERSION,
        "map": {k: snapshot["map"][k] for k in ("title", "scope", "state")},
        "persona": {name: persona[name] for name in PERSONA_FIELDS} if persona else None,
        "stages": [
            {
                "ref": stage_ref[s["id"]],
                "name": s["name"],
                **{lane: s[lane] for lane in STAGE_LANES},
                "loops_back_to": stage_ref.get(s["loops_back_to"]),
            }
            for s in stages
        ],
        "groups": [{"ref": group_ref[g["id"]], "name": g["name"]} for g in groups],
        "touchpoints": [
            {
                "ref": note_ref[t["id"]],
                "stage": stage_ref[t["stage"]],
                "group": group_ref.get(t["group"]),
                **{name: t[name] for name in TOUCHPOINT_FIELDS},
            }
            for t in notes
        ],
        "feedback": [
            {"touchpoint": note_ref[t["id"]], **row}
            for t in notes
            for row in feedback.get(str(t["id"]), [])
        ],
        "actions": [
            {
                "touchpoint": note_ref[a["touchpoint"]],
                "text": a["text"],
                "owner": a["owner_name"],
                "due": a["due"],
                "status": a["status"],
            }
            for a in sorted(
                snapshot["actions"], key=lambda a: (int(note_ref[a["touchpoint"]][1:]), a["id"])
            )
        ],
    }


def write_versions(journey_map: JourneyMap, cleaned: Cleaned) -> int:
    """Keep an imported document's versions on the new map. Returns how many."""
    MapVersion.objects.bulk_create(
        MapVersion(
            map=journey_map,
            name=v["name"],
            kind=v["kind"],
            created_by_name="imported",
            created_at=v["created_at"] or timezone.now(),
            revision=v["revision"],
            imported=True,
            snapshot=_snapshot(journey_map, v["document"], v["revision"]),
        )
        for v in cleaned.versions
    )
    return len(cleaned.versions)


def _snapshot(journey_map: JourneyMap, doc: Cleaned, revision: int) -> dict[str, Any]:
    """A version snapshot from a cleaned document, with ids made up for it (1, 2, ...)."""
    stage_id = {s["ref"]: i for i, s in enumerate(doc.stages, start=1)}
    group_id = {g["ref"]: i for i, g in enumerate(doc.groups, start=1)}
    keys = positions.keys_after(None, len(doc.stages))
    stages = [
        {
            "id": stage_id[s["ref"]],
            "position": key,
            "name": s["name"],
            **{lane: s.get(lane, _blank(lane)) for lane in STAGE_LANES},
            "loops_back_to": stage_id.get(s["loops_back_to"]),
        }
        for s, key in zip(doc.stages, keys, strict=True)
    ]
    notes, note_id = [], {}
    per_stage: dict[str, list[dict[str, Any]]] = {}
    for t in doc.touchpoints:
        per_stage.setdefault(t["stage"], []).append(t)
    for ref, items in per_stage.items():
        for t, key in zip(items, positions.keys_after(None, len(items)), strict=True):
            note_id[t["ref"]] = len(note_id) + 1
            notes.append(
                {
                    "id": note_id[t["ref"]],
                    "stage": stage_id[ref],
                    "position": key,
                    "group": group_id.get(t["group"]),
                    "version": 1,
                    **{name: t.get(name, _NOTE_DEFAULTS[name]) for name in TOUCHPOINT_FIELDS},
                    "author": "",
                    "author_colour": "",
                }
            )
    feedback: dict[str, list[dict[str, Any]]] = {}
    for f in doc.feedback:
        row = {k: v for k, v in f.items() if k != "touchpoint"}
        feedback.setdefault(str(note_id[f["touchpoint"]]), []).append(row)
    return {
        "map": {
            "id": journey_map.pk,
            "title": doc.map["title"],
            "scope": doc.map.get("scope", ""),
            "state": doc.map.get("state", journey_map.state),
            "persona": journey_map.persona_id,
            "source_map": None,
        },
        "revision": revision,
        "persona": None,
        "stages": stages,
        "touchpoints": notes,
        "groups": [{"id": group_id[g["ref"]], "name": g["name"]} for g in doc.groups],
        "actions": [
            {
                "id": i,
                "touchpoint": note_id[a["touchpoint"]],
                "text": a["text"],
                "owner": "",
                "owner_name": a["owner_name"],
                "due": a["due"].isoformat() if a["due"] else None,
                "status": a["status"],
                "version": 1,
            }
            for i, a in enumerate(doc.actions, start=1)
        ],
        "feedback": feedback,
    }


_NOTE_DEFAULTS = {
    "text": "",
    "channel": "other",
    "department": "",
    "critical": False,
    "internal": False,
    "colour": "",
}


def _blank(lane: str) -> Any:
    return None if lane in ("emotion_now", "emotion_aspiration", "conversion_pct") else ""
