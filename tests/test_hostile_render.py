"""Markup in every text field people can type is shown as text on every page that shows it:
the board and its forms, personas, analysis, workshops, the live board, the admin, the CSV and
JSON imports' error pages, and the exports (PDF without scripts, CSV without formulas).

tests/e2e/test_hostile_xss.py checks in Chromium that none of it runs."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from maps import operations as ops
from maps.models import JourneyMap
from reports.feedback import import_feedback
from workshops.access import cookie_name
from workshops.operations import join_workshop, open_workshop

pytestmark = pytest.mark.django_db

# Each payload would run script if inserted as HTML; none may appear unescaped.
PAYLOADS = [
    "<script>window.__xss=1</script>",
    '"><img src=x onerror="window.__xss=2">',
    "<svg onload=window.__xss=3>",
    "javascript:window.__xss=4",
]
DANGEROUS = ["<script>window.__xss", "<img src=x onerror", "<svg onload", 'href="javascript:']


def hostile(n: int) -> str:
    """A value carrying every payload (short enough for name fields)."""
    return f"X{n} " + PAYLOADS[n % len(PAYLOADS)]


@pytest.fixture
def hostile_map(owner, make_user) -> dict:
    actor = ops.Actor.for_user(owner)
    persona = ops.create_persona(
        ops.Actor.for_user(owner),
        name=hostile(0),
        role=hostile(1),
        quote=hostile(2),
        demographics=hostile(3),
        goals=" ".join(PAYLOADS),
        expectations=" ".join(PAYLOADS),
    )
    journey_map = ops.create_map(
        actor, title=hostile(0), persona=persona, scope=hostile(1), stage_names=[hostile(2)]
    )
    stage = journey_map.stages.get()
    ops.update_stage(
        actor,
        journey_map,
        stage.pk,
        actions=" ".join(PAYLOADS),
        thoughts=hostile(1),
        feelings=hostile(2),
        goals=hostile(3),
        personnel=hostile(0),
        time_in_stage=hostile(1),
    )
    note = ops.add_touchpoint(
        actor, journey_map, stage=stage.pk, text=" ".join(PAYLOADS), department=hostile(3)
    )
    note_id = note.payload["touchpoint"]["id"]
    ops.add_group(actor, journey_map, name=hostile(2), touchpoints=[note_id])
    import_feedback(
        actor,
        journey_map,
        f'touchpoint,tag,score,comment\n{note_id},pain,-2,"{" ".join(PAYLOADS)}"\n'.encode(),
    )
    workshop = open_workshop(owner, journey_map, title=hostile(1))
    guest = join_workshop(workshop, display_name=hostile(1)[:40])
    # An action item: its text, and a guest's name as its owner (the list, the forms' choices).
    ops.add_action(
        actor,
        journey_map,
        touchpoint=note_id,
        text=" ".join(PAYLOADS),
        owner=f"participant:{guest.pk}",
    )
    root = make_user("root")
    root.is_staff = root.is_superuser = True
    root.save()
    return {
        "map": journey_map,
        "persona": persona,
        "stage": stage.pk,
        "note": note_id,
        "workshop": workshop,
        "guest": guest,
        "root": root,
    }


def assert_shown_as_text(html: str, where: str) -> None:
    for fragment in DANGEROUS:
        assert fragment not in html, f"{where}: unescaped {fragment!r}"


def owner_pages(h: dict) -> list[str]:
    m, code = h["map"].pk, h["workshop"].join_code
    return [
        reverse("home"),
        reverse("persona_list"),
        reverse("persona_edit", args=[h["persona"].pk]),
        reverse("board", args=[m]),
        reverse("map_settings", args=[m]),
        reverse("map_members", args=[m]),
        reverse("map_analysis", args=[m]),
        reverse("map_workshops", args=[m]),
        reverse("stage_form", args=[m]) + f"?stage={h['stage']}",
        reverse("stage_delete_form", args=[m]) + f"?stage={h['stage']}",
        reverse("note_form", args=[m]) + f"?touchpoint={h['note']}",
        reverse("workshop_live", kwargs={"code": code}),
        reverse("workshop_board", kwargs={"code": code}),
    ]


def test_every_page_shows_the_markup_as_text(client, owner, hostile_map):
    client.force_login(owner)
    escaped_somewhere = False
    for url in owner_pages(hostile_map):
        response = client.get(url, HTTP_HX_REQUEST="true" if "form" in url else "")
        assert response.status_code == 200, url
        html = response.content.decode()
        assert_shown_as_text(html, url)
        escaped_somewhere |= "&lt;script&gt;window.__xss=1&lt;/script&gt;" in html
    # The control: the payloads were on those pages, as text.
    assert escaped_somewhere


def test_a_guest_sees_the_markup_as_text_on_the_live_board(client, hostile_map):
    workshop = hostile_map["workshop"]
    client.cookies[cookie_name(workshop)] = hostile_map["guest"].token
    for name in ("workshop_live", "workshop_board"):
        html = client.get(reverse(name, kwargs={"code": workshop.join_code})).content.decode()
        assert_shown_as_text(html, name)
        assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in html


def test_the_admin_shows_the_markup_as_text(client, hostile_map):
    client.force_login(hostile_map["root"])
    journey_map = hostile_map["map"]
    urls = [
        reverse("admin:maps_journeymap_changelist"),
        reverse("admin:maps_journeymap_change", args=[journey_map.pk]),
        reverse("admin:maps_persona_changelist"),
        reverse("admin:maps_persona_change", args=[hostile_map["persona"].pk]),
        reverse("admin:maps_touchpoint_changelist"),
        reverse("admin:maps_touchpoint_change", args=[hostile_map["note"]]),
        reverse("admin:maps_stage_changelist"),
        reverse("admin:maps_stage_change", args=[hostile_map["stage"]]),
        reverse("admin:maps_touchpointgroup_changelist"),
        reverse("admin:maps_customerfeedback_changelist"),
        reverse("admin:maps_mapevent_changelist"),
        reverse("admin:workshops_workshop_changelist"),
        reverse("admin:workshops_workshop_change", args=[hostile_map["workshop"].pk]),
        reverse("admin:workshops_participant_changelist"),
        reverse("admin:workshops_participant_change", args=[hostile_map["guest"].pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_shown_as_text(response.content.decode(), url)


def test_the_feedback_import_echoes_a_bad_reference_as_text(client, owner, hostile_map):
    client.force_login(owner)
    csv = f'touchpoint,tag\n"{" ".join(PAYLOADS)}",pain\n'.encode()
    response = client.post(
        reverse("map_feedback_import", args=[hostile_map["map"].pk]),
        {"file": SimpleUploadedFile("feedback.csv", csv, content_type="text/csv")},
    )
    html = response.content.decode()
    assert response.status_code in (200, 400, 422)
    assert_shown_as_text(html, "feedback import")
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in html  # the problem names the row


def test_the_json_import_shows_hostile_content_as_text(client, owner, hostile_map):
    client.force_login(owner)
    export = client.get(reverse("map_json", args=[hostile_map["map"].pk])).content
    response = client.post(
        reverse("map_import"),
        {"document": SimpleUploadedFile("map.json", export, content_type="application/json")},
    )
    assert response.status_code in (200, 302)
    copy = JourneyMap.objects.exclude(pk=hostile_map["map"].pk).latest("pk")
    html = client.get(reverse("board", args=[copy.pk])).content.decode()
    assert_shown_as_text(html, "imported board")
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in html
    bad = b'{"format": "<script>window.__xss=1</script>"}'
    response = client.post(
        reverse("map_import"),
        {"document": SimpleUploadedFile("bad.json", bad, content_type="application/json")},
    )
    assert_shown_as_text(response.content.decode(), "json import errors")


def test_the_pdf_carries_no_script_or_actions(client, owner, hostile_map):
    client.force_login(owner)
    response = client.get(reverse("map_pdf", args=[hostile_map["map"].pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = b"".join(response.streaming_content) if response.streaming else response.content
    for marker in (b"/JavaScript", b"/JS", b"/OpenAction", b"/Launch", b"/URI"):
        assert marker not in pdf, marker


def test_the_csv_export_neutralises_formulas(client, owner, hostile_map):
    actor = ops.Actor.for_user(owner)
    journey_map = hostile_map["map"]
    for formula in ('=HYPERLINK("http://evil.example")', "+1+1", "-2+3", "@SUM(A1)"):
        ops.add_touchpoint(actor, journey_map, stage=hostile_map["stage"], text=formula)
    client.force_login(owner)
    content = client.get(reverse("map_csv", args=[journey_map.pk])).content.decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(content)) for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")], "a cell starts a formula"
    assert any("HYPERLINK" in c for c in cells)
