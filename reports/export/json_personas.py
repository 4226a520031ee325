"""A map's personas in its JSON document (issue 20), export and import.

The document lists them under `personas`, the primary first, each with a reference ("r1"): the
primary's feelings per stage are the stages' own lanes (as in a map of one persona), every
further persona's are its `feelings` (`[{stage, feelings, emotion_now, emotion_aspiration}]`).
A note on some personas' journeys only names them (`touchpoints[].personas: ["r2"]`), and so
does a vote cast for one persona (`workshops[].votes[].persona`). A document from before
segments has `persona` (one, or null) instead: it still imports, as the map's primary.
"""

from __future__ import annotations

from typing import Any

from maps import operations as ops
from maps.models import PERSONAS_MAX, JourneyMap, MapPersona, Persona, StageFeeling, Touchpoint
from maps.serializers import PERSONA_FIELDS

FEELING_FIELDS = ("feelings", "emotion_now", "emotion_aspiration")


# --- export ---------------------------------------------------------------------------------


def export_personas(
    journey_map: JourneyMap, stage_ref: dict[int, str]
) -> tuple[list[dict[str, Any]], dict[int, str]]:
    """The `personas` list and each persona's reference, by persona id."""
    ids = ops.persona_ids(journey_map)
    rows = Persona.objects.in_bulk(ids)
    refs = {pk: f"r{i}" for i, pk in enumerate(ids, start=1)}
    segments = {s.persona_id: s for s in MapPersona.objects.filter(map=journey_map)}
    order = {pk: i for i, pk in enumerate(stage_ref)}
    out = []
    for pk in ids:
        entry: dict[str, Any] = {"ref": refs[pk]}
        entry.update({name: getattr(rows[pk], name) for name in PERSONA_FIELDS})
        if pk in segments:
            feelings = sorted(segments[pk].feelings.all(), key=lambda f: order[f.stage_id])
            entry["feelings"] = [
                {"stage": stage_ref[f.stage_id], **{n: getattr(f, n) for n in FEELING_FIELDS}}
                for f in feelings
            ]
        out.append(entry)
    return out, refs


def note_personas(journey_map: JourneyMap) -> dict[int, list[int]]:
    """Note id -> the persona ids it names (notes naming none are everyone's, left out)."""
    scopes: dict[int, list[int]] = {}
    links = Touchpoint.personas.through.objects.filter(touchpoint__map=journey_map)
    for note_id, persona_id in links.order_by("touchpoint_id", "persona_id").values_list(
        "touchpoint_id", "persona_id"
    ):
        scopes.setdefault(note_id, []).append(persona_id)
    return scopes


# --- checking -------------------------------------------------------------------------------


def clean_personas(check, doc: dict[str, Any], stages: set[str], cleaned) -> set[str]:
    """Fill `cleaned.personas` (and `cleaned.persona`, the primary's fields) from `personas`
    or an older document's `persona`. Returns the persona references."""
    if "persona" in doc and "personas" in doc:
        check.error("personas", "a document has `personas` or (older) `persona`, not both")
        return set()
    if "persona" in doc:
        raw = [doc["persona"]] if doc["persona"] is not None else []
        where = "persona"
    else:
        raw = check.array(doc.get("personas"), "personas", PERSONAS_MAX)
        where = "personas"
    refs: set[str] = set()
    for i, item in enumerate(raw):
        at = where if where == "persona" else f"personas[{i}]"
        allowed = set(PERSONA_FIELDS) | ({"ref", "feelings"} if where == "personas" else set())
        required = {"name", "ref"} if where == "personas" else {"name"}
        data = check.obj(item, at, allowed, required)
        if data is None:
            continue
        ref = check.ref(data.get("ref"), at, refs) if where == "personas" else "r1"
        persona: dict[str, Any] = {"ref": ref, "fields": {}, "feelings": []}
        for name in PERSONA_FIELDS:
            if name in data:
                value = check.run(f"{at}.{name}", ops.clean_persona_fields, {name: data[name]})
                if value is not None:
                    persona["fields"].update(value)
        if "feelings" in data:
            if i == 0:
                check.error(f"{at}.feelings", "the primary's feelings are the stages' lanes")
            else:
                persona["feelings"] = _clean_feelings(check, data["feelings"], at, stages)
        cleaned.personas.append(persona)
    cleaned.persona = cleaned.personas[0]["fields"] if cleaned.personas else None
    return refs


def _clean_feelings(check, raw: Any, at: str, stages: set[str]) -> list[dict[str, Any]]:
    out = []
    seen: set[str] = set()
    for j, item in enumerate(check.array(raw, f"{at}.feelings", len(stages) or 1)):
        where = f"{at}.feelings[{j}]"
        data = check.obj(item, where, {"stage", *FEELING_FIELDS}, {"stage"})
        if data is None:
            continue
        if not check.refers(data.get("stage"), f"{where}.stage", stages, "is not a stage"):
            continue
        if data["stage"] in seen:
            check.error(f"{where}.stage", "this persona's feelings there are listed twice")
        seen.add(data["stage"])
        values = {k: v for k, v in data.items() if k in FEELING_FIELDS}
        result = check.run(where, ops.clean_stage_fields, values)
        if result is not None:
            out.append({"stage": data["stage"], **result})
    return out


def clean_named(check, value: Any, where: str, personas: set[str]) -> list[str]:
    """A note's `personas`: references to personas of the document (none: everyone's)."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > PERSONAS_MAX:
        check.error(where, f"must be a list of at most {PERSONAS_MAX} persona references")
        return []
    named = []
    for k, ref in enumerate(value):
        if check.refers(ref, f"{where}[{k}]", personas, "is not a persona of this document"):
            named.append(ref)
    return sorted(set(named))


# --- writing --------------------------------------------------------------------------------


def write_personas(actor: ops.Actor, journey_map: JourneyMap, cleaned, stages, notes) -> dict:
    """The further personas (the primary is the map's, made by import_map), their feelings,
    and the notes' scopes. Returns persona reference -> Persona."""
    by_ref: dict[str, Persona] = {}
    if journey_map.persona_id is not None and cleaned.personas:
        by_ref[cleaned.personas[0]["ref"]] = journey_map.persona
    for persona in cleaned.personas[1:]:
        row = Persona.objects.create(owner=actor.user, **persona["fields"])
        by_ref[persona["ref"]] = row
        segment = MapPersona.objects.create(map=journey_map, persona=row)
        StageFeeling.objects.bulk_create(
            StageFeeling(
                stage=stages[f["stage"]],
                segment=segment,
                **{k: v for k, v in f.items() if k != "stage"},
            )
            for f in persona["feelings"]
        )
    Scoped = Touchpoint.personas.through
    Scoped.objects.bulk_create(
        Scoped(touchpoint_id=notes[data["ref"]].pk, persona_id=by_ref[ref].pk)
        for data in cleaned.touchpoints
        for ref in data.get("personas", [])
    )
    return by_ref
