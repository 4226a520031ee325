"""Customer feedback CSV import: good files import every row with one event; a bad file
(unknown touchpoint, bad value, wrong encoding, empty) imports nothing and reports every bad
row with its line number."""

from __future__ import annotations

import pytest

from maps import operations as ops
from maps.models import CustomerFeedback
from reports.feedback import FeedbackImportError, import_feedback

pytestmark = pytest.mark.django_db


@pytest.fixture
def notes(journey_map, actor):
    stages = list(journey_map.stages.order_by("position"))

    def add(stage, text, **fields):
        event = ops.add_touchpoint(actor, journey_map, stage=stage.pk, text=text, **fields)
        return journey_map.touchpoints.get(pk=event.payload["touchpoint"]["id"])

    return {
        "form": add(stages[0], "Fills in the sign-up form"),
        "email": add(stages[1], "Welcome email"),
        "email2": add(stages[2], "Welcome email"),
        "crm": add(stages[0], "CRM sync", internal=True),
    }


def run(actor, journey_map, text: str | bytes):
    data = text.encode() if isinstance(text, str) else text
    return import_feedback(actor, journey_map, data)


def problems(actor, journey_map, text: str | bytes) -> list[tuple[int, str]]:
    with pytest.raises(FeedbackImportError) as refused:
        run(actor, journey_map, text)
    assert not CustomerFeedback.objects.exists()
    return [(p.line, p.message) for p in refused.value.problems]


def test_a_good_file_imports_every_row_with_one_event(actor, journey_map, notes):
    journey_map.refresh_from_db()
    revision = journey_map.revision
    result = run(
        actor,
        journey_map,
        "touchpoint,stage,tag,score,source,comment\n"
        f"{notes['form'].pk},,pain,-2,survey,Too many fields\n"
        'Fills in the sign-up form,,,1,interview,"Quick, once I found it"\n'
        "Welcome email,First use,moment of delight,,Support ticket,\n"
        "Welcome email,Habit,truth,,social media,\n",
    )
    assert result.rows == 4
    rows = CustomerFeedback.objects.order_by("id")
    assert [(r.touchpoint_id, r.tag, r.score, r.source) for r in rows] == [
        (notes["form"].pk, "pain", -2, "survey"),
        (notes["form"].pk, "", 1, "interview"),
        (notes["email"].pk, "delight", None, "support_ticket"),
        (notes["email2"].pk, "truth", None, "social"),
    ]
    assert rows[1].comment == "Quick, once I found it"
    journey_map.refresh_from_db()
    assert journey_map.revision == revision + 1
    event = journey_map.events.get(revision=journey_map.revision)
    assert event.type == "feedback.imported"
    assert event.payload == {
        "rows": 4,
        "touchpoints": 3,
        "by_source": {"survey": 1, "interview": 1, "support_ticket": 1, "social": 1},
        "by_tag": {"pain": 1, "delight": 1, "truth": 1},
    }


def test_the_event_never_carries_comments(actor, journey_map, notes):
    run(
        actor,
        journey_map,
        "touchpoint,tag,comment\nWelcome email,pain,secret words\n".replace(
            "Welcome email", str(notes["form"].pk)
        ),
    )
    assert "secret" not in str(journey_map.events.last().payload)


def test_a_byte_order_mark_and_header_case_are_fine(actor, journey_map, notes):
    data = "\ufeffTouchpoint,Score\nFills in the sign-up form,+2\n".encode()
    assert run(actor, journey_map, data).rows == 1


def test_every_bad_row_is_reported_with_its_line_and_nothing_imported(actor, journey_map, notes):
    found = problems(
        actor,
        journey_map,
        "touchpoint,stage,tag,score,source,comment\n"
        "Fills in the sign-up form,,pain,,survey,fine\n"  # line 2: good
        "Pays the invoice,,pain,,survey,\n"  # 3: unknown touchpoint
        "Fills in the sign-up form,,meh,,survey,\n"  # 4: bad tag
        "Fills in the sign-up form,,,5,survey,\n"  # 5: score out of range
        "Fills in the sign-up form,,,abc,survey,\n"  # 6: score not a number
        "Fills in the sign-up form,,pain,,carrier pigeon,\n"  # 7: bad source
        "Fills in the sign-up form,,,,survey,\n"  # 8: neither tag nor score
        "Welcome email,,pain,,survey,\n"  # 9: ambiguous text
        "CRM sync,,pain,,survey,\n"  # 10: internal note
        "99999,,pain,,survey,\n",  # 11: unknown id
    )
    assert [line for line, _ in found] == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    messages = dict(found)
    assert "No touchpoint" in messages[3]
    assert "Unknown tag" in messages[4]
    assert "outside -2 to +2" in messages[5]
    assert "not a whole number" in messages[6]
    assert "Unknown source" in messages[7]
    assert "tag or a score" in messages[8]
    assert "several stages" in messages[9]
    assert "internal" in messages[10]
    assert "No touchpoint" in messages[11]


def test_line_numbers_count_lines_inside_quoted_comments(actor, journey_map, notes):
    found = problems(
        actor,
        journey_map,
        'touchpoint,tag,comment\nFills in the sign-up form,pain,"two\nlines"\nNope,pain,\n',
    )
    assert [line for line, _ in found] == [4]


def test_blank_lines_are_skipped_not_reported(actor, journey_map, notes):
    assert (
        run(actor, journey_map, "touchpoint,tag\n\nFills in the sign-up form,pain\n,\n").rows == 1
    )


def test_an_empty_file_is_refused(actor, journey_map, notes):
    assert problems(actor, journey_map, b"") == [(1, "The file is empty.")]
    assert problems(actor, journey_map, b"  \n\n")[0][0] == 1


def test_a_header_without_rows_is_refused(actor, journey_map, notes):
    assert "no feedback rows" in problems(actor, journey_map, "touchpoint,tag\n")[0][1]


def test_a_header_without_the_needed_columns_is_refused(actor, journey_map, notes):
    [(line, message)] = problems(actor, journey_map, "note,comment\nx,y\n")
    assert line == 1 and "touchpoint column" in message and "tag or a score" in message


def test_a_file_in_another_encoding_reports_each_bad_line(actor, journey_map, notes):
    data = "touchpoint,tag,comment\nFills in the sign-up form,pain,ok\nFills in the sign-up form,pain,très lent\nFills in the sign-up form,pain,déjà\n".encode(
        "latin-1"
    )
    found = problems(actor, journey_map, data)
    assert [line for line, _ in found] == [3, 4]
    assert "UTF-8" in found[0][1]


def test_binary_data_is_refused(actor, journey_map, notes):
    assert "binary" in problems(actor, journey_map, b"touchpoint,tag\n\x00\x00,pain\n")[0][1]


def test_a_comment_over_the_limit_is_refused(actor, journey_map, notes):
    found = problems(
        actor, journey_map, f"touchpoint,tag,comment\nFills in the sign-up form,pain,{'x' * 2001}\n"
    )
    assert found[0][0] == 2 and "longer than" in found[0][1]


def test_html_in_a_comment_is_stored_as_text(actor, journey_map, notes):
    run(
        actor,
        journey_map,
        'touchpoint,tag,comment\nFills in the sign-up form,pain,"<script>x</script>"\n',
    )
    assert CustomerFeedback.objects.get().comment == "<script>x</script>"


def test_a_touchpoint_of_another_map_is_unknown(actor, journey_map, notes):
    other = ops.create_map(actor, title="Other", stage_names=["S"])
    event = ops.add_touchpoint(actor, other, stage=other.stages.get().pk, text="Elsewhere")
    found = problems(
        actor, journey_map, f"touchpoint,tag\n{event.payload['touchpoint']['id']},pain\n"
    )
    assert found[0][0] == 2 and "No touchpoint" in found[0][1]
