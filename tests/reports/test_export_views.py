"""Downloads and import over HTTP: who may, what they get, and that drawing a PDF never holds
up the event loop that serves the workshop's websockets."""

from __future__ import annotations

import asyncio
import csv
import inspect
import io
import json
import threading

import pytest
from asgiref.sync import sync_to_async
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from maps.models import JourneyMap
from reports import export_views
from reports.export import pdf as pdf_module
from reports.export.json_io import export_document

from .export_helpers import add_notes, revealed_workshop

pytestmark = pytest.mark.django_db

DOWNLOADS = [
    ("map_pdf", "application/pdf"),
    ("map_json", "application/json; charset=utf-8"),
    ("map_csv", "text/csv; charset=utf-8"),
]


@pytest.mark.parametrize(("name", "kind"), DOWNLOADS)
def test_viewer_can_download(client, viewer, journey_map, name, kind):
    client.force_login(viewer)
    response = client.get(reverse(name, args=[journey_map.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == kind
    assert response["Content-Disposition"].startswith('attachment; filename="onboarding.')


@pytest.mark.parametrize(("name", "kind"), DOWNLOADS)
def test_outsider_cannot_download(client, outsider, journey_map, name, kind):
    client.force_login(outsider)
    assert client.get(reverse(name, args=[journey_map.pk])).status_code == 404


@pytest.mark.parametrize(("name", "kind"), DOWNLOADS)
def test_anonymous_visitor_is_sent_to_log_in(client, journey_map, name, kind):
    response = client.get(reverse(name, args=[journey_map.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_pdf_download_is_a_pdf_of_the_map_on_the_paper_asked_for(client, viewer, journey_map):
    client.force_login(viewer)
    response = client.get(reverse("map_pdf", args=[journey_map.pk]) + "?paper=a3")
    from pypdf import PdfReader

    page = PdfReader(io.BytesIO(response.content)).pages[0]
    assert round(page.mediabox.width) == 1191
    assert "Onboarding" in page.extract_text()


def test_csv_lists_touchpoints_in_board_order_with_heat(client, viewer, owner, journey_map):
    add_notes(journey_map, 1, ["Opens the app", "=HYPERLINK(evil)"], department="Product")
    add_notes(journey_map, 0, ["Gets the welcome mail"], channel="email")
    votes = [
        ("Opens the app", "pain"),
        ("Opens the app", "truth"),
        ("Gets the welcome mail", "delight"),
    ]
    revealed_workshop(journey_map, owner, votes)
    client.force_login(viewer)
    content = client.get(reverse("map_csv", args=[journey_map.pk])).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content)))
    assert [(r["stage_number"], r["stage"], r["touchpoint"]) for r in rows] == [
        ("1", "Sign up", "Gets the welcome mail"),
        ("2", "First use", "Opens the app"),
        ("2", "First use", "'=HYPERLINK(evil)"),
    ]
    assert rows[0]["channel"] == "Email"
    assert rows[1]["department"] == "Product"
    counts = [(r["pain"], r["delight"], r["truth"], r["voters"]) for r in rows]
    assert counts == [("0", "1", "0", "3"), ("1", "0", "1", "3"), ("0", "0", "0", "3")]


def test_the_export_links_are_on_the_board(client, viewer, journey_map):
    client.force_login(viewer)
    page = client.get(reverse("board", args=[journey_map.pk])).content.decode()
    for name, _ in DOWNLOADS:
        assert reverse(name, args=[journey_map.pk]) in page
    assert reverse("map_import") in page


def test_import_page_creates_the_map_and_opens_it(client, make_user, journey_map):
    importer = make_user("importer")
    client.force_login(importer)
    document = json.dumps(export_document(journey_map)).encode()
    upload = SimpleUploadedFile("map.json", document, content_type="application/json")
    response = client.post(reverse("map_import"), {"document": upload})
    imported = JourneyMap.objects.get(memberships__user=importer)
    assert response.status_code == 302
    assert response["Location"] == reverse("board", args=[imported.pk])


def test_import_page_lists_every_problem_and_creates_nothing(client, make_user, journey_map):
    client.force_login(make_user("importer"))
    document = export_document(journey_map)
    document["stages"][0]["name"] = ""
    document["map"]["state"] = "someday"
    upload = SimpleUploadedFile("map.json", json.dumps(document).encode())
    before = JourneyMap.objects.count()
    response = client.post(reverse("map_import"), {"document": upload})
    assert response.status_code == 400
    assert b"Nothing was imported: 2 problems found" in response.content
    assert b"stages[0].name" in response.content
    assert b"map.state" in response.content
    assert JourneyMap.objects.count() == before


def test_import_needs_an_account(client):
    response = client.get(reverse("map_import"))
    assert response.status_code == 302


def test_download_views_are_sync_views_and_the_pdf_is_drawn_in_the_render_thread(
    client, viewer, journey_map, monkeypatch
):
    # Under ASGI Django runs sync views in a thread; an async view would draw on the loop.
    for view in (export_views.map_pdf, export_views.map_json, export_views.map_csv):
        assert not inspect.iscoroutinefunction(inspect.unwrap(view))
    drawn_in = []
    real = pdf_module.render_pdf

    def spy(report, paper="a4"):
        drawn_in.append(threading.current_thread().name)
        return real(report, paper)

    monkeypatch.setattr(pdf_module, "render_pdf", spy)
    client.force_login(viewer)
    client.get(reverse("map_pdf", args=[journey_map.pk]))
    assert len(drawn_in) == 1
    assert drawn_in[0].startswith("pdf-render")
    assert drawn_in[0] != threading.current_thread().name


@pytest.mark.django_db(transaction=True)
async def test_other_requests_are_served_while_a_pdf_is_being_drawn(
    viewer, journey_map, monkeypatch
):
    """A PDF held mid-drawing must not stop the server answering anyone else: the drawing
    waits until another request has been answered, which deadlocks if it blocked the loop."""
    from channels.testing import HttpCommunicator
    from django.contrib.sessions.backends.db import SessionStore
    from django.db.backends.signals import connection_created

    from journeymap.asgi import application

    # The requests run in threads of their own, whose database connections outlive them: they
    # are closed at the end, or the test database could not be dropped afterwards.
    opened = []

    def remember(sender, connection, **kwargs):
        opened.append(connection)

    connection_created.connect(remember)

    other_answered = threading.Event()
    real = pdf_module.render_pdf

    def held(report, paper="a4"):
        assert other_answered.wait(timeout=60), "the other request was never answered"
        return real(report, paper)

    monkeypatch.setattr(pdf_module, "render_pdf", held)

    @sync_to_async
    def session_cookie() -> bytes:
        from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

        session = SessionStore()
        session[SESSION_KEY] = str(viewer.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = viewer.get_session_auth_hash()
        session.save()
        return f"sessionid={session.session_key}".encode()

    cookie = await session_cookie()
    pdf_request = HttpCommunicator(
        application,
        "GET",
        f"/maps/{journey_map.pk}/export.pdf",
        headers=[(b"cookie", cookie), (b"host", b"localhost")],
    )
    pdf_task = asyncio.ensure_future(pdf_request.get_response(timeout=90))
    other = HttpCommunicator(application, "GET", "/", headers=[(b"host", b"localhost")])
    answer = await other.get_response(timeout=30)
    assert answer["status"] == 200
    other_answered.set()
    response = await pdf_task
    connection_created.disconnect(remember)

    @sync_to_async
    def close_opened() -> None:
        for connection in opened:
            connection.inc_thread_sharing()
            connection.close()

    await close_opened()
    assert response["status"] == 200
    assert response["body"].startswith(b"%PDF")
