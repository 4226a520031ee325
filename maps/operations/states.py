"""The state of a map's objects before an operation changes them, and putting it back.

Every operation that can be undone records on its event (`MapEvent.before`) the state, just
before it wrote, of each object it changed: a `State`, plain JSON:

    {"touchpoints": {"41": {...touchpoint_data...} | null},   null: it did not exist
     "stages": {...stage_data...}, "groups": {"7": {"id", "name"}}, "actions": {...},
     "map": {"title", "scope", "persona"}, "persona": {"id", ...PERSONA_FIELDS},
     "votes": {"41": [[workshop, participant, tag], ...]},   a deleted note's votes
     "feedback": {"41": [{"tag", "score", "source", "comment"}]}}

Undoing an operation is `restore(map, event.before)`; what it overwrites is captured first the
same way and becomes the undo's own `before`, so a redo is the undo of the undo. Ids are kept:
a note brought back has its id again (ids are never reused by either database), so the history
and later undos still name it. A place is a position key: restored as it was when that key is
free, else at the same spot among the stage's notes now (respacing may have changed keys).

Votes belong to workshops, above this app: `keep_votes_with` (workshops/apps.py) says how to
read and write them. Without it a restored note comes back without votes.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .. import positions
from ..errors import OperationError
from ..models import (
    ActionItem,
    CustomerFeedback,
    JourneyMap,
    Persona,
    Stage,
    Touchpoint,
    TouchpointGroup,
)
from ..serializers import (
    PERSONA_FIELDS,
    STAGE_LANES,
    TOUCHPOINT_FIELDS,
    action_data,
    group_data,
    stage_data,
    touchpoint_data,
)

State = dict[str, Any]
KINDS = ("stages", "groups", "touchpoints", "actions")
_MODELS = {
    "stages": Stage,
    "groups": TouchpointGroup,
    "touchpoints": Touchpoint,
    "actions": ActionItem,
}

# note ids -> {note id: [[workshop id, participant id, tag], ...]}; and the way back.
VoteReader = Callable[[list[int]], dict[str, list[list[Any]]]]
VoteWriter = Callable[[dict[str, list[list[Any]]]], None]


def _no_votes(_note_ids: list[int]) -> dict[str, list[list[Any]]]:
    return {}


def _drop_votes(_votes: dict[str, list[list[Any]]]) -> None:
    return None


_read_votes: VoteReader = _no_votes
_write_votes: VoteWriter = _drop_votes


def keep_votes_with(read: VoteReader, write: VoteWriter) -> None:
    """How to keep a deleted note's votes and give them back (workshops/apps.py)."""
    global _read_votes, _write_votes
    _read_votes, _write_votes = read, write


# --- reading the state now -------------------------------------------------------------------


def action_state(action: ActionItem) -> dict[str, Any]:
    data = action_data(action)
    data.update(owner_user=action.owner_user_id, owner_participant=action.owner_participant)
    return data


def _feedback_state(row: CustomerFeedback) -> dict[str, Any]:
    return {"tag": row.tag, "score": row.score, "source": row.source, "comment": row.comment}


def capture(
    map_id: int,
    *,
    touchpoints: Iterable[int] = (),
    stages: Iterable[int] = (),
    groups: Iterable[int] = (),
    actions: Iterable[int] = (),
    going: Iterable[int] = (),
) -> State:
    """The state now of the named objects of this map (null: not there). `going`: notes about
    to be deleted, whose actions, customer feedback and votes go with them, so they are kept
    too."""
    going = sorted(set(going))
    wanted = {
        "touchpoints": sorted(set(touchpoints) | set(going)),
        "stages": sorted(set(stages)),
        "groups": sorted(set(groups)),
        "actions": set(actions),
    }
    if going:
        wanted["actions"] |= set(
            ActionItem.objects.filter(map_id=map_id, touchpoint_id__in=going).values_list(
                "pk", flat=True
            )
        )
    state: State = {}
    readers = {
        "touchpoints": touchpoint_data,
        "stages": stage_data,
        "groups": group_data,
        "actions": action_state,
    }
    for kind in KINDS:
        ids = sorted(wanted[kind])
        if not ids:
            continue
        rows = {row.pk: row for row in _MODELS[kind].objects.filter(map_id=map_id, pk__in=ids)}
        state[kind] = {str(pk): readers[kind](rows[pk]) if pk in rows else None for pk in ids}
    if going:
        feedback: dict[str, list[dict[str, Any]]] = {}
        rows = CustomerFeedback.objects.filter(touchpoint_id__in=going).order_by("id")
        for row in rows:
            feedback.setdefault(str(row.touchpoint_id), []).append(_feedback_state(row))
        if feedback:
            state["feedback"] = feedback
        votes = _read_votes(going)
        if votes:
            state["votes"] = votes
    return state


def created(kind: str, pk: int) -> State:
    """The state before an object was made: it was not there."""
    return {kind: {str(pk): None}}


def map_state(journey_map: JourneyMap) -> State:
    return {
        "map": {
            "title": journey_map.title,
            "scope": journey_map.scope,
            "persona": journey_map.persona_id,
        }
    }


def persona_state(persona: Persona) -> State:
    data = {name: getattr(persona, name) for name in PERSONA_FIELDS}
    return {"persona": {"id": persona.pk, **data}}


def subjects(state: State | None) -> set[str]:
    """What a state is about, as keys ("touchpoints:41", "map", "persona"): what an operation
    with this `before` changed, for telling whether an undo would overwrite someone's work."""
    if not state:
        return set()
    keys = {f"{kind}:{pk}" for kind in KINDS for pk in state.get(kind, {})}
    keys |= {name for name in ("map", "persona") if name in state}
    return keys


def capture_like(map_id: int, state: State) -> State:
    """The state now of everything `state` names: what restoring it will overwrite. Notes it
    removes keep their actions, feedback and votes (a redo brings them back)."""
    ids = {kind: [int(pk) for pk in state.get(kind, {})] for kind in KINDS}
    going = [int(pk) for pk, data in state.get("touchpoints", {}).items() if data is None]
    now = capture(
        map_id,
        touchpoints=ids["touchpoints"],
        stages=ids["stages"],
        groups=ids["groups"],
        actions=ids["actions"],
        going=going,
    )
    if "map" in state:
        journey_map = JourneyMap.objects.get(pk=map_id)
        now.update(map_state(journey_map))
    if "persona" in state:
        persona = Persona.objects.filter(pk=state["persona"]["id"]).first()
        if persona is not None:
            now.update(persona_state(persona))
    return now


# --- putting a state back -------------------------------------------------------------------


@dataclass
class Changes:
    """What a restore changed, as the undo's event tells every board."""

    upserted: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    removed: dict[str, list[int]] = field(default_factory=dict)
    map: dict[str, Any] | None = None
    persona: int | None = None

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {"changes": self.upserted, "removed": self.removed}
        if self.map is not None:
            data["map"] = self.map
        if self.persona is not None:
            data["persona"] = self.persona
        return data


class Keys:
    """The order keys taken in each stage (and the spine) while a restore writes, so a key
    put back never meets one in use: the same key if it is free, else the same spot."""

    def __init__(self, map_id: int) -> None:
        self.map_id = map_id
        self.taken: dict[int | None, dict[int, str]] = {}

    def _load(self, stage: int | None) -> dict[int, str]:
        if stage not in self.taken:
            rows = (
                Stage.objects.filter(map_id=self.map_id)
                if stage is None
                else Touchpoint.objects.filter(map_id=self.map_id, stage_id=stage)
            )
            self.taken[stage] = dict(rows.values_list("pk", "position"))
        return self.taken[stage]

    def place(self, stage: int | None, pk: int, wanted: str) -> str:
        """The key for row `pk` in `stage` (None: the spine), leaving any old place."""
        # Notes and stages have ids of their own sequences: only leave a place of its kind.
        for where, keys in self.taken.items():
            if (where is None) == (stage is None):
                keys.pop(pk, None)
        keys = self._load(stage)
        keys.pop(pk, None)
        others = sorted(keys.values())
        key = wanted
        if wanted in others or not positions.is_valid_key(wanted):
            key = positions.key_for_index(others, bisect.bisect_left(others, wanted))
        keys[pk] = key
        return key

    def leave(self, stage: int | None, pk: int) -> None:
        self._load(stage).pop(pk, None)


def _refuse(message: str, subject: str) -> OperationError:
    return OperationError("conflict", message, subject=subject)


def restore(journey_map: JourneyMap, state: State) -> Changes:
    """Put every object `state` names back as it was. Inside the transaction, map locked.
    Refuses (`conflict`, with the `subject` in the way) what cannot be put back: a note whose
    stage is gone, a group name taken since, a stage that now holds other notes."""
    changes = Changes()
    keys = Keys(journey_map.pk)
    wanted = {kind: state.get(kind, {}) for kind in KINDS}
    _put_stages(journey_map, wanted["stages"], keys)
    _put_groups(journey_map, wanted["groups"])
    _put_notes(journey_map, wanted["touchpoints"], keys)
    _put_actions(journey_map, wanted["actions"])
    _bring_back_feedback(state)
    _drop_gone(journey_map, wanted, keys)
    if "map" in state:
        changes.map = _put_map(journey_map, state["map"])
    if "persona" in state:
        changes.persona = _put_persona(state["persona"])
    for kind in KINDS:
        ids = [int(pk) for pk in wanted[kind]]
        if not ids:
            continue
        rows = {r.pk: r for r in _MODELS[kind].objects.filter(map_id=journey_map.pk, pk__in=ids)}
        serialise = {
            "touchpoints": touchpoint_data,
            "stages": stage_data,
            "groups": group_data,
            "actions": action_data,
        }[kind]
        upserted = [serialise(rows[pk]) for pk in ids if pk in rows]
        removed = [pk for pk in ids if pk not in rows]
        if upserted:
            changes.upserted[kind] = upserted
        if removed:
            changes.removed[kind] = removed
    return changes


def _put_stages(journey_map: JourneyMap, wanted: dict[str, Any], keys: Keys) -> None:
    if not any(wanted.values()):
        return
    loops: list[tuple[int, int | None]] = []
    for pk_text, data in wanted.items():
        if data is None:
            continue
        pk = int(pk_text)
        lanes = {lane: data[lane] for lane in STAGE_LANES}
        stage = Stage.objects.filter(pk=pk, map=journey_map).first()
        if stage is None and Stage.objects.filter(pk=pk).exists():
            raise _refuse("That stage belongs to another map.", f"stages:{pk}")
        position = keys.place(None, pk, data["position"])
        if stage is None:
            Stage.objects.create(
                pk=pk, map=journey_map, name=data["name"], position=position, **lanes
            )
        else:
            Stage.objects.filter(pk=pk).update(name=data["name"], position=position, **lanes)
        loops.append((pk, data.get("loops_back_to")))
    existing = set(Stage.objects.filter(map=journey_map).values_list("pk", flat=True))
    for pk, target in loops:
        Stage.objects.filter(pk=pk).update(loops_back_to=target if target in existing else None)


def _put_groups(journey_map: JourneyMap, wanted: dict[str, Any]) -> None:
    for pk_text, data in wanted.items():
        if data is None:
            continue
        pk = int(pk_text)
        holder = journey_map.groups.filter(name=data["name"]).exclude(pk=pk).first()
        if holder is not None:
            raise _refuse(f"There is now another group called {data['name']!r}.", f"groups:{pk}")
        if not TouchpointGroup.objects.filter(pk=pk, map=journey_map).update(name=data["name"]):
            TouchpointGroup.objects.create(pk=pk, map=journey_map, name=data["name"])


def _put_notes(journey_map: JourneyMap, wanted: dict[str, Any], keys: Keys) -> None:
    if not any(wanted.values()):
        return
    in_groups = {data["group"] for data in wanted.values() if data and data["group"]}
    groups = set(journey_map.groups.filter(pk__in=in_groups).values_list("pk", flat=True))
    stages = set(journey_map.stages.values_list("pk", flat=True))
    for pk_text, data in wanted.items():
        if data is None:
            continue
        pk = int(pk_text)
        if data["stage"] not in stages:
            raise _refuse("The stage this note was in has been deleted.", f"stages:{data['stage']}")
        fields = {name: data[name] for name in TOUCHPOINT_FIELDS}
        fields.update(
            stage_id=data["stage"],
            position=keys.place(data["stage"], pk, data["position"]),
            group_id=data["group"] if data["group"] in groups else None,
            version=data["version"],
            author_name=data["author"],
            author_colour=data["author_colour"],
        )
        if not Touchpoint.objects.filter(pk=pk, map=journey_map).update(**fields):
            if Touchpoint.objects.filter(pk=pk).exists():
                raise _refuse("That note belongs to another map.", f"touchpoints:{pk}")
            Touchpoint.objects.create(pk=pk, map=journey_map, **fields)


def _put_actions(journey_map: JourneyMap, wanted: dict[str, Any]) -> None:
    if not any(wanted.values()):
        return
    notes = set(journey_map.touchpoints.values_list("pk", flat=True))
    for pk_text, data in wanted.items():
        if data is None or data["touchpoint"] not in notes:
            continue  # an action goes with its note: it comes back when the note does
        pk = int(pk_text)
        fields = {
            "touchpoint_id": data["touchpoint"],
            "text": data["text"],
            "owner_user_id": data["owner_user"],
            "owner_participant": data["owner_participant"],
            "owner_name": data["owner_name"],
            "due": date.fromisoformat(data["due"]) if data["due"] else None,
            "status": data["status"],
            "version": data["version"],
        }
        if not ActionItem.objects.filter(pk=pk, map=journey_map).update(**fields):
            if ActionItem.objects.filter(pk=pk).exists():
                raise _refuse("That action belongs to another map.", f"actions:{pk}")
            ActionItem.objects.create(pk=pk, map=journey_map, **fields)


def _bring_back_feedback(state: State) -> None:
    """Feedback and votes of notes that come back (they went with the note)."""
    if not state.get("feedback") and not state.get("votes"):
        return
    back = {
        pk
        for pk, data in state.get("touchpoints", {}).items()
        if data is not None and Touchpoint.objects.filter(pk=int(pk)).exists()
    }
    rows = [
        CustomerFeedback(touchpoint_id=int(pk), **row)
        for pk, feedback in state.get("feedback", {}).items()
        if pk in back and not CustomerFeedback.objects.filter(touchpoint_id=int(pk)).exists()
        for row in feedback
    ]
    CustomerFeedback.objects.bulk_create(rows)
    votes = {pk: v for pk, v in state.get("votes", {}).items() if pk in back}
    if votes:
        _write_votes(votes)


def _drop_gone(journey_map: JourneyMap, wanted: dict[str, dict[str, Any]], keys: Keys) -> None:
    """Delete what was not there: actions, notes, groups, then stages (which must be empty)."""
    gone = {kind: [int(pk) for pk, data in wanted[kind].items() if data is None] for kind in KINDS}
    for model, kind in ((ActionItem, "actions"), (Touchpoint, "touchpoints")):
        if gone[kind]:
            model.objects.filter(map=journey_map, pk__in=gone[kind]).delete()
    if gone["groups"]:
        TouchpointGroup.objects.filter(map=journey_map, pk__in=gone["groups"]).delete()
    for pk in gone["stages"]:
        stage = journey_map.stages.filter(pk=pk).first()
        if stage is None:
            continue
        if stage.touchpoints.exists():
            raise _refuse(f"Stage {stage.name!r} now holds other notes.", f"stages:{pk}:notes")
        stage.delete()
        keys.leave(None, pk)


def _put_map(journey_map: JourneyMap, data: dict[str, Any]) -> dict[str, Any]:
    from ..serializers import map_fields

    journey_map.title, journey_map.scope = data["title"], data["scope"]
    persona = data["persona"]
    if persona is None or Persona.objects.filter(pk=persona).exists():
        journey_map.persona_id = persona
    journey_map.save(update_fields=["title", "scope", "persona"])
    return map_fields(journey_map)


def _put_persona(data: dict[str, Any]) -> int | None:
    fields = {name: data[name] for name in PERSONA_FIELDS}
    updated = Persona.objects.filter(pk=data["id"]).update(**fields)
    return data["id"] if updated else None
