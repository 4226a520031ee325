"""Touchpoints as CSV, for spreadsheets and other tools: one row per note, in board order."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.db.models import Count

from maps.heat import TAGS, Heat
from maps.models import Channel, JourneyMap, Persona, Touchpoint
from maps.operations import persona_ids
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
    "personas",
    *TAGS,
    "voters",
    "inconsistent",
    # the note's thread: how many comments (ignored on the way in, like the heat)
    "comments",
]
# A cell starting with one of these is run as a formula by spreadsheet programs: a note reading
# "=HYPERLINK(...)" must stay text (CSV injection). Besides ASCII's = + - @ (and TAB, CR, LF,
# after which they look again): the full-width forms CJK input methods type (U+FF1D, U+FF0B,
# U+FF0D, U+FF20), the small forms (U+FE66, U+FE62, U+FE63, U+FE6B) and the minus sign
# (U+2212), which spreadsheet programs fold into the ASCII ones.
_FORMULA_START = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20\ufe66\ufe62\ufe63\ufe6b\u2212")
# What a spreadsheet program may read past before a formula's first character: spaces (the
# Unicode ones too) and characters nobody sees (zero-width ones, the byte-order mark).
_UNSEEN = (
    " \t\r\n\u00a0\u3000"
    + "".join(chr(code) for code in range(0x2000, 0x200B))  # en quad ... hair space
    + "\u200b\u200c\u200d\u2060\ufeff"
)


def _needs_quote(text: str) -> bool:
    """Whether the cell must be written with a leading apostrophe: it could start a formula,
    or it is text that already starts with an apostrophe before one (so the import, which
    takes one apostrophe off such cells, gives back exactly this text)."""
    if text[:1] in _FORMULA_START or text.lstrip(_UNSEEN)[:1] in _FORMULA_START:
        return True
    return text.startswith("'") and _needs_quote(text[1:])


def cell(value: object) -> str:
    text = str(value)
    return "'" + text if _needs_quote(text) else text


def export_csv(journey_map: JourneyMap) -> str:
    """Heat counts are the latest revealed workshop's; internal notes have no heat."""
    heat = heat_for_map(journey_map, latest_voted_workshop(journey_map))
    channels = dict(Channel.choices)
    stages = list(journey_map.stages.order_by("position", "id"))
    number = {stage.pk: i for i, stage in enumerate(stages, start=1)}
    names = {stage.pk: stage.name for stage in stages}
    notes = journey_map.touchpoints.select_related("group").order_by("position", "id")
    rows_by_stage: dict[int, list] = {stage.pk: [] for stage in stages}
    comments = dict(
        journey_map.threads.exclude(touchpoint=None)
        .annotate(n=Count("comments"))
        .values_list("touchpoint_id", "n")
    )
    for note in notes:
        rows_by_stage[note.stage_id].append(note)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    whose = _whose_journey(journey_map)
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
                    cell(whose.get(note.pk, "")),
                    *counts,
                    entry.voters if entry else "",
                    ("yes" if entry.inconsistent else "no") if entry else "",
                    comments.get(note.pk, 0),
                ]
            )
    return out.getvalue()


def _whose_journey(journey_map: JourneyMap) -> dict[int, str]:
    """Note id -> the names of the personas it is on the journey of, when not everyone's
    (issue 20): "; " between names, in the map's order (primary first). Empty: everyone's."""
    ids = persona_ids(journey_map)
    names = {p.pk: p.name for p in Persona.objects.filter(pk__in=ids)}
    rank = {pk: i for i, pk in enumerate(ids)}
    named: dict[int, list[int]] = {}
    links = Touchpoint.personas.through.objects.filter(touchpoint__map=journey_map)
    for note_id, persona_id in links.values_list("touchpoint_id", "persona_id"):
        named.setdefault(note_id, []).append(persona_id)
    return {
        note_id: "; ".join(names[p] for p in sorted(ids_, key=rank.__getitem__))
        for note_id, ids_ in named.items()
    }


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
    if text.startswith("'") and _needs_quote(text[1:]):
        return text[1:]
    return text


def parse_touchpoints(data: bytes) -> list[dict]:
    """Rows of a touchpoint CSV (the export's columns, in any order) as operation input;
    RowsInvalid lists every problem of the file's shape with its line number."""
    rows, errors = [], []
    for number, record in read_records(data, REQUIRED, errors):
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


def read_records(
    data: bytes, required: tuple[str, ...], errors: list[str]
) -> Iterator[tuple[int, dict]]:
    """A CSV file's records that are not blank, with their line numbers, as the parsers of both
    exports read them back. The file's shape (size, encoding, a header naming `required`)
    raises RowsInvalid at once; a record that cannot be read, or one past MAX_ROWS, ends the
    reading with an error in `errors`."""
    if len(data) > MAX_BYTES:
        raise RowsInvalid([f"file: larger than {MAX_BYTES // (1024 * 1024)} MB"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RowsInvalid(["file: not UTF-8 text (save the spreadsheet as CSV UTF-8)"]) from None
    # newline="": the csv module reads every line ending itself, old Macs' lone CR included.
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in reader.fieldnames or []]
    except csv.Error as error:
        raise RowsInvalid([f"line 1: {_unreadable(error)}"]) from None
    missing = [name for name in required if name not in header]
    if missing:
        raise RowsInvalid([f"line 1: the header needs the column(s) {', '.join(missing)}"])
    reader.fieldnames = header
    return _not_blank(reader, errors)


def _not_blank(reader: csv.DictReader, errors: list[str]) -> Iterator[tuple[int, dict]]:
    taken = 0
    for number, record in enumerate(_records(reader, errors), start=2):
        if not any((value or "").strip() for value in record.values() if isinstance(value, str)):
            continue  # blank lines at the end of a spreadsheet
        if taken >= MAX_ROWS:
            errors.append(f"file: more than {MAX_ROWS} rows")
            return
        taken += 1
        yield number, record


def _records(reader: csv.DictReader, errors: list[str]) -> Iterator[dict]:
    """The reader's records until the end, or until one cannot be read: that one is an error
    naming its line (numbered as parse_touchpoints numbers rows), and reading stops there."""
    number = 1
    while True:
        number += 1
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            errors.append(f"line {number}: {_unreadable(error)}")
            return


def _unreadable(error: csv.Error) -> str:
    if "field limit" in str(error):
        return f"a cell is longer than {csv.field_size_limit():,} characters"
    return f"not valid CSV ({error})"
