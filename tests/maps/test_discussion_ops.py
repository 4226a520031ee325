"""The conversation on a map (issue 19), through the operations: comment threads on notes and
stages, one's own comments only, resolve and reopen, mentions of people who may see the map
(and no one else), reactions one of each per person, notifications and the email throttle.
Every refusal changes nothing."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from journeymap.mail import wait_for_mail
from maps import discussion_models, models
from maps import operations as ops
from maps.discussion import discussion_snapshot
from maps.discussion_models import Comment, Notification, Reaction, Thread
from maps.models import JourneyMap, MapEvent
from maps.operations.inbox import mark_read, unread

pytestmark = pytest.mark.django_db

HOSTILE = [
    '<script>alert(1)</script><img src=x onerror="alert(2)">',
    "\u202eevil\u202c and \u200b\u200d zero width \ufeff",
    "x" * 4000,
]


@pytest.fixture
def note(journey_map, actor) -> int:
    stage = journey_map.stages.order_by("position").first()
    event = ops.add_touchpoint(actor, journey_map, stage=stage.pk, text="Fills the form")
    return event.payload["touchpoint"]["id"]


@pytest.fixture
def stage(journey_map) -> int:
    return journey_map.stages.order_by("position").first().pk


@pytest.fixture
def as_editor(editor) -> ops.Actor:
    return ops.Actor.for_user(editor)


def revision(journey_map) -> int:
    return JourneyMap.objects.get(pk=journey_map.pk).revision


def test_the_name_bound_is_the_maps_one():
    assert discussion_models.NAME_MAX == models.NAME_MAX


# --- threads and comments ---------------------------------------------------------------------


def test_a_first_comment_opens_the_notes_thread(journey_map, actor, note):
    before = revision(journey_map)
    event = ops.add_comment(actor, journey_map, touchpoint=note, body="  Why so many fields? ")
    thread = Thread.objects.get()
    comment = Comment.objects.get()
    assert (thread.touchpoint_id, thread.stage_id, thread.resolved) == (note, None, False)
    assert (comment.body, comment.author_name, comment.author_user) == (
        "Why so many fields?",
        "owner",
        actor.user,
    )
    assert event.type == "comment.added" and event.revision == before + 1
    assert event.payload["comment"]["body"] == "Why so many fields?"
    assert event.payload["thread"] == {
        "id": thread.pk,
        "touchpoint": note,
        "stage": None,
        "resolved": False,
        "resolved_by": "",
        "count": 1,
    }


def test_a_stage_has_a_thread_of_its_own(journey_map, actor, stage):
    ops.add_comment(actor, journey_map, stage=stage, body="Is this stage too long?")
    ops.add_comment(actor, journey_map, stage=stage, body="Yes")
    thread = Thread.objects.get()
    assert thread.stage_id == stage and thread.comments.count() == 2


@pytest.mark.parametrize(
    "target",
    [{}, {"touchpoint": "NOTE", "stage": "STAGE"}],
    ids=["neither", "both"],
)
def test_a_comment_names_exactly_one_target(journey_map, actor, note, stage, target):
    fields = {k: note if v == "NOTE" else stage for k, v in target.items()}
    with pytest.raises(ops.OperationError) as refused:
        ops.add_comment(actor, journey_map, body="x", **fields)
    assert refused.value.code == "invalid"
    assert refused.value.message == "A comment is on a touchpoint or on a stage: name one."
    assert not Comment.objects.exists()


def test_a_note_of_another_map_is_refused(journey_map, actor):
    other = ops.create_map(actor, title="Other", stage_names=["Elsewhere"])
    theirs = ops.add_touchpoint(actor, other, stage=other.stages.get().pk, text="No").payload
    with pytest.raises(ops.OperationError) as refused:
        ops.add_comment(actor, journey_map, touchpoint=theirs["touchpoint"]["id"], body="x")
    assert refused.value.code == "not_found"
    assert not Comment.objects.exists()


@pytest.mark.parametrize("body", ["", "   ", None, 5, ["x"], "x" * 4001, "\ud800"])
def test_a_bad_body_is_refused(journey_map, actor, note, body):
    with pytest.raises(ops.OperationError) as refused:
        ops.add_comment(actor, journey_map, touchpoint=note, body=body)
    assert refused.value.details.get("field") == "body"
    assert not Comment.objects.exists() and not Thread.objects.exists()


@pytest.mark.parametrize("body", HOSTILE)
def test_hostile_text_is_kept_as_typed(journey_map, actor, note, body):
    ops.add_comment(actor, journey_map, touchpoint=note, body=body)
    assert Comment.objects.get().body == body.strip()


def test_only_the_author_edits_or_deletes_a_comment(journey_map, actor, as_editor, note):
    comment = ops.add_comment(actor, journey_map, touchpoint=note, body="Mine").payload["comment"]
    for change in (
        lambda: ops.edit_comment(as_editor, journey_map, comment["id"], body="Theirs now"),
        lambda: ops.delete_comment(as_editor, journey_map, comment["id"]),
    ):
        before = revision(journey_map)
        with pytest.raises(ops.OperationError) as refused:
            change()
        assert refused.value.code == "forbidden"
        assert refused.value.message == "Only its author may change or delete a comment."
        assert revision(journey_map) == before
    assert Comment.objects.get().body == "Mine"


# --- across maps: an id names something on the map the operation is for, or nothing ----------


@pytest.fixture
def elsewhere(actor) -> dict:
    """A comment, in its thread, on another map of the same owner (a map the editor of
    `journey_map` is not on)."""
    other = ops.create_map(actor, title="Another map", stage_names=["Elsewhere"])
    event = ops.add_comment(actor, other, stage=other.stages.get().pk, body="Over there")
    return event.payload["comment"]


def test_a_comment_of_another_map_is_not_found_through_this_one(
    journey_map, actor, as_editor, elsewhere
):
    """The socket's map is the room's: a comment id from another map is not reachable through
    it, not even by its author, whatever their rights here."""
    for change in (
        lambda: ops.edit_comment(actor, journey_map, elsewhere["id"], body="Moved in"),
        lambda: ops.delete_comment(actor, journey_map, elsewhere["id"]),
        lambda: ops.set_reaction(
            as_editor, journey_map, reaction="+1", on=True, comment=elsewhere["id"]
        ),
    ):
        with pytest.raises(ops.OperationError) as refused:
            change()
        assert refused.value.code == "not_found"
        assert refused.value.message == (
            "That comment is not on this map (it may have been deleted)."
        )
    assert Comment.objects.get(pk=elsewhere["id"]).body == "Over there"
    assert not Reaction.objects.exists()


def test_a_thread_of_another_map_is_not_found_through_this_one(journey_map, as_editor, elsewhere):
    thread = elsewhere["thread"]
    for change in (ops.resolve_thread, ops.reopen_thread):
        with pytest.raises(ops.OperationError) as refused:
            change(as_editor, journey_map, thread)
        assert refused.value.code == "not_found"
        assert refused.value.message == "That thread is not on this map (it may have been deleted)."
    assert not Thread.objects.get(pk=thread).resolved


@pytest.mark.parametrize("bad", ["7", None, 0, -1, True, 1.5])
def test_a_comment_or_thread_id_that_is_no_id_names_its_field(journey_map, actor, bad):
    for field, change in (
        ("comment", lambda: ops.edit_comment(actor, journey_map, bad, body="x")),
        ("comment", lambda: ops.delete_comment(actor, journey_map, bad)),
        ("thread", lambda: ops.resolve_thread(actor, journey_map, bad)),
        ("thread", lambda: ops.reopen_thread(actor, journey_map, bad)),
    ):
        with pytest.raises(ops.OperationError) as refused:
            change()
        assert refused.value.code == "invalid"
        assert refused.value.details == {"field": field}
        assert refused.value.message == f"{field} must be an id."


def test_the_author_edits_a_comment(journey_map, actor, note):
    comment = ops.add_comment(actor, journey_map, touchpoint=note, body="Frist").payload["comment"]
    event = ops.edit_comment(actor, journey_map, comment["id"], body="First")
    assert event.type == "comment.updated"
    assert event.payload["comment"]["body"] == "First"
    assert event.payload["comment"]["version"] == 2 and event.payload["comment"]["edited"]


def test_a_guest_edits_only_their_own_comment(journey_map, note):
    ann = ops.Actor(name="Ann", participant_id=11)
    bob = ops.Actor(name="Bob", participant_id=12)
    comment = ops.add_comment(ann, journey_map, touchpoint=note, body="Ann's").payload["comment"]
    with pytest.raises(ops.OperationError):
        ops.edit_comment(bob, journey_map, comment["id"], body="Bob's")
    ops.edit_comment(ann, journey_map, comment["id"], body="Still Ann's")
    assert Comment.objects.get().body == "Still Ann's"


def test_deleting_the_last_comment_ends_the_thread(journey_map, actor, note):
    first = ops.add_comment(actor, journey_map, touchpoint=note, body="One").payload["comment"]
    second = ops.add_comment(actor, journey_map, touchpoint=note, body="Two").payload["comment"]
    event = ops.delete_comment(actor, journey_map, first["id"])
    assert event.payload["thread"]["count"] == 1 and Thread.objects.exists()
    event = ops.delete_comment(actor, journey_map, second["id"])
    assert event.type == "comment.deleted" and event.payload["id"] == second["id"]
    assert event.payload["thread"]["count"] == 0
    assert not Thread.objects.exists()


def test_a_thread_is_resolved_and_reopened(journey_map, actor, as_editor, note):
    thread = ops.add_comment(actor, journey_map, touchpoint=note, body="?").payload["thread"]
    event = ops.resolve_thread(as_editor, journey_map, thread["id"])
    assert event.type == "thread.resolved"
    assert (
        event.payload["thread"]["resolved"] and event.payload["thread"]["resolved_by"] == "editor"
    )
    event = ops.reopen_thread(actor, journey_map, thread["id"])
    assert event.type == "thread.reopened" and not event.payload["thread"]["resolved"]


def test_a_new_comment_reopens_a_resolved_thread(journey_map, actor, note):
    thread = ops.add_comment(actor, journey_map, touchpoint=note, body="?").payload["thread"]
    ops.resolve_thread(actor, journey_map, thread["id"])
    event = ops.add_comment(actor, journey_map, touchpoint=note, body="One more thing")
    assert event.payload["thread"]["resolved"] is False
    assert event.payload["thread"]["resolved_by"] == ""
    assert (Thread.objects.get().resolved, Thread.objects.get().resolved_by) == (False, "")


def test_a_notes_thread_goes_with_the_note(journey_map, actor, note):
    ops.add_comment(actor, journey_map, touchpoint=note, body="?")
    ops.set_reaction(actor, journey_map, touchpoint=note, reaction="idea", on=True)
    ops.delete_touchpoint(actor, journey_map, note)
    assert not Thread.objects.exists() and not Comment.objects.exists()
    assert not Reaction.objects.exists()


# --- mentions ---------------------------------------------------------------------------------


def test_a_member_is_mentioned_and_notified(journey_map, actor, note, editor):
    event = ops.add_comment(
        actor,
        journey_map,
        touchpoint=note,
        body="@editor can you check?",
        mentions=[f"member:{editor.pk}"],
    )
    assert event.payload["comment"]["mentions"] == [
        {"key": f"member:{editor.pk}", "name": "editor"}
    ]
    notification = Notification.objects.get()
    assert (notification.user, notification.kind, notification.actor_name) == (
        editor,
        "mention",
        "owner",
    )
    assert list(unread(editor)) == [notification]


def test_a_workshop_participant_is_mentioned(journey_map, actor, note, monkeypatch):
    from maps.operations import actions

    monkeypatch.setattr(
        actions, "_participant_name", lambda pid, map_id: "Ann" if pid == 7 else None
    )
    event = ops.add_comment(
        actor,
        journey_map,
        touchpoint=note,
        body="@Ann what do you think?",
        mentions=["participant:7"],
    )
    assert event.payload["comment"]["mentions"] == [{"key": "participant:7", "name": "Ann"}]
    assert not Notification.objects.exists()  # a guest has no inbox


@pytest.mark.parametrize("who", ["outsider", "participant"])
def test_mentioning_someone_who_may_not_see_the_map_is_refused(
    journey_map, actor, note, outsider, who
):
    key = f"member:{outsider.pk}" if who == "outsider" else "participant:999"
    before = revision(journey_map)
    with pytest.raises(ops.OperationError) as refused:
        ops.add_comment(actor, journey_map, touchpoint=note, body="@outsider hi", mentions=[key])
    assert refused.value.code == "not_mentionable"
    assert "may not see this map" in refused.value.message
    assert "outsider" not in refused.value.message  # nothing of an account is told
    assert revision(journey_map) == before
    assert not Comment.objects.exists() and not Notification.objects.exists()
    assert not mail.outbox


@pytest.mark.parametrize(
    "mentions",
    ["member:1", ["member:x"], ["user:1"], [1], ["member:1"] * 21, ["m" * 41]],
    ids=["not-a-list", "bad-id", "bad-kind", "number", "too-many", "too-long"],
)
def test_a_badly_shaped_mention_list_is_refused(journey_map, actor, note, mentions):
    with pytest.raises(ops.OperationError) as refused:
        ops.add_comment(actor, journey_map, touchpoint=note, body="@x", mentions=mentions)
    assert refused.value.code == "invalid"
    assert refused.value.details.get("field") == "mentions"
    assert not Comment.objects.exists()


def test_a_mention_list_may_hold_twenty_names_of_forty_characters(journey_map, actor, note, editor):
    """The shape's bounds, exactly: 20 entries pass (the same person, told once), 21 do not; an
    entry of 40 characters is read as a mention (and refused as one), of 41 refused unread."""
    key = f"member:{editor.pk}"
    event = ops.add_comment(
        actor, journey_map, touchpoint=note, body="@editor", mentions=[key] * 20
    )
    assert event.payload["comment"]["mentions"] == [{"key": key, "name": "editor"}]
    shape = 'mentions must be a list of at most 20 people ("member:N", "participant:N").'
    for mentions, message in (
        ([key] * 21, shape),
        (["m" * 40], 'A mention is "member:<id>" or "participant:<id>".'),
        (["m" * 41], shape),
    ):
        with pytest.raises(ops.OperationError) as refused:
            ops.add_comment(actor, journey_map, touchpoint=note, body="@x", mentions=mentions)
        assert refused.value.message == message


def test_only_this_maps_people_are_mentioned_here(journey_map, actor, note, outsider):
    """A member of another map, and a guest in a workshop on another map, may not see this one:
    neither is mentioned here (their comment would be mailed to them)."""
    from workshops.operations import join_workshop, open_workshop

    other = ops.create_map(ops.Actor.for_user(outsider), title="Theirs")
    guest = join_workshop(open_workshop(outsider, other), display_name="Gus")
    for key, body in ((f"member:{outsider.pk}", "@outsider"), (f"participant:{guest.pk}", "@Gus")):
        with pytest.raises(ops.OperationError) as refused:
            ops.add_comment(actor, journey_map, touchpoint=note, body=body, mentions=[key])
        assert refused.value.code == "not_mentionable"
        assert refused.value.details == {"field": "mentions"}
    # The same guest in a workshop on this map is mentioned by name.
    here = join_workshop(open_workshop(journey_map.created_by, journey_map), display_name="Gus")
    event = ops.add_comment(
        actor, journey_map, touchpoint=note, body="@Gus", mentions=[f"participant:{here.pk}"]
    )
    assert event.payload["comment"]["mentions"] == [
        {"key": f"participant:{here.pk}", "name": "Gus"}
    ]


def test_a_mention_not_named_in_the_text_is_refused(journey_map, actor, note, editor):
    with pytest.raises(ops.OperationError) as refused:
        ops.add_comment(
            actor, journey_map, touchpoint=note, body="quietly", mentions=[f"member:{editor.pk}"]
        )
    assert refused.value.code == "invalid"
    assert refused.value.details == {"field": "mentions"}
    assert refused.value.message == "@editor is mentioned but not named in the comment."
    assert not Notification.objects.exists()


def test_a_comment_needs_an_author(journey_map, note):
    """Only a person comments: an actor that is neither an account nor a participant (the
    system's own changes) is refused, and nothing is written."""
    with pytest.raises(ops.OperationError) as refused:
        ops.add_comment(ops.Actor(name="system"), journey_map, touchpoint=note, body="Hello")
    assert refused.value.code == "forbidden"
    assert refused.value.message == "A comment needs an author."
    assert not Comment.objects.exists()


def test_a_reply_notifies_the_threads_account_holders_but_not_the_author(
    journey_map, actor, as_editor, note, editor, owner
):
    ops.add_comment(as_editor, journey_map, touchpoint=note, body="Started this")
    ops.add_comment(actor, journey_map, touchpoint=note, body="A reply")
    assert [(n.user, n.kind) for n in Notification.objects.all()] == [(editor, "reply")]
    ops.add_comment(as_editor, journey_map, touchpoint=note, body="And back")
    assert [(n.user, n.kind) for n in Notification.objects.order_by("id")] == [
        (editor, "reply"),
        (owner, "reply"),
    ]


def test_nobody_is_notified_of_their_own_mention(journey_map, actor, note):
    ops.add_comment(
        actor,
        journey_map,
        touchpoint=note,
        body="@owner note to self",
        mentions=[f"member:{actor.user.pk}"],
    )
    assert not Notification.objects.exists()


def test_nobody_is_notified_of_their_own_mention_added_by_an_edit(journey_map, actor, note):
    comment = ops.add_comment(actor, journey_map, touchpoint=note, body="Draft").payload["comment"]
    ops.edit_comment(
        actor, journey_map, comment["id"], body="@owner to do", mentions=[f"member:{actor.user.pk}"]
    )
    assert Comment.objects.get().mentions == [{"key": f"member:{actor.user.pk}", "name": "owner"}]
    assert not Notification.objects.exists()


@pytest.mark.parametrize("body", ["", "   ", None])
def test_an_edit_to_nothing_is_refused(journey_map, actor, note, body):
    comment = ops.add_comment(actor, journey_map, touchpoint=note, body="Keep me").payload[
        "comment"
    ]
    with pytest.raises(ops.OperationError) as refused:
        ops.edit_comment(actor, journey_map, comment["id"], body=body)
    assert refused.value.code == "invalid"
    assert refused.value.details.get("field") == "body"
    assert Comment.objects.get().body == "Keep me"


def test_each_change_of_the_discussion_carries_its_op_id(journey_map, actor, note):
    """The op_id makes a resend harmless and answers the one who sent it (docs/protocol.md)."""
    comment = ops.add_comment(actor, journey_map, touchpoint=note, body="One", op_id="c-1")
    item = comment.payload["comment"]
    events = [
        comment,
        ops.edit_comment(actor, journey_map, item["id"], body="Two", op_id="c-2"),
        ops.resolve_thread(actor, journey_map, item["thread"], op_id="c-3"),
        ops.reopen_thread(actor, journey_map, item["thread"], op_id="c-4"),
        ops.delete_comment(actor, journey_map, item["id"], op_id="c-5"),
    ]
    assert [event.op_id for event in events] == ["c-1", "c-2", "c-3", "c-4", "c-5"]
    assert events[-1].payload["comment"]["id"] == item["id"]


def test_resolving_names_who_did_and_reopening_forgets_it(journey_map, actor, as_editor, note):
    thread = ops.add_comment(actor, journey_map, touchpoint=note, body="Q").payload["comment"][
        "thread"
    ]
    ops.resolve_thread(as_editor, journey_map, thread)
    assert (Thread.objects.get().resolved, Thread.objects.get().resolved_by) == (True, "editor")
    ops.reopen_thread(actor, journey_map, thread)
    assert (Thread.objects.get().resolved, Thread.objects.get().resolved_by) == (False, "")


def test_an_edit_notifies_only_the_newly_mentioned(journey_map, actor, note, editor, viewer):
    comment = ops.add_comment(
        actor, journey_map, touchpoint=note, body="@editor", mentions=[f"member:{editor.pk}"]
    ).payload["comment"]
    ops.edit_comment(
        actor,
        journey_map,
        comment["id"],
        body="@editor and @viewer",
        mentions=[f"member:{editor.pk}", f"member:{viewer.pk}"],
    )
    assert sorted(n.user.username for n in Notification.objects.all()) == ["editor", "viewer"]


def test_notifications_are_marked_read_one_or_all_and_only_ones_own(
    journey_map, actor, note, editor, viewer
):
    for _ in range(3):
        ops.add_comment(
            actor,
            journey_map,
            touchpoint=note,
            body="@editor @viewer",
            mentions=[f"member:{editor.pk}", f"member:{viewer.pk}"],
        )
    first = unread(editor).first()
    assert mark_read(viewer, first.pk) == 0  # not theirs
    assert mark_read(editor, first.pk) == 1
    assert unread(editor).count() == 2
    assert mark_read(editor) == 2 and unread(editor).count() == 0
    assert unread(viewer).count() == 3


def test_a_member_who_left_no_longer_sees_the_notifications(journey_map, actor, note, editor):
    ops.add_comment(
        actor, journey_map, touchpoint=note, body="@editor", mentions=[f"member:{editor.pk}"]
    )
    journey_map.memberships.filter(user=editor).delete()
    assert unread(editor).count() == 0


# --- email ------------------------------------------------------------------------------------


def mention(actor, journey_map, note, user, body="@editor look", **kw):
    with kw.pop("capture")(execute=True):
        ops.add_comment(
            actor, journey_map, touchpoint=note, body=body, mentions=[f"member:{user.pk}"]
        )
    wait_for_mail()


def test_a_mentioned_member_gets_an_email_after_commit(
    journey_map, actor, note, editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        ops.add_comment(
            actor,
            journey_map,
            touchpoint=note,
            body="@editor look <b>here</b>",
            mentions=[f"member:{editor.pk}"],
        )
        wait_for_mail()
        assert not mail.outbox  # nothing before the commit
    for callback in callbacks:
        callback()
    wait_for_mail()
    [email] = mail.outbox
    assert email.to == ["editor@example.com"]
    assert "owner mentioned you" in email.subject and "Onboarding" in email.subject
    assert "@editor look <b>here</b>" in email.body
    assert f"/maps/{journey_map.pk}/" in email.body


def test_a_refused_comment_sends_no_email(
    journey_map, actor, note, editor, outsider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ops.OperationError):
        ops.add_comment(
            actor,
            journey_map,
            touchpoint=note,
            body="@editor @outsider",
            mentions=[f"member:{editor.pk}", f"member:{outsider.pk}"],
        )
    wait_for_mail()
    assert not mail.outbox


def test_a_rolled_back_comment_sends_no_email(
    journey_map, actor, note, editor, django_capture_on_commit_callbacks
):
    class Undo(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(Undo),
        transaction.atomic(),
    ):
        ops.add_comment(
            actor,
            journey_map,
            touchpoint=note,
            body="@editor",
            mentions=[f"member:{editor.pk}"],
        )
        wait_for_mail()
        raise Undo
    wait_for_mail()
    assert not mail.outbox and not Comment.objects.exists()


def test_one_email_per_person_per_thread_per_interval(
    journey_map, actor, note, stage, editor, settings, django_capture_on_commit_callbacks
):
    settings.COMMENT_EMAIL_INTERVAL = 300
    capture = django_capture_on_commit_callbacks
    for _ in range(3):
        mention(actor, journey_map, note, editor, capture=capture)
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(user=editor).count() == 3  # the inbox has them all
    # another thread is another conversation
    with capture(execute=True):
        ops.add_comment(
            actor, journey_map, stage=stage, body="@editor", mentions=[f"member:{editor.pk}"]
        )
    wait_for_mail()
    assert len(mail.outbox) == 2
    # once the interval has passed, the first thread may email again
    Notification.objects.update(emailed_at=None)
    mention(actor, journey_map, note, editor, capture=capture)
    assert len(mail.outbox) == 3


def test_a_subject_never_carries_a_newline(
    journey_map, actor, note, editor, django_capture_on_commit_callbacks
):
    JourneyMap.objects.filter(pk=journey_map.pk).update(title="Line one\nBcc: x@example.com")
    mention(actor, journey_map, note, editor, capture=django_capture_on_commit_callbacks)
    [email] = mail.outbox
    assert "\n" not in email.subject and "\r" not in email.subject


# --- reactions --------------------------------------------------------------------------------


def test_a_reaction_is_given_once_per_person_and_counted(journey_map, actor, as_editor, note):
    ops.set_reaction(actor, journey_map, touchpoint=note, reaction="+1", on=True)
    ops.set_reaction(actor, journey_map, touchpoint=note, reaction="+1", on=True)
    event = ops.set_reaction(as_editor, journey_map, touchpoint=note, reaction="+1", on=True)
    assert event.type == "reaction.changed"
    assert event.payload == {
        "target": "touchpoint",
        "id": note,
        "reaction": "+1",
        "on": True,
        "counts": {"+1": 2},
    }
    event = ops.set_reaction(actor, journey_map, touchpoint=note, reaction="heart", on=True)
    assert event.payload["counts"] == {"+1": 2, "heart": 1}
    event = ops.set_reaction(actor, journey_map, touchpoint=note, reaction="+1", on=False)
    assert event.payload["counts"] == {"+1": 1, "heart": 1}


def test_a_comment_gets_reactions_and_they_go_with_it(journey_map, actor, note):
    comment = ops.add_comment(actor, journey_map, touchpoint=note, body="Idea").payload["comment"]
    event = ops.set_reaction(actor, journey_map, comment=comment["id"], reaction="idea", on=True)
    assert event.payload["target"] == "comment" and event.payload["counts"] == {"idea": 1}
    ops.delete_comment(actor, journey_map, comment["id"])
    assert not Reaction.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"reaction": "thumbsdown", "on": True},
        {"reaction": "+1", "on": "yes"},
        {"reaction": ["+1"], "on": True},
    ],
)
def test_only_the_fixed_reactions_are_given(journey_map, actor, note, fields):
    with pytest.raises(ops.OperationError):
        ops.set_reaction(actor, journey_map, touchpoint=note, **fields)
    assert not Reaction.objects.exists()


def test_the_system_gives_no_reaction(journey_map, note):
    with pytest.raises(ops.OperationError) as refused:
        ops.set_reaction(ops.SYSTEM, journey_map, touchpoint=note, reaction="+1", on=True)
    assert refused.value.code == "forbidden"


def test_the_snapshot_holds_the_conversation(journey_map, actor, note):
    comment = ops.add_comment(actor, journey_map, touchpoint=note, body="?").payload["comment"]
    ops.set_reaction(actor, journey_map, touchpoint=note, reaction="idea", on=True)
    ops.set_reaction(actor, journey_map, comment=comment["id"], reaction="+1", on=True)
    snapshot = discussion_snapshot(journey_map)
    assert [c["body"] for c in snapshot["comments"]] == ["?"]
    assert snapshot["threads"][0]["count"] == 1
    assert snapshot["reactions"] == [
        {"target": "comment", "id": comment["id"], "counts": {"+1": 1}},
        {"target": "touchpoint", "id": note, "counts": {"idea": 1}},
    ]
    assert MapEvent.objects.filter(type="reaction.changed").count() == 2


def test_someone_who_left_the_map_is_not_notified_of_replies(
    journey_map, actor, as_editor, note, editor
):
    ops.add_comment(as_editor, journey_map, touchpoint=note, body="Started this")
    journey_map.memberships.filter(user=editor).delete()
    ops.add_comment(actor, journey_map, touchpoint=note, body="A reply they may not read")
    assert not Notification.objects.exists()
