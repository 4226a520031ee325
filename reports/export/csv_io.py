"""Touchpoints as CSV, for spreadsheets and other tools: one row per note, in board order."""

from __future__ import annotations

import csv
import io

from maps.heat import TAGS, Heat
from maps.models import Channel, JourneyMap
from workshops.tally import heat_for_map, latest_voted_workshop

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


# --- import ---------------------------------------------------------------------------------

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
# The export's own columns; the heat columns are ignored on the way in (votes are not notes).
REQUIRED = ("stage", "touchpoint")
_CHANNELS_BY_LABEL = {label.lower(): value for value, label in Channel.choices}
_YES = {"yes", "y", "true", "1", "x"}
_NO = {"no", "n", "false", "0", ""}


class RowsInvalid(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__(f"{len(errors)} problem(s)")
        self.errors = errors


def _uncell(text: str) -> str:
    """Undo the export's guard against formulas: "'=SUM" was written for "=SUM"."""
    if text.startswith("'") and text[1:].startswith(_FORMULA_START):
        return text[1:]
    return text


def parse_touchpoints(data: bytes) -> list[dict]:
    """Rows of a touchpoint CSV (the export's columns, in any order) as operation input;
    RowsInvalid lists every problem of the file's shape with its line number."""
    if len(data) > MAX_BYTES:
        raise RowsInvalid([f"file: larger than {MAX_BYTES // (1024 * 1024)} MB"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RowsInvalid(["file: not UTF-8 text (save the spreadsheet as CSV UTF-8)"]) from None
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise RowsInvalid([f"line 1: the header needs the column(s) {', '.join(missing)}"])
    reader.fieldnames = header
    rows, errors = [], []
    for number, record in enumerate(reader, start=2):
        if len(rows) >= MAX_ROWS:
            errors.append(f"file: more than {MAX_ROWS} rows")
            break
        if not any((value or "").strip() for value in record.values() if isinstance(value, str)):
            continue  # blank lines at the end of a spreadsheet
        row: dict = {"line": number, "stage": _uncell((record.get("stage") or "").strip())}
        row["text"] = _uncell(record.get("touchpoint") or "")
        channel = (record.get("channel") or "other").strip()
        row["channel"] = _CHANNELS_BY_LABEL.get(channel.lower(), channel.lower())
        row["department"] = _uncell(record.get("department") or "")
        row["group"] = _uncell(record.get("group") or "")
        for flag in ("critical", "internal"):
            value = (record.get(flag) or "").strip().lower()
            if value not in _YES | _NO:
                errors.append(f"line {number}: {flag} must be yes or no")
            row[flag] = value in _YES
        rows.append(row)
    if errors:
        raise RowsInvalid(errors)
    return rows
