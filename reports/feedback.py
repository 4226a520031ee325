"""Customer feedback imported from a CSV file: the customers' view beside the team's votes.

One row per piece of feedback on one touchpoint. Columns (header names, any order, any case;
other columns are ignored):

    touchpoint  the note's id, or its exact text                              required
    stage       the stage's name, when the same text is on several stages      optional
    tag         pain / delight / truth (or "pain point", "moment of delight",  tag or score
                "moment of truth")
    score       a whole number from -2 to +2                                   tag or score
    source      survey, interview, support ticket, social (media), other       optional
    comment     free text, up to 2000 characters                               optional

The import is all or nothing: a file with any bad row (unknown touchpoint, bad value, wrong
encoding, empty) imports nothing and gets a report of every bad row with its line number.
A good file is written in one transaction through the operations pattern and recorded as one
`feedback.imported` map event with counts (never the comments: events are broadcast).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from maps.models import LANE_MAX, CustomerFeedback, JourneyMap, MapEvent, Tag
from maps.operations import Actor, lock_map, record

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
# A report lists at most this many problems: enough to fix a file, never a huge page.
MAX_PROBLEMS = 200

TAG_WORDS = {
    "pain": Tag.PAIN,
    "pain point": Tag.PAIN,
    "delight": Tag.DELIGHT,
    "moment of delight": Tag.DELIGHT,
    "truth": Tag.TRUTH,
    "moment of truth": Tag.TRUTH,
}
Source = CustomerFeedback.Source
SOURCE_WORDS = {
    "survey": Source.SURVEY,
    "interview": Source.INTERVIEW,
    "support ticket": Source.SUPPORT_TICKET,
    "support_ticket": Source.SUPPORT_TICKET,
    "ticket": Source.SUPPORT_TICKET,
    "social": Source.SOCIAL,
    "social media": Source.SOCIAL,
    "other": Source.OTHER,
    "": Source.OTHER,
}
COLUMNS = ("touchpoint", "stage", "tag", "score", "source", "comment")


@dataclass(frozen=True)
class Problem:
    """One bad line of the file: its 1-based line number and what is wrong, for people."""

    line: int
    message: str


class FeedbackImportError(Exception):
    """The file was refused; nothing was imported. `problems` lists every bad line."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the CSV file")
        self.problems = problems


@dataclass
class FeedbackImport:
    """What a successful import wrote."""

    event: MapEvent
    rows: int
    by_source: dict[str, int]
    by_tag: dict[str, int]


def import_feedback(actor: Actor, journey_map: JourneyMap, data: bytes) -> FeedbackImport:
    """Validate the whole file, then write every row in one transaction, or raise
    FeedbackImportError with every problem and write nothing."""
    text = decode(data)
    rows = parse(text, journey_map)
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        # Notes may have been deleted since the file was checked: check again, locked.
        ids = {row.touchpoint_id for row in rows}
        still_there = set(locked.touchpoints.filter(pk__in=ids).values_list("pk", flat=True))
        missing = [
            Problem(row.line, "That touchpoint was deleted while the file was imported.")
            for row in rows
            if row.touchpoint_id not in still_there
        ]
        if missing:
            raise FeedbackImportError(missing[:MAX_PROBLEMS])
        CustomerFeedback.objects.bulk_create(
            CustomerFeedback(
                touchpoint_id=row.touchpoint_id,
                tag=row.tag,
                score=row.score,
                source=row.source,
                comment=row.comment,
            )
            for row in rows
        )
        by_source = dict(Counter(row.source for row in rows))
        by_tag = dict(Counter(row.tag for row in rows if row.tag))
        payload = {
            "rows": len(rows),
            "touchpoints": len(ids),
            "by_source": by_source,
            "by_tag": by_tag,
        }
        event = record(locked, actor, "feedback.imported", payload)
    return FeedbackImport(event, len(rows), by_source, by_tag)


# --- reading the file -----------------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackRow:
    line: int
    touchpoint_id: int
    tag: str
    score: int | None
    source: str
    comment: str


def decode(data: bytes) -> str:
    """The file as text. UTF-8 (with or without a byte-order mark) only: every line that is
    not valid UTF-8 is reported, so a spreadsheet's legacy export is caught, not garbled."""
    if len(data) > MAX_BYTES:
        raise FeedbackImportError([Problem(1, f"The file is larger than {MAX_BYTES // 1024} KB.")])
    if not data.strip():
        raise FeedbackImportError([Problem(1, "The file is empty.")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    problems = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(
                Problem(number, "This line is not UTF-8 text: save the file as “CSV UTF-8”.")
            )
    raise FeedbackImportError(problems[:MAX_PROBLEMS])


def parse(text: str, journey_map: JourneyMap) -> list[FeedbackRow]:
    """Every row checked against the map; all problems at once, or the rows."""
    if "\x00" in text:
        raise FeedbackImportError([Problem(1, "The file holds binary data, not CSV text.")])
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise FeedbackImportError([Problem(1, "The file has no header row.")]) from None
    columns = _columns(header)
    lookup = TouchpointLookup(journey_map)
    rows: list[FeedbackRow] = []
    problems: list[Problem] = []
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.append(Problem(line, f"This line is not valid CSV ({error})."))
            break
        if any(cell.strip() for cell in cells):
            if len(rows) + len(problems) >= MAX_ROWS:
                problems.append(Problem(line, f"The file has more than {MAX_ROWS} rows."))
                break
            try:
                rows.append(_row(line, cells, columns, lookup))
            except ValueError as error:
                problems.append(Problem(line, str(error)))
        line = reader.line_num + 1
    if not rows and not problems:
        problems.append(Problem(1, "The file has a header but no feedback rows."))
    if problems:
        raise FeedbackImportError(problems[:MAX_PROBLEMS])
    return rows


def _columns(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        key = name.strip().lower().replace("_", " ")
        key = {"touchpoint id": "touchpoint", "support ticket": "source"}.get(key, key)
        if key in COLUMNS and key not in columns:
            columns[key] = index
    problems = []
    if "touchpoint" not in columns:
        problems.append("a touchpoint column")
    if "tag" not in columns and "score" not in columns:
        problems.append("a tag or a score column")
    if problems:
        found = ", ".join(h.strip() for h in header if h.strip())[:200] or "nothing"
        raise FeedbackImportError(
            [Problem(1, f"The header needs {' and '.join(problems)} (found: {found}).")]
        )
    return columns


class TouchpointLookup:
    """Find a customer-visible note of the map by id, or by exact text (and stage name)."""

    def __init__(self, journey_map: JourneyMap) -> None:
        notes = journey_map.touchpoints.select_related("stage").only(
            "pk", "text", "internal", "stage__name"
        )
        self.by_id = {note.pk: note for note in notes}
        self.by_text: dict[str, list[Any]] = {}
        for note in self.by_id.values():
            self.by_text.setdefault(note.text.strip(), []).append(note)

    def find(self, reference: str, stage: str) -> int:
        if not reference:
            raise ValueError("The touchpoint is missing.")
        if reference.isdigit() and int(reference) in self.by_id:
            note = self.by_id[int(reference)]
        else:
            matches = self.by_text.get(reference, [])
            if stage:
                matches = [n for n in matches if n.stage.name.strip().lower() == stage.lower()]
            if not matches:
                where = f" in stage “{stage[:60]}”" if stage else ""
                raise ValueError(f"No touchpoint “{reference[:80]}”{where} on this map.")
            if len(matches) > 1:
                raise ValueError(
                    f"“{reference[:80]}” is on several stages: add a stage column to say which."
                )
            note = matches[0]
        if note.internal:
            raise ValueError("That touchpoint is internal: customers never see it.")
        return note.pk


def _row(line: int, cells: list[str], columns: dict[str, int], lookup) -> FeedbackRow:
    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    problems = []
    touchpoint_id = 0
    try:
        touchpoint_id = lookup.find(cell("touchpoint"), cell("stage"))
    except ValueError as error:
        problems.append(str(error))
    tag = TAG_WORDS.get(cell("tag").lower()) if cell("tag") else ""
    if tag is None:
        problems.append(f"Unknown tag “{cell('tag')[:40]}”: use pain, delight or truth.")
    score = _score(cell("score"), problems)
    if not tag and score is None and not problems:
        problems.append("A row needs a tag or a score.")
    source = SOURCE_WORDS.get(cell("source").lower().replace("-", " "))
    if source is None:
        problems.append(
            f"Unknown source “{cell('source')[:40]}”: use survey, interview, "
            "support ticket, social or other."
        )
    comment = cell("comment").replace("\x00", "")
    if len(comment) > LANE_MAX:
        problems.append(f"The comment is longer than {LANE_MAX} characters.")
    if problems:
        raise ValueError(" ".join(problems))
    return FeedbackRow(line, touchpoint_id, tag or "", score, source, comment)


def _score(value: str, problems: list[str]) -> int | None:
    if not value:
        return None
    try:
        score = int(value)
    except ValueError:
        problems.append(f"The score “{value[:20]}” is not a whole number from -2 to +2.")
        return None
    if not -2 <= score <= 2:
        problems.append(f"The score {score} is outside -2 to +2.")
        return None
    return score
