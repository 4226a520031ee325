"""The board's per-note markup (maps/markup.py): the hooks of docs/design.md, "Board markup",
user text escaped, the meta line, the heat box, who gets the Edit disclosure, and the template
the live page fills for notes that arrive in events."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from maps import operations as ops
from maps.heat import Heat
from maps.markup import heat_box, note_item, note_meta, note_template
from maps.models import Touchpoint, TouchpointGroup
from workshops.models import Vote
from workshops.operations import join_workshop, open_workshop

HOSTILE = '<script>alert("x")</script> & <b>bold</b>'


def note(**fields) -> Touchpoint:
    values = {
        "pk": 7,
        "map_id": 1,
        "stage_id": 1,
        "text": "Test drive",
        "channel": "store",
        "position": "m",
        "version": 3,
    }
    return Touchpoint(**{**values, **fields})


def test_a_note_carries_the_hooks_the_live_board_updates():
    html = note_item(note(critical=True))
    assert html.startswith('<li class="note critical" data-touchpoint="7" data-version="3"')
    assert 'data-position="m" tabindex="0">' in html
    assert '<p class="note-text" data-field="text">Test drive</p>' in html
    assert (
        '<p class="meta" data-field="meta"><span data-field="channel">Store / in person</span>'
        '<span data-if="critical">critical</span></p>'
    ) in html
    assert "autofocus" not in html and "heat" not in html and "note-edit" not in html
    assert "data-group" not in html


def test_a_grouped_note_names_its_group_in_an_attribute_and_in_its_meta_line():
    group = TouchpointGroup(pk=3, map_id=1, name="Paperwork")
    html = note_item(note(group=group))
    assert 'data-position="m" data-group="3" tabindex="0">' in html
    assert '<span data-if="group">Paperwork</span>' in html


def test_user_text_is_escaped_in_text_and_meta():
    group = TouchpointGroup(pk=3, map_id=1, name=HOSTILE)
    html = note_item(note(text=HOSTILE, department=HOSTILE, group=group))
    assert "<script>" not in html and "<b>" not in html
    assert html.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; ") == 3


def test_the_meta_line_lists_channel_department_group_and_marks_in_order():
    group = TouchpointGroup(pk=3, map_id=1, name="Paperwork")
    meta = note_meta(note(department="Sales", group=group, critical=True, internal=True))
    assert meta == (
        '<span data-field="channel">Store / in person</span>'
        '<span data-if="department">Sales</span><span data-if="group">Paperwork</span>'
        '<span data-if="critical">critical</span><span data-if="internal">internal</span>'
    )
    assert note_meta(note(channel="phone")) == '<span data-field="channel">Phone</span>'


def test_focus_and_the_edit_disclosure_are_asked_for():
    html = note_item(note(), form_url="/maps/1/notes/form/", focused=True)
    assert 'tabindex="0" autofocus>' in html
    assert 'hx-get="/maps/1/notes/form/?touchpoint=7"' in html


def test_the_heat_box_shows_counts_levels_and_shares():
    heat = Heat(counts={"pain": 3, "delight": 1, "truth": 0}, voters=4)
    html = note_item(note(), heat=heat)
    box = re.search(r'<div class="heat".*</div>', html).group(0)
    assert box.startswith(
        '<div class="heat" data-heat data-unless="internal" data-top="pain" data-level="4"'
        ' data-pain="4" data-delight="2" data-truth="0">'
    )
    assert 'aria-label="Votes from 4 voters"' in box
    assert re.search(r'data-tag="pain">.*?<strong>3</strong>.*?\(75%\)', box)
    assert re.search(r'data-tag="delight">.*?<strong>1</strong>.*?\(25%\)', box)
    # A chip only for a tag somebody gave: no "Truth 0".
    assert 'data-tag="truth"' not in box and box.count('class="heat-count"') == 2
    assert "heat-flag" not in box


def test_one_voter_is_singular_and_an_inconsistent_note_is_flagged():
    single = heat_box(Heat(counts={"pain": 1, "delight": 0, "truth": 0}, voters=1))
    assert 'aria-label="Votes from 1 voter"' in single
    torn = heat_box(Heat(counts={"pain": 2, "delight": 2, "truth": 0}, voters=4))
    assert " data-inconsistent>" in torn
    assert '<p class="heat-flag">Inconsistent: painful and delightful to many</p>' in torn


def test_the_live_template_is_a_blank_note_with_every_part_of_its_meta_line():
    html = note_template(voters=0)
    assert html.startswith('<template data-note-template><li class="note" data-touchpoint="0"')
    assert html.endswith("</li></template>")
    assert html.count("<li ") == 1
    assert '<p class="note-text" data-field="text"></p>' in html
    assert (
        '<p class="meta" data-field="meta"><span data-field="channel">Other</span>'
        '<span data-if="department"></span><span data-if="group"></span>'
        '<span data-if="critical">critical</span><span data-if="internal">internal</span></p>'
    ) in html
    assert "heat" not in html and "data-group=" not in html and "note-edit" not in html


def test_the_live_template_carries_the_empty_heat_box_a_new_note_gets_once_heat_shows():
    html = note_template(voters=3)
    empty = heat_box(Heat(voters=3))
    assert f"</p>{empty}</li></template>" in html
    # No chips at all (nobody tagged it), but a screen reader hears it was counted.
    assert "heat-count" not in empty and "<strong>" not in empty
    assert '<p class="visually-hidden">No tags from the 3 voters</p>' in empty


def test_no_heat_box_on_internal_notes_or_without_voters():
    heat = Heat(counts={"pain": 1, "delight": 0, "truth": 0}, voters=1)
    assert "heat" not in note_item(note(internal=True), heat=heat)
    assert "heat" not in note_item(note(), heat=Heat())


@pytest.mark.django_db
def test_the_board_page_shows_heat_once_revealed_coloured_on_the_voted_note(
    client, owner, journey_map, actor
):
    stage = journey_map.stages.order_by("position").first()
    voted, quiet = (
        ops.add_touchpoint(actor, journey_map, stage=stage.pk, text=text).payload["touchpoint"][
            "id"
        ]
        for text in ("Voted", "Quiet")
    )
    workshop = open_workshop(owner, journey_map)
    for name in ("Ann", "Bo"):
        voter = join_workshop(workshop, display_name=name)
        Vote.objects.create(workshop=workshop, participant=voter, touchpoint_id=voted, tag="pain")
    client.force_login(owner)
    url = reverse("board", args=[journey_map.pk])
    assert 'class="heat"' not in client.get(url).content.decode()  # not revealed yet
    workshop.phase = "reveal"
    workshop.save()
    html = client.get(url).content.decode()
    assert set(re.findall(r'<li class="note[^"]*" data-touchpoint="(\d+)"', html)) >= {
        str(voted),
        str(quiet),
    }
    voted_li = re.search(rf'data-touchpoint="{voted}".*?</details></li>', html, re.S).group(0)
    quiet_li = re.search(rf'data-touchpoint="{quiet}".*?</details></li>', html, re.S).group(0)
    assert 'data-top="pain" data-level="4"' in voted_li and "<strong>2</strong>" in voted_li
    # Every note shows the counts once votes are revealed; a note nobody tagged has no colour.
    assert 'data-top="" data-level="0"' in quiet_li and "<strong>2</strong>" not in quiet_li


def test_a_note_names_its_author_after_a_dot_in_their_colour():
    html = note_item(note(author_name=HOSTILE, author_colour="#b91c1c"))
    assert (
        '<p class="note-author" data-if="authored" style="--author:#b91c1c">'
        '<span class="visually-hidden">Added by </span><span data-field="author">'
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"
        "</span></p>"
    ) in html
    # An account on the map's page has no presence colour: no style at all.
    assert 'class="note-author" data-if="authored"><span' in note_item(note(author_name="ann"))
    assert "note-author" not in note_item(note())


def test_a_coloured_note_says_so_in_an_attribute():
    assert 'data-position="m" data-colour="pink" tabindex="0">' in note_item(note(colour="pink"))
    assert "data-colour" not in note_item(note())


def test_the_actions_button_is_only_on_notes_that_ask_for_it():
    assert "data-note-menu" not in note_item(note())
    html = note_item(note(), menu=True)
    assert html.count('<button type="button" class="note-menu" data-note-menu') == 1
    assert "data-note-menu" in note_template(voters=0, menu=True)
    assert "data-note-menu" not in note_template(voters=0)


def test_the_live_template_has_a_blank_author_line_to_fill():
    html = note_template(voters=0)
    assert (
        '<p class="note-author" data-if="authored"><span class="visually-hidden">Added by </span>'
        '<span data-field="author"></span></p>'
    ) in html
