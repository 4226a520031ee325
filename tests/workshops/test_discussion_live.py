"""The conversation in a live workshop (issue 19): every comment and reaction message over the
websocket, acked and heard by every screen, whose state then equals a fresh load; who may
(facilitator and participants comment, observers and viewers only react, nobody once closed);
mentions checked; hostile text kept as typed and bounded; no reaction says anything of votes."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from maps import operations as ops
from maps.discussion_models import Comment, Notification, Reaction
from maps.models import JourneyMap
from tests.workshops.live_client import LiveClient, fresh_state
from workshops.facilitation import set_locked, set_phase, set_vote
from workshops.models import Workshop
from workshops.operations import join_workshop

pytestmark = pytest.mark.django_db(transaction=True)
pytest_plugins = ["tests.workshops.conftest_live"]


async def connected(participant) -> LiveClient:
    client = LiveClient(participant, await sync_to_async(fresh_state)(participant.workshop.map))
    await client.connect()
    await client.drain(0.1)
    return client


async def operate(client: LiveClient, kind: str, **fields) -> dict:
    op_id = await client.operate(kind, **fields)
    return await client.receive_until(
        lambda m: m["type"] in ("ack", "error") and m.get("op_id") == op_id
    )


@pytest.fixture
def comment(journey_map, note, ann) -> dict:
    """Ann's comment on the note (her own, so she may change it)."""
    actor = ops.Actor(name="Ann", participant_id=ann.pk)
    return ops.add_comment(actor, journey_map, touchpoint=note, body="Too many fields").payload


OPERATIONS = {
    "comment.add": lambda ids: {"touchpoint": ids["note"], "body": "Why a phone number?"},
    "comment.edit": lambda ids: {"comment": ids["comment"], "body": "Far too many fields"},
    "comment.delete": lambda ids: {"comment": ids["comment"]},
    "thread.resolve": lambda ids: {"thread": ids["thread"]},
    "thread.reopen": lambda ids: {"thread": ids["thread"]},
    "reaction.set": lambda ids: {"touchpoint": ids["note"], "reaction": "heart", "on": True},
}
EVENTS = {
    "comment.add": "comment.added",
    "comment.edit": "comment.updated",
    "comment.delete": "comment.deleted",
    "thread.resolve": "thread.resolved",
    "thread.reopen": "thread.reopened",
    "reaction.set": "reaction.changed",
}
COMMENTING = sorted(set(OPERATIONS) - {"reaction.set"})


def ids_of(note: int, comment: dict) -> dict:
    return {"note": note, "comment": comment["comment"]["id"], "thread": comment["thread"]["id"]}


@pytest.mark.parametrize("kind", sorted(OPERATIONS))
async def test_a_participant_takes_part_and_every_screen_hears_it(
    kind, workshop, facilitator, ann, note, comment
):
    me, other = await connected(ann), await connected(facilitator)

    ack = await operate(me, kind, **OPERATIONS[kind](ids_of(note, comment)))

    assert ack["type"] == "ack", ack
    assert ack["event"]["event"] == EVENTS[kind]
    assert ack["event"]["actor"] == "Ann"
    event = await other.receive_until(lambda m: m["type"] == "event")
    assert event["revision"] == ack["revision"] and event["op_id"] == ack["op_id"]
    await other.settle(revision=ack["revision"])
    assert other.state == await sync_to_async(fresh_state)(workshop.map)
    await me.disconnect()
    await other.disconnect()


@pytest.mark.parametrize("kind", COMMENTING)
async def test_an_observer_reads_but_does_not_comment(kind, workshop, olga, note, comment):
    client = await connected(olga)
    before = await sync_to_async(lambda: JourneyMap.objects.get(pk=workshop.map_id).revision)()
    refused = await operate(client, kind, **OPERATIONS[kind](ids_of(note, comment)))
    assert (refused["type"], refused["code"]) == ("error", "forbidden"), refused
    after = await sync_to_async(lambda: JourneyMap.objects.get(pk=workshop.map_id).revision)()
    assert after == before
    await client.disconnect()


async def test_an_observer_reacts(workshop, olga, note, comment):
    client = await connected(olga)
    ack = await operate(
        client, "reaction.set", comment=comment["comment"]["id"], reaction="idea", on=True
    )
    assert ack["type"] == "ack", ack
    assert ack["event"]["payload"]["counts"] == {"idea": 1}
    stored = await sync_to_async(Reaction.objects.get)()
    assert stored.person == f"participant:{olga.pk}"
    await client.disconnect()


async def test_a_map_viewer_who_joined_as_a_participant_only_reacts(
    workshop, viewer, note, comment
):
    joined = await sync_to_async(join_workshop)(workshop, display_name="Vic", user=viewer)
    client = await connected(joined)
    refused = await operate(client, "comment.add", touchpoint=note, body="Let me in")
    assert (refused["type"], refused["code"]) == ("error", "forbidden"), refused
    ack = await operate(client, "reaction.set", touchpoint=note, reaction="+1", on=True)
    assert ack["type"] == "ack", ack
    stored = await sync_to_async(Reaction.objects.get)()
    assert stored.person == f"member:{viewer.pk}"  # an account reacts as itself
    await client.disconnect()


async def test_a_guest_may_not_change_anothers_comment(workshop, bob, note, comment):
    client = await connected(bob)
    for kind in ("comment.edit", "comment.delete"):
        refused = await operate(client, kind, **OPERATIONS[kind](ids_of(note, comment)))
        assert (refused["type"], refused["code"]) == ("error", "forbidden"), refused
    assert (await sync_to_async(Comment.objects.get)()).body == "Too many fields"
    await client.disconnect()


@pytest.mark.parametrize("kind", COMMENTING)
async def test_nobody_comments_once_the_workshop_is_closed(
    kind, workshop, facilitator, note, comment
):
    client = await connected(facilitator)
    await sync_to_async(set_phase)(workshop, "closed")
    refused = await operate(client, kind, **OPERATIONS[kind](ids_of(note, comment)))
    assert refused["type"] == "error"
    await client.disconnect()


async def test_a_locked_board_holds_participants_comments_but_not_the_facilitators(
    workshop, facilitator, ann, note
):
    await sync_to_async(set_locked)(workshop, True)
    guest, host = await connected(ann), await connected(facilitator)
    refused = await operate(guest, "comment.add", touchpoint=note, body="Wait")
    assert (refused["type"], refused["code"]) == ("error", "locked")
    ack = await operate(host, "comment.add", touchpoint=note, body="Listen up")
    assert ack["type"] == "ack", ack
    await guest.disconnect()
    await host.disconnect()


async def test_a_participant_mentions_a_member_who_is_notified(workshop, ann, note, editor):
    client = await connected(ann)
    ack = await operate(
        client,
        "comment.add",
        touchpoint=note,
        body="@editor is this legal?",
        mentions=[f"member:{editor.pk}"],
    )
    assert ack["type"] == "ack", ack
    assert ack["event"]["payload"]["comment"]["mentions"] == [
        {"key": f"member:{editor.pk}", "name": "editor"}
    ]
    notification = await sync_to_async(Notification.objects.get)()
    assert (notification.user_id, notification.actor_name) == (editor.pk, "Ann")
    await client.disconnect()


async def test_a_participant_mentions_another_person_in_the_room(workshop, ann, bob, note):
    client = await connected(ann)
    ack = await operate(
        client,
        "comment.add",
        stage=await sync_to_async(lambda: workshop.map.stages.first().pk)(),
        body="@Bob over to you",
        mentions=[f"participant:{bob.pk}"],
    )
    assert ack["type"] == "ack", ack
    await client.disconnect()


async def test_mentioning_an_outsider_is_refused_with_a_clear_message(
    workshop, owner, ann, note, outsider, actor
):
    elsewhere = await sync_to_async(ops.create_map)(actor, title="Elsewhere", stage_names=["A"])
    from workshops.operations import open_workshop

    other_room = await sync_to_async(open_workshop)(owner, elsewhere)
    stranger = await sync_to_async(join_workshop)(other_room, display_name="Eve")
    client = await connected(ann)
    for key, name in ((f"member:{outsider.pk}", "outsider"), (f"participant:{stranger.pk}", "Eve")):
        refused = await operate(
            client, "comment.add", touchpoint=note, body=f"@{name} look", mentions=[key]
        )
        assert (refused["type"], refused["code"], refused["field"]) == (
            "error",
            "not_mentionable",
            "mentions",
        ), refused
        assert "may not see this map" in refused["message"]
    assert not await sync_to_async(Comment.objects.exists)()
    await client.disconnect()


@pytest.mark.parametrize(
    "body",
    [
        '<img src=x onerror="alert(1)"><script>alert(2)</script>',
        "\u202eRTL override\u202c \u200b\u200c\u200d\u2060 zero width \ufeff",
        "مرحبا @owner שלום",
        "y" * 4000,
    ],
    ids=["xss", "invisible", "rtl", "at-the-limit"],
)
async def test_hostile_text_is_stored_as_typed(workshop, ann, note, body):
    client = await connected(ann)
    ack = await operate(client, "comment.add", touchpoint=note, body=body)
    assert ack["type"] == "ack", ack
    assert (await sync_to_async(Comment.objects.get)()).body == body
    await client.disconnect()


async def test_ten_thousand_characters_are_refused(workshop, ann, note):
    client = await connected(ann)
    refused = await operate(client, "comment.add", touchpoint=note, body="z" * 10_000)
    assert (refused["type"], refused["code"], refused["field"]) == ("error", "too_long", "body")
    assert not await sync_to_async(Comment.objects.exists)()
    await client.disconnect()


async def test_no_reaction_says_anything_of_votes(workshop, ann, bob, note):
    """In the vote phase Ann votes; Bob's reaction's ack and broadcast carry reaction counts
    only: nothing of a vote, a tag, or the number of voters."""
    await sync_to_async(set_phase)(workshop, "vote")
    await sync_to_async(set_vote)(ann, note, "pain", True)
    watcher, reacting = await connected(ann), await connected(bob)
    ack = await operate(reacting, "reaction.set", touchpoint=note, reaction="+1", on=True)
    heard = await watcher.receive_until(lambda m: m["type"] == "event")
    for message in (ack["event"], heard):
        assert message["payload"] == {
            "target": "touchpoint",
            "id": note,
            "reaction": "+1",
            "on": True,
            "counts": {"+1": 1},
        }
        assert "pain" not in str(message) and "vote" not in str(message)
    assert await sync_to_async(lambda: Workshop.objects.get(pk=workshop.pk).votes.count())() == 1
    await watcher.disconnect()
    await reacting.disconnect()
