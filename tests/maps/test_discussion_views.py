"""The conversation's pages and requests (issue 19): the thread panel, the people a comment may
mention and the map page's comment and reaction requests, for each role (outsiders and the
signed-out get 404, as everywhere; viewers read and react but do not comment), on the map
page and the live page; hostile text through the form path; the inbox, its badge and
marking read only one's own."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from maps import operations as ops
from maps.discussion_models import Comment, Notification, Reaction
from workshops.access import cookie_name
from workshops.operations import join_workshop, open_workshop

pytestmark = pytest.mark.django_db

XSS = '<script>alert(1)</script><img src=x onerror="alert(2)">'
RTL = "\u202eevil\u202c \u200b\u200d\ufeff مرحبا"


@pytest.fixture
def note(journey_map, actor) -> int:
    stage = journey_map.stages.order_by("position").first()
    event = ops.add_touchpoint(actor, journey_map, stage=stage.pk, text="Fills the form")
    return event.payload["touchpoint"]["id"]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def thread_url(journey_map, note) -> str:
    return reverse("map_thread", args=[journey_map.pk]) + f"?touchpoint={note}"


def operate(client: Client, journey_map, **fields):
    return client.post(reverse("map_discussion_operate", args=[journey_map.pk]), fields)


# --- who may, on the map page ----------------------------------------------------------------


@pytest.mark.parametrize("who", ["outsider", "anonymous"])
def test_strangers_get_404_everywhere(journey_map, note, outsider, who):
    client = signed_in(outsider) if who == "outsider" else Client()
    assert client.get(thread_url(journey_map, note)).status_code == 404
    assert client.get(reverse("map_people", args=[journey_map.pk])).status_code == 404
    for fields in (
        {"type": "comment.add", "touchpoint": note, "body": "hi"},
        {"type": "reaction.set", "touchpoint": note, "reaction": "+1", "on": "true"},
    ):
        assert operate(client, journey_map, **fields).status_code == 404
    assert not Comment.objects.exists() and not Reaction.objects.exists()


def test_a_viewer_reads_and_reacts_but_does_not_comment(journey_map, note, viewer, actor):
    ops.add_comment(actor, journey_map, touchpoint=note, body="Why?")
    client = signed_in(viewer)
    page = client.get(thread_url(journey_map, note)).content.decode()
    assert "Why?" in page and "Resolve thread" not in page and "data-comment-edit" not in page
    assert client.get(reverse("map_people", args=[journey_map.pk])).status_code == 403
    refused = operate(client, journey_map, type="comment.add", touchpoint=note, body="Me too")
    assert refused.status_code == 403
    answer = operate(
        client, journey_map, type="reaction.set", touchpoint=note, reaction="+1", on="true"
    )
    assert answer.status_code == 200 and answer.json()["event"]["payload"]["counts"] == {"+1": 1}
    assert Comment.objects.count() == 1


def test_an_editor_comments_and_mentions(journey_map, note, editor, viewer):
    client = signed_in(editor)
    people = client.get(reverse("map_people", args=[journey_map.pk])).json()["people"]
    assert {"key": f"member:{viewer.pk}", "name": "viewer"} in people
    answer = operate(
        client,
        journey_map,
        type="comment.add",
        touchpoint=note,
        body="@viewer look",
        mentions=f"member:{viewer.pk}",
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["event"]["event"] == "comment.added"
    assert Notification.objects.get().user == viewer


def test_a_refusal_says_why_with_its_code(journey_map, note, editor, outsider):
    answer = operate(
        signed_in(editor),
        journey_map,
        type="comment.add",
        touchpoint=note,
        body="@outsider",
        mentions=f"member:{outsider.pk}",
    )
    assert answer.status_code == 422
    assert answer.json()["code"] == "not_mentionable" and answer.json()["field"] == "mentions"


@pytest.mark.parametrize("kind", ["touchpoint.add", "map.update", "vote.set", "", "comment"])
def test_only_the_conversations_operations_are_posted_here(journey_map, editor, kind):
    answer = operate(signed_in(editor), journey_map, type=kind, text="x")
    assert answer.status_code == 404


def test_a_note_of_another_map_has_no_thread_here(journey_map, owner, outsider):
    theirs = ops.create_map(ops.Actor.for_user(outsider), title="T", stage_names=["A"])
    their_note = ops.add_touchpoint(
        ops.Actor.for_user(outsider), theirs, stage=theirs.stages.get().pk, text="Secret"
    ).payload["touchpoint"]["id"]
    response = signed_in(owner).get(thread_url(journey_map, their_note))
    assert response.status_code == 404 and b"Secret" not in response.content


@pytest.mark.parametrize("query", ["", "?touchpoint=x", "?touchpoint=1&stage=1", "?stage=-1"])
def test_a_thread_needs_exactly_one_note_or_stage(journey_map, owner, query):
    url = reverse("map_thread", args=[journey_map.pk]) + query
    assert signed_in(owner).get(url).status_code == 404


# --- hostile text through the form path ------------------------------------------------------


@pytest.mark.parametrize("body", [XSS, RTL, "z" * 4000])
def test_hostile_text_is_kept_as_typed_and_shown_escaped(journey_map, note, owner, body):
    client = signed_in(owner)
    assert (
        operate(client, journey_map, type="comment.add", touchpoint=note, body=body).status_code
        == 200
    )
    assert Comment.objects.get().body == body
    page = client.get(thread_url(journey_map, note)).content.decode()
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    if body == XSS:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_ten_thousand_characters_are_refused(journey_map, note, owner):
    answer = operate(
        signed_in(owner), journey_map, type="comment.add", touchpoint=note, body="z" * 10_000
    )
    assert answer.status_code == 422 and answer.json()["code"] == "too_long"
    assert not Comment.objects.exists()


def test_a_mentioned_name_that_is_markup_is_marked_but_escaped(journey_map, note, owner):
    ops.add_comment(
        ops.Actor(name="Ann", participant_id=5),
        journey_map,
        touchpoint=note,
        body="x",
    )
    comment = Comment.objects.get()
    comment.body, comment.mentions = f"@{XSS} hi", [{"key": "participant:5", "name": XSS}]
    comment.save()
    page = signed_in(owner).get(thread_url(journey_map, note)).content.decode()
    assert '<span class="mention">@&lt;script&gt;' in page
    assert "<script>alert" not in page


# --- the live page's thread -------------------------------------------------------------------


@pytest.fixture
def workshop(owner, journey_map):
    return open_workshop(owner, journey_map, title="Review")


def as_guest(participant) -> Client:
    client = Client()
    client.cookies[cookie_name(participant.workshop_id)] = participant.token
    return client


def test_a_guest_reads_the_thread_and_a_stranger_gets_404(workshop, journey_map, note, actor):
    ops.add_comment(actor, journey_map, touchpoint=note, body="On the board")
    ann = join_workshop(workshop, display_name="Ann")
    url = reverse("workshop_thread", args=[workshop.pk]) + f"?touchpoint={note}"
    page = as_guest(ann).get(url)
    assert page.status_code == 200 and b"On the board" in page.content
    assert Client().get(url).status_code == 404
    people = as_guest(ann).get(reverse("workshop_people", args=[workshop.pk])).json()["people"]
    assert {"key": f"participant:{ann.pk}", "name": "Ann"} in people


def test_an_observer_has_no_people_to_mention(workshop):
    olga = join_workshop(workshop, display_name="Olga", role="observer")
    assert as_guest(olga).get(reverse("workshop_people", args=[workshop.pk])).status_code == 404


# --- the inbox ------------------------------------------------------------------------------


@pytest.fixture
def mentioned(journey_map, note, actor, editor) -> Notification:
    ops.add_comment(
        actor, journey_map, touchpoint=note, body="@editor please", mentions=[f"member:{editor.pk}"]
    )
    return Notification.objects.get()


def test_the_inbox_lists_mentions_with_a_badge_in_the_header(mentioned, editor):
    client = signed_in(editor)
    page = client.get(reverse("inbox")).content.decode()
    assert "owner</strong> mentioned you" in page and "@editor please" in page
    assert 'data-inbox-count><span class="visually-hidden">, unread: </span>1</span>' in page
    assert client.get(reverse("inbox_count")).json() == {"unread": 1}


def test_the_inbox_needs_an_account(mentioned):
    assert Client().get(reverse("inbox")).status_code == 302
    assert Client().get(reverse("inbox_count")).json() == {"unread": 0}


def test_marking_read_one_all_and_never_anothers(
    mentioned, editor, outsider, journey_map, note, actor
):
    signed_in(outsider).post(reverse("inbox_read"), {"notification": mentioned.pk})
    mentioned.refresh_from_db()
    assert mentioned.read_at is None
    response = signed_in(editor).post(
        reverse("inbox_read"),
        {"notification": mentioned.pk, "open": f"/maps/{journey_map.pk}/?touchpoint={note}"},
    )
    assert response.status_code == 302 and response["Location"].endswith(f"?touchpoint={note}")
    mentioned.refresh_from_db()
    assert mentioned.read_at is not None
    ops.add_comment(
        actor, journey_map, touchpoint=note, body="@editor again", mentions=[f"member:{editor.pk}"]
    )
    signed_in(editor).post(reverse("inbox_read"), {"all": "1"})
    assert not Notification.objects.filter(read_at=None).exists()


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/maps/", "/maps/\\\\evil"]
)
def test_marking_read_never_sends_anyone_elsewhere(mentioned, editor, target):
    response = signed_in(editor).post(
        reverse("inbox_read"), {"notification": mentioned.pk, "open": target}
    )
    assert response["Location"] == reverse("inbox")


def test_a_member_who_left_sees_nothing_of_the_map_in_the_inbox(mentioned, editor, journey_map):
    journey_map.memberships.filter(user=editor).delete()
    client = signed_in(editor)
    assert b"@editor please" not in client.get(reverse("inbox")).content
    assert client.get(reverse("inbox_count")).json() == {"unread": 0}
