"""Who cast each vote stays out of the JSON export unless an editor asks for it (issue 14).

After the reveal, the export listed every participant by display name next to their votes, and
any viewer could download it. Now participants are "Voter 1", "Voter 2", ... (in the order they
joined, so the same export gives the same names), and the names are in the file only when the
map's owner or an editor asks for them (`?voters=names`)."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from maps import operations as ops
from reports.export import json_io
from reports.export.json_io import export_document
from workshops.models import Participant, Vote, Workshop

from .export_helpers import add_notes

pytestmark = pytest.mark.django_db

NAMES = ("Ann Lindqvist", "Bob Okafor")


@pytest.fixture
def voted_map(journey_map, owner):
    add_notes(journey_map, 0, ["Sees an ad", "Reads reviews"])
    notes = list(journey_map.touchpoints.order_by("position"))
    workshop = Workshop.objects.create(map=journey_map, title="Kick-off", created_by=owner)
    for i, name in enumerate(NAMES):
        person = Participant.objects.create(workshop=workshop, display_name=name, token=f"v-{i}")
        Vote.objects.create(workshop=workshop, participant=person, touchpoint=notes[i], tag="pain")
    Workshop.objects.filter(pk=workshop.pk).update(phase="reveal")
    return journey_map


def download(client, user, journey_map, query: str = ""):
    client.force_login(user)
    return client.get(reverse("map_json", args=[journey_map.pk]) + query)


def test_the_json_export_names_no_voter_by_default(client, viewer, voted_map):
    response = download(client, viewer, voted_map)
    assert response.status_code == 200
    content = response.content.decode()
    assert not any(name in content for name in NAMES)
    workshop = json.loads(content)["workshops"][0]
    assert [p["display_name"] for p in workshop["participants"]] == ["Voter 1", "Voter 2"]
    assert [v["participant"] for v in workshop["votes"]] == ["p1", "p2"]


@pytest.mark.parametrize("member", ["owner", "editor"])
def test_an_editor_asking_for_voter_names_gets_them(client, request, voted_map, member):
    response = download(client, request.getfixturevalue(member), voted_map, "?voters=names")
    assert response.status_code == 200
    workshop = json.loads(response.content)["workshops"][0]
    assert [p["display_name"] for p in workshop["participants"]] == list(NAMES)


@pytest.mark.parametrize(("member", "status"), [("viewer", 403), ("outsider", 404)])
def test_only_editors_may_ask_for_voter_names(client, request, voted_map, member, status):
    response = download(client, request.getfixturevalue(member), voted_map, "?voters=names")
    assert response.status_code == status
    assert not any(name.encode() in response.content for name in NAMES)


def test_an_anonymous_export_round_trips_to_the_same_document(voted_map, make_user):
    first = export_document(voted_map)
    assert export_document(voted_map) == first  # the same pseudonyms every time
    imported, _ = json_io.import_map(ops.Actor.for_user(make_user("importer")), first)
    assert export_document(imported) == first


def test_an_export_with_names_round_trips_to_the_same_document(voted_map, make_user):
    first = export_document(voted_map, voter_names=True)
    imported, _ = json_io.import_map(ops.Actor.for_user(make_user("importer")), first)
    assert export_document(imported, voter_names=True) == first


def test_the_export_command_writes_names_only_when_asked(voted_map, tmp_path):
    anonymous, named = tmp_path / "anonymous.json", tmp_path / "named.json"
    call_command("export_map_json", str(voted_map.pk), "-o", str(anonymous))
    call_command("export_map_json", str(voted_map.pk), "-o", str(named), "--voter-names")
    assert NAMES[0] not in anonymous.read_text(encoding="utf-8")
    assert NAMES[0] in named.read_text(encoding="utf-8")


def test_the_board_offers_the_named_export_to_editors_only(client, editor, viewer, voted_map):
    link = reverse("map_json", args=[voted_map.pk]) + "?voters=names"
    client.force_login(editor)
    assert link in client.get(reverse("board", args=[voted_map.pk])).content.decode()
    client.force_login(viewer)
    assert link not in client.get(reverse("board", args=[voted_map.pk])).content.decode()
