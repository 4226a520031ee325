"""A CSV cell never starts a formula in a spreadsheet (issue 14, CSV injection).

The guard covered only ASCII = + - @, TAB and CR. Spreadsheet programs also take the
full-width forms (U+FF1D, U+FF0B, U+FF0D, U+FF20, typed by Japanese, Chinese and Korean input
methods), the small forms (U+FE66, U+FE62, U+FE63, U+FE6B) and the minus sign (U+2212) as a
formula's start, and read past spaces and invisible characters before it. Such cells are
written with a leading apostrophe, and the import takes it off again, so the notes come back
as they were."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from maps import operations as ops
from reports.export import csv_io

from .export_helpers import add_notes

pytestmark = pytest.mark.django_db

STARTERS = ["＝", "＋", "－", "＠", "﹦", "﹢", "﹣", "﹫", "−", "=", "+", "-", "@"]
HIDDEN_BEFORE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", " ", "\u3000", "\n"]


@pytest.mark.parametrize("starter", STARTERS)
def test_a_cell_starting_a_formula_in_any_form_is_written_as_text(starter):
    assert csv_io.cell(f'{starter}HYPERLINK("http://evil.example")')[0] == "'"


@pytest.mark.parametrize("hidden", HIDDEN_BEFORE)
def test_spaces_and_invisible_characters_before_a_formula_do_not_hide_it(hidden):
    assert csv_io.cell(f"{hidden}＝1+1").startswith("'")
    assert csv_io.cell(f"{hidden}=1+1").startswith("'")


def test_text_with_those_signs_further_in_is_left_alone():
    for text in ("Price +5%", "Mail me @ home", "A – B", "Q&A: =yes", "Ｑ＆Ａ＝はい"):
        assert csv_io.cell(text) == text


def test_the_csv_download_starts_no_cell_with_a_formula(client, owner, journey_map):
    add_notes(journey_map, 0, [f"{s}SUM(A1:A9)" for s in STARTERS])
    add_notes(journey_map, 1, ['\u200b=HYPERLINK("http://evil.example")'], department="＠ops")
    client.force_login(owner)
    content = client.get(reverse("map_csv", args=[journey_map.pk])).content.decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(content)) for cell in row]
    starts = tuple(STARTERS)
    assert not [c for c in cells if c.lstrip("".join(HIDDEN_BEFORE)).startswith(starts)]
    assert sum(c.startswith("'") for c in cells) == len(STARTERS) + 2


def test_guarded_cells_come_back_as_the_same_notes(journey_map, actor):
    texts = [f"{s}1+1" for s in STARTERS] + ["\u200b=1+1", "'quoted already", "'＝1"]
    add_notes(journey_map, 0, texts, department="＋Sales")
    copy = ops.create_map(actor, title="Copy", stage_names=["Sign up"])
    exported = csv_io.export_csv(journey_map)
    ops.import_touchpoints(actor, copy, csv_io.parse_touchpoints(exported.encode()))
    fields = ("text", "department")
    original = list(journey_map.touchpoints.order_by("position").values_list(*fields))
    assert list(copy.touchpoints.order_by("position").values_list(*fields)) == original
