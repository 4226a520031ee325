"""Current state vs future state, stage by stage: which touchpoints were added, removed or
changed, and how the emotion scores moved. The same comparison serves two versions of one map
(`compare_snapshots`), where notes that changed stage are also shown as moved.

A future-state map starts as a copy, so stages are matched by name and notes by text within
matched stages; a note whose text was edited is matched to the most similar removed one (and
shown as changed) when the two are close enough. Two versions of one map share ids, so there
stages and notes are matched by id (an imported version's ids are another instance's: matched
by name and text, as two maps are).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from difflib import SequenceMatcher
from types import SimpleNamespace
from typing import Any

from maps.models import JourneyMap, Stage, Touchpoint
from maps.segments_board import map_persona_views

# Below this similarity two notes are a removal and an addition, not one changed note.
SIMILAR_ENOUGH = 0.6
COMPARED_FIELDS = ("text", "channel", "department", "critical", "internal")


@dataclass
class ChangedNote:
    before: Touchpoint
    after: Touchpoint
    fields: list[str]


@dataclass
class MovedNote:
    note: Any
    from_stage: str


@dataclass
class StageComparison:
    name: str
    current: Stage | None
    future: Stage | None
    added: list[Touchpoint] = field(default_factory=list)
    removed: list[Touchpoint] = field(default_factory=list)
    changed: list[ChangedNote] = field(default_factory=list)
    moved: list[MovedNote] = field(default_factory=list)
    unchanged: int = 0

    @staticmethod
    def _delta(before: int | None, after: int | None) -> int | None:
        return None if before is None or after is None else after - before

    @property
    def emotion_now_delta(self) -> int | None:
        return self._delta(
            self.current.emotion_now if self.current else None,
            self.future.emotion_now if self.future else None,
        )

    @property
    def aspiration_delta(self) -> int | None:
        return self._delta(
            self.current.emotion_aspiration if self.current else None,
            self.future.emotion_aspiration if self.future else None,
        )


def _key(name: str) -> str:
    return " ".join(name.lower().split())


def _notes_by_stage(journey_map: JourneyMap) -> dict[int, list[Touchpoint]]:
    notes: dict[int, list[Touchpoint]] = {}
    for note in journey_map.touchpoints.order_by("position", "id"):
        notes.setdefault(note.stage_id, []).append(note)
    return notes


def _compare_notes(row: StageComparison, before: list[Touchpoint], after: list[Touchpoint]):
    remaining = list(before)
    unmatched: list[Touchpoint] = []
    for note in after:
        same = next((b for b in remaining if b.text == note.text), None)
        if same is None:
            unmatched.append(note)
            continue
        remaining.remove(same)
        _record_pair(row, same, note)
    for note in unmatched:
        best = max(
            remaining,
            key=lambda b: SequenceMatcher(None, b.text, note.text).ratio(),
            default=None,
        )
        if best is not None and SequenceMatcher(None, best.text, note.text).ratio() >= (
            SIMILAR_ENOUGH
        ):
            remaining.remove(best)
            _record_pair(row, best, note)
        else:
            row.added.append(note)
    row.removed.extend(remaining)


def _record_pair(row: StageComparison, before: Touchpoint, after: Touchpoint) -> None:
    fields = [f for f in COMPARED_FIELDS if getattr(before, f) != getattr(after, f)]
    if fields:
        row.changed.append(ChangedNote(before, after, fields))
    else:
        row.unchanged += 1


def compare_maps(current: JourneyMap, future: JourneyMap) -> list[StageComparison]:
    """One row per stage, in the future map's order, then stages only the current map has."""
    return compare_boards(
        list(current.stages.order_by("position", "id")),
        _notes_by_stage(current),
        list(future.stages.order_by("position", "id")),
        _notes_by_stage(future),
    )


def compare_boards(
    current_stages: list[Any],
    current_notes: dict[int, list[Any]],
    future_stages: list[Any],
    future_notes: dict[int, list[Any]],
) -> list[StageComparison]:
    """compare_maps on any objects with a stage's and a note's attributes (stages by name,
    notes by text)."""
    by_name = {_key(s.name): s for s in current_stages}
    rows: list[StageComparison] = []
    for stage in future_stages:
        before = by_name.pop(_key(stage.name), None)
        row = StageComparison(stage.name, before, stage)
        _compare_notes(
            row,
            current_notes.get(before.pk, []) if before else [],
            future_notes.get(stage.pk, []),
        )
        rows.append(row)
    for stage in by_name.values():
        row = StageComparison(stage.name, stage, None)
        row.removed.extend(current_notes.get(stage.pk, []))
        rows.append(row)
    return rows


@dataclass
class PersonaShift:
    """One persona on both maps (issue 20): how it feels now at each stage, before → after."""

    name: str
    colour: str
    rows: list[tuple[str, int | None, int | None]] = field(default_factory=list)

    @property
    def moved(self) -> list[tuple[str, int | None, int | None]]:
        return [row for row in self.rows if row[1] != row[2]]


def compare_personas(current: JourneyMap, future: JourneyMap) -> list[PersonaShift]:
    """Each persona of the future map that the current map has too, matched by name (a future
    map made by someone else holds their own copy of a persona, same name, another row), with
    its emotion now per stage of the future map (stages matched by name, as compare_maps).
    Empty unless one of the two maps has several personas: a single persona's curve is the
    stage rows' already."""
    current_stages = list(current.stages.order_by("position", "id"))
    future_stages = list(future.stages.order_by("position", "id"))
    before = map_persona_views(current, current_stages)
    after = map_persona_views(future, future_stages)
    if len(before) < 2 and len(after) < 2:
        return []
    by_name = {_key(view.persona.name): view for view in before}
    stage_by_name = {_key(s.name): s for s in current_stages}
    blank = ("", None, None)
    shifts = []
    for view in after:
        old = by_name.get(_key(view.persona.name))
        if old is None:
            continue
        shift = PersonaShift(view.persona.name, view.colour)
        for stage in future_stages:
            match = stage_by_name.get(_key(stage.name))
            was = old.feelings.get(match.pk, blank)[1] if match else None
            shift.rows.append((stage.name, was, view.feelings.get(stage.pk, blank)[1]))
        shifts.append(shift)
    return shifts


# --- two versions of one map ------------------------------------------------------------------


def _objects(snapshot: dict[str, Any]) -> tuple[list[Any], dict[int, list[Any]]]:
    """A snapshot's stages and notes (by stage), as objects the comparison reads."""
    stages = [SimpleNamespace(pk=s["id"], **s) for s in snapshot["stages"]]
    notes: dict[int, list[Any]] = {}
    ordered = sorted(snapshot["touchpoints"], key=lambda t: (t["position"], t["id"]))
    for note in ordered:
        notes.setdefault(note["stage"], []).append(SimpleNamespace(pk=note["id"], **note))
    return stages, notes


def compare_snapshots(
    before: dict[str, Any], after: dict[str, Any], *, by_id: bool = True
) -> list[StageComparison]:
    """Two snapshots of one map (maps.operations.version_snapshot, or the map now): one row per
    stage in `after`'s order, then stages only `before` has. Notes added, removed, moved (to
    another stage: listed where they are now), reworded or otherwise changed, and each stage's
    emotion scores."""
    old_stages, old_notes = _objects(before)
    new_stages, new_notes = _objects(after)
    if not by_id:
        return compare_boards(old_stages, old_notes, new_stages, new_notes)
    old_by_id = {s.pk: s for s in old_stages}
    was = {note.pk: note for notes in old_notes.values() for note in notes}
    now = {note.pk for notes in new_notes.values() for note in notes}
    rows: list[StageComparison] = []
    for stage in new_stages:
        row = StageComparison(stage.name, old_by_id.pop(stage.pk, None), stage)
        for note in new_notes.get(stage.pk, []):
            old = was.get(note.pk)
            if old is None:
                row.added.append(note)
                continue
            if old.stage != note.stage:
                name = next((s.name for s in old_stages if s.pk == old.stage), "")
                row.moved.append(MovedNote(note, name))
            _record_pair(row, old, note)
        row.removed.extend(n for n in old_notes.get(stage.pk, []) if n.pk not in now)
        rows.append(row)
    for stage in old_by_id.values():
        row = StageComparison(stage.name, stage, None)
        row.removed.extend(n for n in old_notes.get(stage.pk, []) if n.pk not in now)
        rows.append(row)
    return rows
