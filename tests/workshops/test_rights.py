"""A map member's rights follow them into the map's workshops (issue 14, items 2 and 7).

A viewer of the map only watches a workshop, whatever they joined as and however (their account,
or a guest's place in their browser); a member removed from the map is out of its workshops;
and a removal or a lower role takes effect on the sockets already open, at once, not at the
next reconnect. maps.permissions.acting_workshop_role is the rule; here it is checked where
it is applied: the join form, the live pages, the websocket's handshake, gate and heartbeat.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.urls import reverse

from journeymap.asgi import application
from maps import operations as ops
from maps.models import MapMembership, Touchpoint
from maps.permissions import acting_workshop_role
from tests.workshops.live_client import ORIGIN, new_op_id
from workshops.access import cookie_name
from workshops.models import Participant, Vote
from workshops.operations import join_workshop

pytestmark = pytest.mark.django_db(transaction=True)
pytest_plugins = ["tests.workshops.conftest_live"]


# --- the rule -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "removed", "account", "account_map_role", "visitor_map_role", "expected"),
    [
        # Guests act as they joined.
        ("participant", False, False, None, None, "participant"),
        ("observer", False, False, None, None, "observer"),
        # Accounts act with their map rights: a viewer watches, editors and owners as joined.
        ("participant", False, True, "viewer", None, "observer"),
        ("facilitator", False, True, "viewer", None, "observer"),
        ("participant", False, True, "editor", None, "participant"),
        ("facilitator", False, True, "owner", None, "facilitator"),
        # An account no longer on the map is out; so is anyone the facilitator removed.
        ("participant", False, True, None, None, None),
        ("facilitator", False, True, None, None, None),
        ("participant", True, False, None, None, None),
        ("participant", True, True, "editor", None, None),
        # A signed-in viewer speaking through a guest's place is capped by their own role.
        ("participant", False, False, None, "viewer", "observer"),
        ("participant", False, False, None, "editor", "participant"),
        ("participant", False, True, "editor", "viewer", "observer"),
    ],
)
def test_the_role_a_member_acts_with(
    role, removed, account, account_map_role, visitor_map_role, expected
):
    acting = acting_workshop_role(
        role,
        removed=removed,
        account=account,
        account_map_role=account_map_role,
        visitor_map_role=visitor_map_role,
    )
    assert acting == expected


# --- helpers ------------------------------------------------------------------------------


def session_of(user) -> str:
    browser = Client()
    browser.force_login(user)
    return browser.cookies[settings.SESSION_COOKIE_NAME].value


async def open_socket(
    workshop,
    participant: Participant | None = None,
    user=None,
    by_id: bool = False,
    code: str | None = None,
):
    """A connected socket of `participant` (by its cookie) and/or `user` (by a session), to
    the workshop's id (`by_id`, as the live page does) or to a code (its own by default)."""
    cookies = []
    if user is not None:
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={await sync_to_async(session_of)(user)}")
    if participant is not None:
        cookies.append(f"{cookie_name(workshop)}={participant.token}")
    path = f"/ws/workshops/{workshop.pk}/" if by_id else f"/ws/w/{code or workshop.join_code}/"
    headers = [(b"origin", ORIGIN)]
    if cookies:
        headers.append((b"cookie", "; ".join(cookies).encode()))
    comm = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await comm.connect(timeout=10)
    assert connected
    return comm


async def next_output(comm, timeout: float = 5) -> dict[str, Any]:
    output = await comm.receive_output(timeout=timeout)
    if output["type"] == "websocket.send":
        return json.loads(output["text"])
    return output


async def hello(comm) -> dict[str, Any]:
    while True:  # (a map event of the moment may come first)
        message = await next_output(comm)
        assert message.get("type") != "websocket.close", message
        if message.get("type") == "hello":
            return message


async def closed_with(comm, timeout: float = 5) -> tuple[int, list[dict[str, Any]]]:
    """The close code, and what arrived before it."""
    before = []
    while True:
        message = await next_output(comm, timeout)
        if message.get("type") == "websocket.close":
            return message["code"], before
        before.append(message)


async def answer(comm, message: dict[str, Any]) -> dict[str, Any]:
    """The reply to `message` (skipping presence and events), or the close if it closed."""
    await comm.send_to(text_data=json.dumps(message))
    while True:
        reply = await next_output(comm)
        if reply["type"] in ("ack", "error", "pong", "sync", "snapshot", "websocket.close"):
            return reply


async def still_open(comm) -> None:
    """A ping answered: the socket is open (and whatever arrived before the pong was no close)."""
    assert (await answer(comm, {"type": "ping"}))["type"] == "pong"


async def operate(comm, kind: str, **fields) -> dict[str, Any]:
    return await answer(comm, {"type": kind, "op_id": new_op_id("rights"), **fields})


@pytest.fixture
def joined_editor(workshop, editor) -> Participant:
    return join_workshop(workshop, display_name="Ed", user=editor)


# --- item 2: a viewer only watches ------------------------------------------------------------


def test_a_viewer_who_joins_with_the_code_is_an_observer(client, viewer, workshop):
    client.force_login(viewer)
    page = client.get(reverse("workshop_join", kwargs={"code": workshop.join_code}))
    assert 'id="watch-only"' in page.content.decode()
    response = client.post(
        reverse("workshop_join", kwargs={"code": workshop.join_code}),
        {"display_name": "Vera", "role": "participant"},  # asks to edit: not granted
    )
    assert response.status_code == 302
    joined = workshop.participants.get(user=viewer)
    assert joined.role == Participant.Role.OBSERVER
    live = client.get(reverse("workshop_live", kwargs={"code": workshop.join_code}))
    assert 'data-can-edit="false"' in live.content.decode()


def test_an_account_not_on_the_map_joins_as_a_guest(client, outsider, workshop):
    client.force_login(outsider)
    client.post(
        reverse("workshop_join", kwargs={"code": workshop.join_code}),
        {"display_name": "Otto", "role": "participant"},
    )
    joined = workshop.participants.get(display_name="Otto")
    # Recognised by its cookie, like anyone with the code: not by an account with no rights.
    assert joined.user is None and joined.role == Participant.Role.PARTICIPANT


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        ("touchpoint.update", lambda ids: {"touchpoint": ids["note"], "text": "Viewer's"}),
        ("touchpoint.delete", lambda ids: {"touchpoint": ids["note"]}),
        ("stage.update", lambda ids: {"stage": ids["stage"], "name": "Viewer's"}),
        ("touchpoint.add", lambda ids: {"stage": ids["stage"], "text": "Viewer's"}),
    ],
)
async def test_a_viewer_who_joined_as_a_participant_cannot_edit_the_map(
    workshop, viewer, note, stages, kind, fields
):
    # Joined before the fix, or while still an editor: the row says "participant".
    vera = await sync_to_async(Participant.objects.create)(
        workshop=workshop, user=viewer, display_name="Vera", token="vera-" + "x" * 30
    )
    comm = await open_socket(workshop, vera)
    assert (await hello(comm))["participant"]["role"] == "observer"
    before = await sync_to_async(lambda: sorted(Touchpoint.objects.values_list("id", "text")))()
    reply = await operate(comm, kind, **fields({"note": note, "stage": stages[0]}))
    assert reply["type"] == "error" and reply["code"] == "forbidden", reply
    after = await sync_to_async(lambda: sorted(Touchpoint.objects.values_list("id", "text")))()
    assert after == before
    await comm.disconnect()


async def test_a_signed_in_viewer_speaking_through_a_guest_cookie_only_watches(
    workshop, viewer, ann, stages
):
    # Ann joined as a guest in this browser; then someone signed in here as a viewer of the map.
    comm = await open_socket(workshop, ann, user=viewer)
    assert (await hello(comm))["participant"]["role"] == "observer"
    reply = await operate(comm, "touchpoint.add", stage=stages[0], text="Through the cookie")
    assert reply["type"] == "error" and reply["code"] == "forbidden", reply
    await comm.disconnect()
    browser = Client()
    await sync_to_async(browser.force_login)(viewer)
    browser.cookies[cookie_name(workshop)] = ann.token
    live = await sync_to_async(browser.get)(
        reverse("workshop_live", kwargs={"code": workshop.join_code})
    )
    assert 'data-can-edit="false"' in live.content.decode()


def test_an_untitled_workshop_is_not_named_by_its_code(owner, journey_map):
    from workshops.operations import open_workshop

    untitled = open_workshop(owner, journey_map)
    assert untitled.join_code not in str(untitled)


def test_a_viewer_s_pdf_and_analysis_do_not_name_a_workshop_by_its_code(
    client, viewer, owner, journey_map
):
    import io

    from pypdf import PdfReader

    from workshops.operations import open_workshop

    untitled = open_workshop(owner, journey_map)
    stage = journey_map.stages.order_by("position").first()
    note = ops.add_touchpoint(ops.Actor.for_user(owner), journey_map, stage=stage.pk, text="N")
    Vote.objects.create(
        workshop=untitled,
        participant=join_workshop(untitled, display_name="Val"),
        touchpoint_id=note.payload["touchpoint"]["id"],
        tag="pain",
    )
    untitled.phase = "reveal"  # listed on the analysis page once revealed, with votes
    untitled.save(update_fields=["phase"])
    client.force_login(viewer)
    analysis = client.get(reverse("map_analysis", args=[journey_map.pk])).content.decode()
    assert str(untitled) in analysis and untitled.join_code not in analysis
    pdf = client.get(reverse("map_pdf", args=[journey_map.pk])).content
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Workshop of" in text and untitled.join_code not in text


# --- item 7: removal and a lower role take effect at once -----------------------------------


async def test_a_removed_editor_s_open_socket_closes_at_once(
    workshop, owner, editor, joined_editor
):
    comm = await open_socket(workshop, joined_editor)
    await hello(comm)
    await still_open(comm)
    await sync_to_async(ops.remove_member)(ops.Actor.for_user(owner), workshop.map, editor.pk)
    code, _ = await closed_with(comm)
    assert code == 4403


async def test_a_downgraded_editor_s_socket_closes_and_comes_back_as_an_observer(
    workshop, owner, editor, joined_editor
):
    comm = await open_socket(workshop, joined_editor)
    assert (await hello(comm))["participant"]["role"] == "participant"
    await sync_to_async(ops.change_member_role)(
        ops.Actor.for_user(owner), workshop.map, editor.pk, "viewer"
    )
    code, _ = await closed_with(comm)
    assert code == 4409  # the page reloads, in the new role
    again = await open_socket(workshop, joined_editor)
    assert (await hello(again))["participant"]["role"] == "observer"
    await again.disconnect()


async def test_a_role_change_on_another_map_leaves_the_socket_alone(
    workshop, owner, editor, joined_editor
):
    other = await sync_to_async(ops.create_map)(ops.Actor.for_user(owner), title="Other")
    await sync_to_async(ops.add_member)(ops.Actor.for_user(owner), other, editor, "editor")
    comm = await open_socket(workshop, joined_editor)
    await hello(comm)
    await sync_to_async(ops.change_member_role)(
        ops.Actor.for_user(owner), other, editor.pk, "viewer"
    )
    # The word about the other map arrives before the pong's answer, and closes nothing.
    await still_open(comm)
    await comm.disconnect()


async def test_a_removed_editor_s_operation_is_refused_even_if_the_word_was_lost(
    workshop, editor, joined_editor, stages
):
    comm = await open_socket(workshop, joined_editor)
    await hello(comm)
    # Removed behind the operations' back: no word reaches the socket.
    await sync_to_async(MapMembership.objects.filter(user=editor).delete)()
    reply = await operate(comm, "touchpoint.add", stage=stages[0], text="After removal")
    assert reply["type"] == "error" and reply["code"] == "forbidden", reply
    code, _ = await closed_with(comm)
    assert code == 4403
    assert not await sync_to_async(Touchpoint.objects.filter(text="After removal").exists)()


async def test_a_removed_editor_s_heartbeat_ends_their_board(workshop, editor, joined_editor):
    comm = await open_socket(workshop, joined_editor)
    await hello(comm)
    await sync_to_async(MapMembership.objects.filter(user=editor).delete)()
    reply = await answer(comm, {"type": "sync", "since": 0})
    assert reply == {"type": "websocket.close", "code": 4403}


async def test_a_downgraded_editor_s_unanswered_edit_is_left_for_the_reloaded_page(
    workshop, editor, joined_editor, stages
):
    comm = await open_socket(workshop, joined_editor)
    await hello(comm)
    await sync_to_async(MapMembership.objects.filter(user=editor).update)(role="viewer")
    await comm.send_to(
        text_data=json.dumps(
            {"type": "touchpoint.add", "op_id": "kept-1", "stage": stages[0], "text": "Kept"}
        )
    )
    code, before = await closed_with(comm)
    # No refusal settles it in the outbox: the reloaded page resends it in its new role.
    assert code == 4409
    assert not [m for m in before if m.get("op_id") == "kept-1"], before
    assert not await sync_to_async(Touchpoint.objects.filter(text="Kept").exists)()


async def test_a_removed_editor_cannot_reconnect(workshop, editor, joined_editor):
    await sync_to_async(MapMembership.objects.filter(user=editor).delete)()
    for by_id in (False, True):
        comm = await open_socket(workshop, joined_editor, by_id=by_id)
        assert (await closed_with(comm))[0] == 4403


def test_a_removed_editor_gets_no_board_over_http(client, workshop, editor, joined_editor, owner):
    ops.remove_member(ops.Actor.for_user(owner), workshop.map, editor.pk)
    client.force_login(editor)
    code = {"code": workshop.join_code}
    assert client.get(reverse("workshop_board", kwargs=code)).status_code == 404
    by_id = reverse("workshop_board_by_id", kwargs={"workshop_id": workshop.pk})
    assert client.get(by_id).status_code == 404
    live = client.get(reverse("workshop_live", kwargs=code))
    assert live.status_code == 403 and "no longer a member" in live.content.decode()
    # Nor a way back in as someone new from this account.
    client.post(reverse("workshop_join", kwargs=code), {"display_name": "Ed again"})
    assert workshop.participants.filter(display_name="Ed again").count() == 0
