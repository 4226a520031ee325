"""Compare segments (issue 20): two personas of one map side by side. Where their emotion curves
part most, the touchpoints only one of them meets, and each one's heat from the same workshop's
votes (the votes for everyone and, when the workshop voted per persona, those for that persona).

Read only; who may see it is the caller's (reports.segment_views: the map's members; the votes
only of a revealed workshop).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from maps.heat import TAGS, Heat
from maps.models import JourneyMap, Stage, Touchpoint
from maps.segments_board import MapPersonaView, map_persona_views, note_scopes, on_journey
from workshops.tally import heat_for_map

# How many stages the summary names as "where they part most".
TOP_DIVERGENCES = 3


@dataclass
class StageGap:
    """One stage as two personas feel it: scores (None: unscored) and how far apart."""

    stage: Stage
    a_now: int | None
    b_now: int | None
    a_aspiration: int | None
    b_aspiration: int | None

    @property
    def gap(self) -> int | None:
        """How far apart they feel now (b minus a), when both are scored."""
        if self.a_now is None or self.b_now is None:
            return None
        return self.b_now - self.a_now

    @property
    def distance(self) -> int:
        return abs(self.gap or 0)


@dataclass
class NoteHeat:
    """A note on both journeys and how each persona's votes heat it."""

    touchpoint: Touchpoint
    a: Heat
    b: Heat

    @property
    def difference(self) -> int:
        """How differently the two feel it, counted in votes: the largest per-tag gap."""
        return max(abs(self.a.counts.get(t, 0) - self.b.counts.get(t, 0)) for t in TAGS)


@dataclass
class SegmentComparison:
    a: MapPersonaView
    b: MapPersonaView
    stages: list[StageGap] = field(default_factory=list)
    only_a: list[Touchpoint] = field(default_factory=list)
    only_b: list[Touchpoint] = field(default_factory=list)
    shared: list[NoteHeat] = field(default_factory=list)
    heat_a: dict[int, Heat] = field(default_factory=dict)
    heat_b: dict[int, Heat] = field(default_factory=dict)
    voted: bool = False  # a workshop's votes are counted in

    @property
    def divergent(self) -> list[StageGap]:
        """The stages where they part most (both scored, apart), widest first, spine order
        among equals."""
        apart = [row for row in self.stages if row.distance > 0]
        return sorted(apart, key=lambda row: -row.distance)[:TOP_DIVERGENCES]

    @property
    def felt_differently(self) -> list[NoteHeat]:
        """Shared notes whose heat differs between the two, most different first."""
        rows = [row for row in self.shared if row.difference > 0]
        return sorted(rows, key=lambda row: -row.difference)


def personas_of(journey_map: JourneyMap) -> list[MapPersonaView]:
    stages = list(journey_map.stages.order_by("position", "id"))
    return map_persona_views(journey_map, stages)


def compare_segments(
    journey_map: JourneyMap, a: int, b: int, workshop=None
) -> SegmentComparison | None:
    """The comparison of personas `a` and `b` (ids) of the map, or None when either is not
    on it or they are the same. `workshop`: whose votes to count (None: no votes)."""
    stages = list(journey_map.stages.order_by("position", "id"))
    views = {view.pk: view for view in map_persona_views(journey_map, stages)}
    if a == b or a not in views or b not in views:
        return None
    result = SegmentComparison(views[a], views[b])
    blank = ("", None, None)
    for stage in stages:
        _, a_now, a_aim = views[a].feelings.get(stage.pk, blank)
        _, b_now, b_aim = views[b].feelings.get(stage.pk, blank)
        result.stages.append(StageGap(stage, a_now, b_now, a_aim, b_aim))
    scopes = note_scopes(journey_map)
    notes = journey_map.touchpoints.filter(internal=False).select_related("stage")
    order = {stage.pk: i for i, stage in enumerate(stages)}
    shared: list[Touchpoint] = []
    for note in sorted(notes, key=lambda n: (order[n.stage_id], n.position, n.pk)):
        scope = scopes.get(str(note.pk), [])
        meets_a, meets_b = on_journey(scope, a), on_journey(scope, b)
        if meets_a and not meets_b:
            result.only_a.append(note)
        elif meets_b and not meets_a:
            result.only_b.append(note)
        elif meets_a and meets_b:
            shared.append(note)
    if workshop is not None:
        result.voted = True
        result.heat_a = heat_for_map(journey_map, workshop, persona=a)
        result.heat_b = heat_for_map(journey_map, workshop, persona=b)
        result.shared = [
            NoteHeat(note, result.heat_a.get(note.pk, Heat()), result.heat_b.get(note.pk, Heat()))
            for note in shared
        ]
    else:
        result.shared = [NoteHeat(note, Heat(), Heat()) for note in shared]
    return result
