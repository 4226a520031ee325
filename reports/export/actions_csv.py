"""Action items as CSV: who does what by when, one row per action, for spreadsheets and
trackers; and back (maps.operations.import_actions adds them, all or none).

The same guards as the touchpoints' CSV (csv_io): cells that could start a formula are written
with a leading apostrophe and read back without it; the same size, row and encoding limits.
"""

from __future__ import annotations

import csv
import io

from maps.board import action_items
from maps.models import ActionItem, JourneyMap

from .csv_io import RowsInvalid, _uncell, cell, read_records

HEADER = ["stage", "touchpoint", "action", "owner", "due", "status"]
REQUIRED = ("touchpoint", "action")
# Besides its value ("doing"), a status may be written as people read it ("In progress").
_STATUSES = {
    **{value: value for value in ActionItem.Status.values},
    **{label.lower(): value for value, label in ActionItem.Status.choices},
}


def export_actions_csv(journey_map: JourneyMap) -> str:
    """Soonest due first, as the board and the PDF list them."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for action in action_items(journey_map):
        writer.writerow(
            [
                cell(action.touchpoint.stage.name),
                cell(action.touchpoint.text),
                cell(action.text),
                cell(action.owner_name),
                action.due.isoformat() if action.due else "",
                action.status,
            ]
        )
    return out.getvalue()


def parse_actions(data: bytes) -> list[dict]:
    """Rows of an action CSV (the export's columns, in any order) as import_actions takes
    them; RowsInvalid lists every problem of the file's shape with its line number."""
    rows, errors = [], []
    for number, record in read_records(data, REQUIRED, errors):
        status = (record.get("status") or "open").strip()
        rows.append(
            {
                "line": number,
                "stage": _uncell((record.get("stage") or "").strip()),
                "touchpoint": _uncell((record.get("touchpoint") or "").strip()),
                "text": _uncell(record.get("action") or ""),
                "owner": _uncell(record.get("owner") or ""),
                "due": (record.get("due") or "").strip(),
                "status": _STATUSES.get(status.lower(), status),
            }
        )
    if errors:
        raise RowsInvalid(errors)
    return rows
