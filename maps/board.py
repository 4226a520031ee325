"""What the board page shows: the spine, each stage's lanes and notes, the emotion curve.

Built from a fixed number of queries whatever the map's size (see tests/maps/test_board.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .models import JourneyMap, Stage, Touchpoint

CURVE_WIDTH_PER_STAGE = 160
CURVE_HEIGHT = 120


@dataclass
class StageColumn:
    stage: Stage
    touchpoints: list[Touchpoint] = field(default_factory=list)


def emotion_curve(stages: list[Stage]) -> dict[str, Any]:
    """SVG polyline points for the emotion scores, now and aspiration (-2 bottom, +2 top)."""

    def y(score: int) -> float:
        return CURVE_HEIGHT / 2 - score * (CURVE_HEIGHT / 2 - 12) / 2

    def points(attr: str) -> str:
        coords = []
        for i, stage in enumerate(stages):
            score = getattr(stage, attr)
            if score is not None:
                coords.append(
                    f"{i * CURVE_WIDTH_PER_STAGE + CURVE_WIDTH_PER_STAGE / 2:.0f},{y(score):.1f}"
                )
        return " ".join(coords)

    return {
        "width": max(1, len(stages)) * CURVE_WIDTH_PER_STAGE,
        "height": CURVE_HEIGHT,
        "now": points("emotion_now"),
        "aspiration": points("emotion_aspiration"),
        "zero": CURVE_HEIGHT / 2,
    }


def board_context(journey_map: JourneyMap, role: str) -> dict[str, Any]:
    stages = list(journey_map.stages.order_by("position", "id"))
    columns = {stage.pk: StageColumn(stage) for stage in stages}
    notes = journey_map.touchpoints.select_related("group").order_by("position", "id")
    for note in notes:
        columns[note.stage_id].touchpoints.append(note)
    return {
        "map": journey_map,
        "persona": journey_map.persona,
        "role": role,
        "can_edit": role in ("owner", "editor"),
        "columns": list(columns.values()),
        "curve": emotion_curve(stages),
    }
