"""The analysis a business acts on: top pain points, moments of truth and delights, inconsistent
touchpoints, heat per stage, customer heat and the gaps between the team's view and theirs.

Every function here is a plain read: it takes a map (and optionally a workshop) and returns
simple dataclasses, so the board, the analysis page and the PDF export all share it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from maps.heat import TAG_LABELS, TAGS, Heat
from maps.models import CustomerFeedback, JourneyMap
from workshops.tally import heat_for_map, latest_voted_workshop

TOP_LIMIT = 5


@dataclass(frozen=True)
class NoteRef:
    """A customer-visible touchpoint as the analysis names it."""

    id: int
    text: str
    stage_id: int
    stage: str
    department: str
    critical: bool


@dataclass(frozen=True)
class RankedNote:
    """A touchpoint in a top list: its heat, and the share of the tag it is ranked by."""

    note: NoteRef
    heat: Heat
    tag: str
    share: float


@dataclass
class StageHeat:
    """Votes per tag summed over a stage's visible notes; `share` is the mean share per note."""

    stage_id: int
    name: str
    personnel: str
    notes: int
    counts: dict[str, int]
    share: dict[str, float]
    inconsistent: int


@dataclass
class CustomerHeat:
    """What customers reported on one touchpoint. A feedback row counts for its tag, or for
    pain (score below 0) or delight (score above 0) when it only has a score."""

    rows: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TAGS, 0))
    score_total: int = 0
    scored: int = 0

    def share(self, tag: str) -> float:
        return self.counts.get(tag, 0) / self.rows if self.rows else 0.0

    @property
    def mean_score(self) -> float | None:
        return self.score_total / self.scored if self.scored else None


@dataclass(frozen=True)
class Gap:
    """Where the team's view and the customers' differ most on one touchpoint.

    `difference` is customer share minus team share for `tag`: positive when customers report
    more than the team thinks (e.g. a pain the team does not see), negative when less.
    """

    note: NoteRef
    tag: str
    team_share: float
    customer_share: float
    customer_rows: int

    @property
    def difference(self) -> float:
        return self.customer_share - self.team_share

    @property
    def tag_label(self) -> str:
        return TAG_LABELS[self.tag]


@dataclass
class Analysis:
    """Everything the analysis page and the PDF summary show, for one workshop's votes."""

    workshop: object | None
    voters: int
    notes: list[NoteRef]
    heat: dict[int, Heat]
    top: dict[str, list[RankedNote]]
    inconsistent: list[RankedNote]
    stages: list[StageHeat]
    customer: dict[int, CustomerHeat]
    gaps: list[Gap]

    @property
    def top_pain(self) -> list[RankedNote]:
        return self.top["pain"]

    @property
    def top_delight(self) -> list[RankedNote]:
        return self.top["delight"]

    @property
    def top_truth(self) -> list[RankedNote]:
        return self.top["truth"]


def visible_notes(journey_map: JourneyMap) -> list[NoteRef]:
    """The map's customer-visible touchpoints in board order (stage, then position).

    Plain rows, not model instances: on a 2,000-note map building instances was most of the
    analysis's time."""
    stage_names = dict(journey_map.stages.values_list("pk", "name"))
    rows = (
        journey_map.touchpoints.filter(internal=False)
        .order_by("stage__position", "stage_id", "position", "id")
        .values_list("pk", "text", "stage_id", "department", "critical")
    )
    return [
        NoteRef(pk, text, stage_id, stage_names[stage_id], department, critical)
        for pk, text, stage_id, department, critical in rows
    ]


def top_notes(
    notes: list[NoteRef], heat: dict[int, Heat], tag: str, limit: int = TOP_LIMIT
) -> list[RankedNote]:
    """The notes most voters gave `tag`, highest share first (board order breaks ties)."""
    ranked = [
        RankedNote(note, heat[note.id], tag, heat[note.id].share(tag))
        for note in notes
        if heat[note.id].counts[tag] > 0
    ]
    ranked.sort(key=lambda r: -r.share)
    return ranked[:limit]


def inconsistent_notes(notes: list[NoteRef], heat: dict[int, Heat]) -> list[RankedNote]:
    """Notes both painful and delightful to at least INCONSISTENT_SHARE of voters, the most
    divided first (ranked by the smaller of the two shares)."""
    flagged = [
        RankedNote(
            note,
            heat[note.id],
            "pain",
            min(heat[note.id].share("pain"), heat[note.id].share("delight")),
        )
        for note in notes
        if heat[note.id].inconsistent
    ]
    flagged.sort(key=lambda r: -r.share)
    return flagged


def stage_heat(
    journey_map: JourneyMap, notes: list[NoteRef], heat: dict[int, Heat]
) -> list[StageHeat]:
    """Heat per stage, in spine order; stages without visible notes are listed with zeros."""
    result: dict[int, StageHeat] = {}
    for stage in journey_map.stages.order_by("position", "id"):
        result[stage.pk] = StageHeat(
            stage.pk, stage.name, stage.personnel, 0, dict.fromkeys(TAGS, 0), {}, 0
        )
    for note in notes:
        entry = result[note.stage_id]
        entry.notes += 1
        entry.inconsistent += heat[note.id].inconsistent
        for tag in TAGS:
            entry.counts[tag] += heat[note.id].counts[tag]
    by_stage: dict[int, list[Heat]] = {}
    for note in notes:
        by_stage.setdefault(note.stage_id, []).append(heat[note.id])
    for entry in result.values():
        stage_heats = by_stage.get(entry.stage_id, [])
        entry.share = {
            tag: sum(h.share(tag) for h in stage_heats) / len(stage_heats) if stage_heats else 0.0
            for tag in TAGS
        }
    return list(result.values())


def customer_heat(journey_map: JourneyMap) -> dict[int, CustomerHeat]:
    """Customer feedback per visible touchpoint id (only touchpoints that have some)."""
    result: dict[int, CustomerHeat] = {}
    rows = CustomerFeedback.objects.filter(
        touchpoint__map=journey_map, touchpoint__internal=False
    ).values_list("touchpoint_id", "tag", "score")
    for touchpoint_id, tag, score in rows:
        entry = result.setdefault(touchpoint_id, CustomerHeat())
        entry.rows += 1
        if score is not None:
            entry.score_total += score
            entry.scored += 1
        if tag:
            entry.counts[tag] += 1
        elif score is not None and score < 0:
            entry.counts["pain"] += 1
        elif score is not None and score > 0:
            entry.counts["delight"] += 1
    return result


def gap_ranking(
    notes: list[NoteRef], heat: dict[int, Heat], customer: dict[int, CustomerHeat]
) -> list[Gap]:
    """For each touchpoint with customer feedback, the tag where team and customers differ
    most; largest difference first."""
    gaps = []
    for note in notes:
        reported = customer.get(note.id)
        if reported is None:
            continue
        team = heat[note.id]
        tag = max(TAGS, key=lambda t: (abs(reported.share(t) - team.share(t)), -TAGS.index(t)))
        gaps.append(Gap(note, tag, team.share(tag), reported.share(tag), reported.rows))
    gaps.sort(key=lambda g: -abs(g.difference))
    return gaps


def analyse(journey_map: JourneyMap, workshop=None, *, limit: int = TOP_LIMIT) -> Analysis:
    """The whole analysis for `workshop` (default: the latest revealed workshop with votes).

    A map with no revealed votes gets empty top lists and zero heat; customer heat and gaps
    are computed whenever feedback exists (the team's share is then 0 everywhere).
    """
    if workshop is None:
        workshop = latest_voted_workshop(journey_map)
    notes = visible_notes(journey_map)
    heat = heat_for_map(journey_map, workshop) if workshop is not None else {}
    for note in notes:
        heat.setdefault(note.id, Heat())
    voters = next(iter(heat.values())).voters if heat else 0
    customer = customer_heat(journey_map)
    return Analysis(
        workshop=workshop,
        voters=voters,
        notes=notes,
        heat=heat,
        top={tag: top_notes(notes, heat, tag, limit) for tag in TAGS},
        inconsistent=inconsistent_notes(notes, heat),
        stages=stage_heat(journey_map, notes, heat),
        customer=customer,
        gaps=gap_ranking(notes, heat, customer),
    )
