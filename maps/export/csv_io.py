"""Touchpoints as CSV, for spreadsheets and other tools: one row per note, in board order."""

from __future__ import annotations

import csv
import io

from ..heat import TAGS, Heat, heat_for_map, latest_voted_workshop
from ..models import Channel, JourneyMap

HEADER = [
    "stage_number",
    "stage",
    "order_in_stage",
    "touchpoint",
    "channel",
    "department",
    "critical",
    "internal",
    "group",
    *TAGS,
    "voters",
    "inconsistent",
]
# A cell starting with one of these is run as a formula by spreadsheet programs: a note reading
# "=HYPERLINK(...)" must stay text (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def export_csv(journey_map: JourneyMap) -> str:
    """Heat counts are the latest revealed workshop's; internal notes have no heat."""
    heat = heat_for_map(journey_map, latest_voted_workshop(journey_map))
    channels = dict(Channel.choices)
    stages = list(journey_map.stages.order_by("position", "id"))
    number = {stage.pk: i for i, stage in enumerate(stages, start=1)}
    names = {stage.pk: stage.name for stage in stages}
    notes = journey_map.touchpoints.select_related("group").order_by("position", "id")
    rows_by_stage: dict[int, list] = {stage.pk: [] for stage in stages}
    for note in notes:
        rows_by_stage[note.stage_id].append(note)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for stage_id, stage_notes in rows_by_stage.items():
        for order, note in enumerate(stage_notes, start=1):
            entry: Heat | None = heat.get(note.pk)
            counts = [entry.counts.get(tag, 0) if entry else "" for tag in TAGS]
            writer.writerow(
                [
                    number[stage_id],
                    cell(names[stage_id]),
                    order,
                    cell(note.text),
                    channels.get(note.channel, note.channel),
                    cell(note.department),
                    "yes" if note.critical else "no",
                    "yes" if note.internal else "no",
                    cell(note.group.name if note.group else ""),
                    *counts,
                    entry.voters if entry else "",
                    ("yes" if entry.inconsistent else "no") if entry else "",
                ]
            )
    return out.getvalue()
