"""Hostile requests to every page: forged cross-site posts, ids of someone else's map, persona
or workshop, and hammering the log-in and join forms.

The URL patterns are read from the resolver, so a view added later is swept without anyone
remembering to add it here: a pattern with an argument this file cannot fill fails
test_every_url_pattern_is_swept.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from maps import operations as ops
from maps.models import JourneyMap, MapEvent, Persona, Touchpoint
from maps.permissions import role_for
from workshops.access import cookie_name
from workshops.models import Participant, Workshop
from workshops.operations import join_workshop, open_workshop

pytestmark = pytest.mark.django_db


def url_patterns() -> Iterator[tuple[str, list[str]]]:
    """(name, argument names) of every named non-admin pattern."""

    def walk(resolver: URLResolver, namespace: str = "") -> Iterator[tuple[str, list[str]]]:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace == "admin":
                    continue
                yield from walk(entry, f"{entry.namespace}:" if entry.namespace else namespace)
            elif isinstance(entry, URLPattern) and entry.name:
                yield f"{namespace}{entry.name}", list(entry.pattern.regex.groupindex)

    return walk(get_resolver())


PATTERNS = dict(url_patterns())
ARGUMENTS = {"map_id", "persona_id", "code", "workshop_id", "version_id"}


@pytest.fixture
def mine(owner, journey_map, actor) -> dict:
    """The owner's own things: map (with a note and a group), persona, workshop."""
    stage = journey_map.stages.order_by("position").first()
    note = ops.add_touchpoint(actor, journey_map, stage=stage.pk, text="Mine")
    persona = ops.create_persona(ops.Actor.for_user(owner), name="Pat")
    workshop = open_workshop(owner, journey_map, title="Mine")
    return {
        "map_id": journey_map.pk,
        "persona_id": persona.pk,
        "code": workshop.join_code,
        "workshop_id": workshop.pk,
        # Opening the workshop kept a version of the map (maps.operations.versions).
        "version_id": journey_map.versions.get().pk,
        "stage": stage.pk,
        "touchpoint": note.payload["touchpoint"]["id"],
    }


@pytest.fixture
def theirs(outsider) -> dict:
    """Someone else's map, persona and workshop, with a note, a group and a participant."""
    actor = ops.Actor.for_user(outsider)
    journey_map = ops.create_map(actor, title="Theirs", stage_names=["One", "Two"])
    stages = list(journey_map.stages.order_by("position").values_list("pk", flat=True))
    note = ops.add_touchpoint(actor, journey_map, stage=stages[0], text="Their note")
    ops.add_group(actor, journey_map, name="Their group")
    persona = ops.create_persona(ops.Actor.for_user(outsider), name="Their persona")
    workshop = open_workshop(outsider, journey_map, title="Theirs")
    guest = join_workshop(workshop, display_name="Their guest")
    return {
        "map_id": journey_map.pk,
        "persona_id": persona.pk,
        "code": workshop.join_code,
        "workshop_id": workshop.pk,
        "version_id": journey_map.versions.get().pk,
        "stage": stages[0],
        "stage2": stages[1],
        "touchpoint": note.payload["touchpoint"]["id"],
        "guest": guest,
        "workshop": workshop,
    }


def url_for(name: str, ids: dict) -> str:
    return reverse(name, kwargs={arg: ids[arg] for arg in PATTERNS[name]})


def fingerprint() -> tuple:
    """Everything a post could change."""
    return (
        list(JourneyMap.objects.order_by("pk").values_list("pk", "title", "revision")),
        MapEvent.objects.count(),
        list(Touchpoint.objects.order_by("pk").values_list("pk", "stage_id", "position", "text")),
        list(Persona.objects.order_by("pk").values_list("pk", "name")),
        Workshop.objects.count(),
        Participant.objects.count(),
    )


def test_every_url_pattern_is_swept():
    assert {"board", "note_add", "persona_edit", "workshop_join", "map_pdf"} <= PATTERNS.keys()
    unfillable = {name: args for name, args in PATTERNS.items() if set(args) - ARGUMENTS}
    assert not unfillable, f"teach tests/test_hostile_http.py these arguments: {unfillable}"


# --- CSRF ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_a_post_without_a_csrf_token_is_refused_everywhere(owner, mine, name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    before = fingerprint()
    response = client.post(url_for(name, mine), {"name": "Forged", "text": "Forged", "title": "x"})
    assert response.status_code == 403, (name, response.status_code)
    assert fingerprint() == before


@pytest.mark.parametrize("name", ["workshop_join", "login", "signup"])
def test_anonymous_forms_need_a_csrf_token_too(mine, name):
    client = Client(enforce_csrf_checks=True)
    before = fingerprint()
    data = {"display_name": "Forged", "username": "forged", "password": "x" * 12}
    assert client.post(url_for(name, mine), data).status_code == 403
    assert fingerprint() == before


def test_the_admin_login_needs_a_csrf_token():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("admin:login"), {"username": "a", "password": "b"})
    assert response.status_code == 403


def test_a_post_with_the_token_is_not_refused(owner, mine):
    # The control for the sweep above: the 403 comes from the missing token, not the view.
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    client.get(reverse("board", args=[mine["map_id"]]))
    token = client.cookies["csrftoken"].value
    response = client.post(
        reverse("note_add", args=[mine["map_id"]]),
        {"stage": mine["stage"], "text": "With a token", "csrfmiddlewaretoken": token},
    )
    assert response.status_code in (200, 302)
    assert Touchpoint.objects.filter(text="With a token").exists()


# --- someone else's ids in the URL -----------------------------------------------------------

ACCOUNT_SCOPED = sorted(
    name for name, args in PATTERNS.items() if {"map_id", "persona_id"} & set(args)
)


@pytest.mark.parametrize("name", ACCOUNT_SCOPED)
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_accounts_map_or_persona_in_the_url_is_not_found(
    client, owner, mine, theirs, name, method
):
    client.force_login(owner)
    before = fingerprint()
    data = {
        "stage": theirs["stage"],
        "touchpoint": theirs["touchpoint"],
        "text": "Hijack",
        "name": "Hijack",
        "title": "Hijack",
        "confirm_title": "Theirs",
        "notes": "delete",
    }
    response = getattr(client, method)(url_for(name, {**mine, **theirs}), data)
    # 404 (outsiders learn nothing) or 405 for a method the view does not take.
    assert response.status_code in (404, 405), (name, method, response.status_code)
    assert fingerprint() == before


@pytest.mark.parametrize("name", ["workshop_live", "workshop_board", "workshop_board_by_id"])
def test_a_participant_cookie_does_not_open_another_workshop(client, mine, theirs, name):
    # A guest of my workshop (cookie) asks for their workshop's board by its code.
    my_workshop = Workshop.objects.get(join_code=mine["code"])
    me = join_workshop(my_workshop, display_name="Me")
    client.cookies[cookie_name(my_workshop)] = me.token
    # Even a cookie named for their workshop carrying my token is no membership there.
    client.cookies[cookie_name(theirs["workshop"])] = me.token
    response = client.get(url_for(name, theirs))
    assert response.status_code in (302, 403, 404)
    assert b"Their note" not in response.content


# --- someone else's ids in the posted form -----------------------------------------------------

FORM_ID_SWAPS = {
    "stage_update": lambda t: {"stage": t["stage"], "name": "Hijack"},
    "stage_move": lambda t: {"stage": t["stage"], "to": "next"},
    "stage_delete": lambda t: {"stage": t["stage"], "notes": "delete"},
    "stage_delete/move_to": lambda t: {"stage": "MINE", "notes": "move", "move_to": t["stage"]},
    "stage_form": lambda t: {"stage": t["stage"]},
    "stage_delete_form": lambda t: {"stage": t["stage"]},
    "note_add": lambda t: {"stage": t["stage"], "text": "Hijack"},
    "note_form": lambda t: {"touchpoint": t["touchpoint"]},
    "note_update": lambda t: {"touchpoint": t["touchpoint"], "text": "Hijack", "channel": "email"},
    "note_move": lambda t: {"touchpoint": t["touchpoint"], "to": "down"},
    "note_move/stage": lambda t: {"touchpoint": "MINE_NOTE", "stage": t["stage"], "index": "0"},
    "note_group": lambda t: {"touchpoint": t["touchpoint"], "group": "Hijack"},
    "note_delete": lambda t: {"touchpoint": t["touchpoint"]},
}


@pytest.mark.parametrize("swap", sorted(FORM_ID_SWAPS))
def test_another_maps_stage_or_note_in_a_form_is_refused(client, owner, mine, theirs, swap):
    client.force_login(owner)
    name = swap.split("/")[0]
    data = FORM_ID_SWAPS[swap](theirs)
    data = {
        k: {"MINE": mine["stage"], "MINE_NOTE": mine["touchpoint"]}.get(v, v)
        for k, v in data.items()
    }
    before = fingerprint()
    url = reverse(name, args=[mine["map_id"]])
    response = client.post(url, data, HTTP_HX_REQUEST="true")
    if name.endswith("_form"):
        response = client.get(url, data, HTTP_HX_REQUEST="true")
    assert response.status_code in (400, 404, 422), (swap, response.status_code)
    assert b"Their note" not in response.content and b"Hijack" not in response.content
    assert fingerprint() == before


def test_another_accounts_persona_cannot_be_put_on_my_map(client, owner, mine, theirs):
    client.force_login(owner)
    before = fingerprint()
    client.post(
        reverse("map_settings", args=[mine["map_id"]]),
        {"title": "Mine", "persona": theirs["persona_id"], "scope": ""},
    )
    assert JourneyMap.objects.get(pk=mine["map_id"]).persona_id != theirs["persona_id"]
    assert fingerprint()[3] == before[3]


def test_a_member_of_another_map_cannot_be_removed_through_mine(
    client, owner, outsider, mine, theirs
):
    their_map = JourneyMap.objects.get(pk=theirs["map_id"])
    role = role_for(outsider, their_map)
    client.force_login(owner)
    before = fingerprint()
    client.post(
        reverse("map_members", args=[mine["map_id"]]), {"action": "remove", "user": outsider.pk}
    )
    assert role_for(outsider, their_map) == role == "owner"
    assert fingerprint() == before


# --- rate limits ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "setting", "data"),
    [
        ("login", "LOGIN_RATE_LIMIT", {"username": "owner", "password": "wrong-password"}),
        ("workshop_join", "JOIN_RATE_LIMIT", {"display_name": "Guesser"}),
        ("signup", "SIGNUP_RATE_LIMIT", {"username": "", "password1": "x", "password2": "y"}),
    ],
)
def test_hammering_a_public_form_is_rate_limited(settings, mine, name, setting, data):
    setattr(settings, setting, 3)
    # A fresh address per test: the limit counts per client address, in a shared cache.
    client = Client(REMOTE_ADDR=f"10.7.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}")
    url = url_for(name, mine)
    statuses = [client.post(url, data).status_code for _ in range(5)]
    assert 429 not in statuses[:3], statuses
    assert statuses[3:] == [429, 429], statuses
    # Someone else (another address) is not affected.
    other = Client(REMOTE_ADDR=f"10.8.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}")
    assert other.post(url, data).status_code != 429


def test_guessing_workshop_codes_is_rate_limited(settings):
    settings.CODE_GUESS_LIMIT = 3
    client = Client(REMOTE_ADDR=f"10.9.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}")
    statuses = [
        client.post(reverse("workshop_join", kwargs={"code": f"GUESS{n}"}), {}).status_code
        for n in range(5)
    ]
    assert statuses[3:] == [429, 429], statuses


def test_guessing_codes_closes_every_door_not_just_the_form(client, settings, mine):
    """Past the limit of unknown codes, a known code is refused too: a 404/200 difference on
    the join page, or a redirect from the code page, would tell a script which codes exist."""
    settings.CODE_GUESS_LIMIT = 3
    guesser = Client(REMOTE_ADDR=f"10.10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}")
    for n in range(3):
        assert guesser.get(reverse("workshop_join", kwargs={"code": f"NOPE{n}"})).status_code == 404
    known = mine["code"]
    assert guesser.get(reverse("workshop_join", kwargs={"code": known})).status_code == 429
    assert guesser.get(reverse("workshop_enter_code"), {"code": known}).status_code == 429
    # Someone else, elsewhere, still gets in.
    other = Client(REMOTE_ADDR=f"10.11.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}")
    assert other.get(reverse("workshop_join", kwargs={"code": known})).status_code == 200


UNICODE_EDGES = ["a\x00b", "\u202egnp.exe", "🧭👩🏽‍💻🇪🇺", "e\u0301\u200b\ufeff", "\U0010ffff"]


@pytest.mark.parametrize("text", UNICODE_EDGES)
@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("note_add", "text"),
        ("stage_add", "name"),
        ("map_create", "title"),
        ("persona_create", "name"),
    ],
)
def test_unicode_edge_cases_in_forms_are_stored_or_refused_never_a_crash(
    client, owner, mine, text, name, field
):
    client.force_login(owner)
    data = {field: text, "stage": mine["stage"], "template": "blank", "state": "current"}
    url = reverse(name, args=[mine["map_id"]]) if "map_id" in PATTERNS[name] else reverse(name)
    response = client.post(url, data, HTTP_HX_REQUEST="true")
    assert response.status_code < 500
    assert "\x00" not in "".join(Touchpoint.objects.values_list("text", flat=True))


@pytest.mark.parametrize("text", UNICODE_EDGES)
def test_unicode_edge_cases_in_a_display_name(client, mine, text):
    response = client.post(
        reverse("workshop_join", kwargs={"code": mine["code"]}), {"display_name": text}
    )
    assert response.status_code in (302, 400)
    # (Checked in Python: SQLite's LIKE stops at a NUL and would match every row.)
    assert "\x00" not in "".join(Participant.objects.values_list("display_name", flat=True))
