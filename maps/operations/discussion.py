"""Comment threads on a touchpoint or a stage: write, edit and delete one's own comment, resolve
and reopen a thread, @mention the map's members and the people in its workshops.

Members and participants comment; observers and viewers read (and react:
maps.operations.reactions). A thread follows its target: deleted with the note or stage, and
an internal note's thread stays out of the PDF as the note does. Every comment's events carry
the comment and its thread's state (count, resolved), so replaying them gives the board's
badges; notifications and emails go to accounts only (maps.operations.inbox).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from ..discussion import comment_data, thread_data
from ..discussion_models import COMMENT_MAX, MENTIONS_MAX, Comment, Thread
from ..errors import Actor, OperationError
from ..models import NAME_MAX, JourneyMap, MapEvent, MapMembership
from ..permissions import When, Who, may_be_mentioned, may_change_comment
from .actions import participant_name
from .clean import clean_id, clean_text
from .inbox import notify
from .log import lock_map, one_or_none, record
from .notes import get_touchpoint
from .registry import ID, TEXT, Field, Kind, operation
from .stages import get_stage

COMMENT_NOT_FOUND = "That comment is not on this map (it may have been deleted)."
THREAD_NOT_FOUND = "That thread is not on this map (it may have been deleted)."
NOT_YOURS = "Only its author may change or delete a comment."
MAY_NOT_SEE = (
    "Someone you mentioned may not see this map (they are neither a member nor in one of its "
    "workshops), so they cannot be mentioned. Ask the map's owner to add them first."
)
_PERSON = re.compile(r"(member|participant):([1-9][0-9]{0,17})")

# map id -> (participant id, display name) of the guests in (not removed from) the map's
# workshops: whom the @ autocomplete offers besides the members. The workshops app knows them
# (workshops/apps.py); the map domain may not import it.
PeopleLookup = Callable[[int], list[tuple[int, str]]]


def _no_guests(_map_id: int) -> list[tuple[int, str]]:
    return []


_guests: PeopleLookup = _no_guests


def find_guests_with(lookup: PeopleLookup) -> None:
    global _guests
    _guests = lookup


def mentionable_people(journey_map: JourneyMap) -> list[dict[str, str]]:
    """Everyone a comment on this map may mention, for the @ autocomplete: its members (by
    username) and the guests of its workshops (by display name)."""
    members = MapMembership.objects.filter(map=journey_map).select_related("user")
    people = [
        {"key": f"member:{m.user_id}", "name": m.user.get_username()[:NAME_MAX]}
        for m in members.order_by("user__username")
    ]
    people += [{"key": f"participant:{pk}", "name": name} for pk, name in _guests(journey_map.pk)]
    return people


def _is_mention_list(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) <= MENTIONS_MAX
        and all(isinstance(v, str) and len(v) <= 40 for v in value)
    )


MENTIONS = Kind(
    f'a list of at most {MENTIONS_MAX} people ("member:N", "participant:N")',
    f"people, ≤ {MENTIONS_MAX}",
    check=_is_mention_list,
)
TARGET_FIELDS = (
    Field("touchpoint", ID, note="the note, or"),
    Field("stage", ID, note="the stage (exactly one)"),
)
MENTIONS_FIELD = Field("mentions", MENTIONS, note='each one\'s "@name" in the body')


def clean_mentions(journey_map: JourneyMap, value: Any, body: str) -> list[dict[str, str]]:
    """[{"key", "name"}] of the people a comment calls in: each a member of the map or a
    person in one of its workshops (refused otherwise, with a message that says so), named in
    the body as "@name"."""
    if value is None:
        return []
    if not _is_mention_list(value):
        raise OperationError("invalid", f"mentions must be {MENTIONS.describe}.", field="mentions")
    found: list[dict[str, str]] = []
    for key in dict.fromkeys(value):
        match = _PERSON.fullmatch(key)
        if match is None:
            raise OperationError(
                "invalid", 'A mention is "member:<id>" or "participant:<id>".', field="mentions"
            )
        name = _mentionable(journey_map, match.group(1), int(match.group(2)))
        if f"@{name}" not in body:
            raise OperationError(
                "invalid",
                f"@{name[:40]} is mentioned but not named in the comment.",
                field="mentions",
            )
        found.append({"key": key, "name": name})
    return found


def _mentionable(journey_map: JourneyMap, kind: str, number: int) -> str:
    if kind == "member":
        membership = one_or_none(
            MapMembership.objects.filter(map=journey_map, user_id=number).select_related("user")
        )
        role, name = (membership.role, membership.user.get_username()) if membership else (None, "")
        in_workshop = False
    else:
        found = participant_name(number, journey_map.pk)
        role, in_workshop, name = None, found is not None, found or ""
    if not may_be_mentioned(role, in_workshop):
        raise OperationError("not_mentionable", MAY_NOT_SEE, field="mentions")
    return name[:NAME_MAX]


def _target(journey_map: JourneyMap, touchpoint: Any, stage: Any) -> dict[str, Any]:
    if (touchpoint is None) == (stage is None):
        raise OperationError("invalid", "A comment is on a touchpoint or on a stage: name one.")
    if touchpoint is not None:
        return {"touchpoint": get_touchpoint(journey_map, touchpoint)}
    return {"stage": get_stage(journey_map, stage)}


def get_comment(journey_map: JourneyMap, comment_id: Any) -> Comment:
    comment = one_or_none(
        Comment.objects.filter(pk=clean_id(comment_id, "comment"), map=journey_map).select_related(
            "thread"
        )
    )
    if comment is None:
        raise OperationError("not_found", COMMENT_NOT_FOUND)
    return comment


def _own(actor: Actor, comment: Comment) -> None:
    user_id = actor.user.pk if actor.user is not None else None
    if not may_change_comment(
        comment.author_user_id, comment.author_participant, user_id, actor.participant_id
    ):
        raise OperationError("forbidden", NOT_YOURS)


def _member_ids(mentions: list[dict[str, str]]) -> set[int]:
    return {int(m["key"].split(":")[1]) for m in mentions if m["key"].startswith("member:")}


def _payload(comment: Comment, thread: Thread) -> dict[str, Any]:
    return {"comment": comment_data(comment, thread), "thread": thread_data(thread)}


@operation(
    "comment.add",
    *TARGET_FIELDS,
    Field("body", TEXT, required=True, note=f"≤ {COMMENT_MAX}"),
    MENTIONS_FIELD,
    who=Who.EDITORS,
    when=When.ANYTIME,
)
def add_comment(
    actor: Actor,
    journey_map: JourneyMap,
    *,
    body: Any,
    touchpoint: Any = None,
    stage: Any = None,
    mentions: Any = None,
    op_id: str | None = None,
) -> MapEvent:
    """A comment on a note's or a stage's thread (made with its first comment). A comment in
    a resolved thread reopens it: someone has more to say."""
    text = clean_text(body, "body", COMMENT_MAX, required=True)
    if actor.user is None and actor.participant_id is None:
        raise OperationError("forbidden", "A comment needs an author.")
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        target = _target(locked, touchpoint, stage)
        people = clean_mentions(locked, mentions, text)
        thread, _ = Thread.objects.get_or_create(map=locked, **target)
        if thread.resolved:
            thread.resolved, thread.resolved_by = False, ""
            thread.save(update_fields=["resolved", "resolved_by"])
        user = actor.user if actor.user is not None and actor.user.is_authenticated else None
        comment = Comment.objects.create(
            map=locked,
            thread=thread,
            author_user=user,
            author_participant=actor.participant_id,
            author_name=actor.name[:NAME_MAX],
            body=text,
            mentions=people,
        )
        event = record(locked, actor, "comment.added", _payload(comment, thread), op_id)
        notify(
            locked,
            thread,
            comment,
            mentioned=_member_ids(people),
            actor_user_id=user.pk if user else None,
        )
        return event


@operation(
    "comment.edit",
    Field("comment", ID, required=True),
    Field("body", TEXT, required=True, note=f"≤ {COMMENT_MAX}"),
    MENTIONS_FIELD,
    who=Who.EDITORS,
    when=When.ANYTIME,
)
def edit_comment(
    actor: Actor,
    journey_map: JourneyMap,
    comment: Any,
    *,
    body: Any,
    mentions: Any = None,
    op_id: str | None = None,
) -> MapEvent:
    """The author's new text. People newly mentioned are notified; those mentioned before
    are not again."""
    text = clean_text(body, "body", COMMENT_MAX, required=True)
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        item = get_comment(locked, comment)
        _own(actor, item)
        people = clean_mentions(locked, mentions, text)
        before = _member_ids(item.mentions)
        item.body, item.mentions = text, people
        item.version += 1
        item.edited_at = timezone.now()
        item.save()
        event = record(locked, actor, "comment.updated", _payload(item, item.thread), op_id)
        user_id = actor.user.pk if actor.user is not None else None
        new = _member_ids(people) - before
        if new:
            notify(locked, item.thread, item, mentioned=new, actor_user_id=user_id)
        return event


@operation(
    "comment.delete",
    Field("comment", ID, required=True),
    who=Who.EDITORS,
    when=When.ANYTIME,
)
def delete_comment(
    actor: Actor, journey_map: JourneyMap, comment: Any, *, op_id: str | None = None
) -> MapEvent:
    """The author takes a comment back, with its reactions and notifications. A thread left
    without comments goes too (its count 0 in the event)."""
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        item = get_comment(locked, comment)
        _own(actor, item)
        thread = item.thread
        data = comment_data(item, thread)
        item.delete()
        state = thread_data(thread)
        if state["count"] == 0:
            thread.delete()
        payload = {"id": data["id"], "comment": data, "thread": state}
        return record(locked, actor, "comment.deleted", payload, op_id)


def get_thread(journey_map: JourneyMap, thread_id: Any) -> Thread:
    thread = one_or_none(Thread.objects.filter(pk=clean_id(thread_id, "thread"), map=journey_map))
    if thread is None:
        raise OperationError("not_found", THREAD_NOT_FOUND)
    return thread


def _set_resolved(
    actor: Actor, journey_map: JourneyMap, thread_id: Any, resolved: bool, op_id: str | None
) -> MapEvent:
    with transaction.atomic():
        locked = lock_map(journey_map.pk)
        thread = get_thread(locked, thread_id)
        thread.resolved = resolved
        thread.resolved_by = actor.name[:NAME_MAX] if resolved else ""
        thread.save(update_fields=["resolved", "resolved_by"])
        kind = "thread.resolved" if resolved else "thread.reopened"
        return record(locked, actor, kind, {"thread": thread_data(thread)}, op_id)


@operation("thread.resolve", Field("thread", ID, required=True), who=Who.EDITORS, when=When.ANYTIME)
def resolve_thread(
    actor: Actor, journey_map: JourneyMap, thread: Any, *, op_id: str | None = None
) -> MapEvent:
    """The discussion is settled: the badge dims, the PDF leaves it out."""
    return _set_resolved(actor, journey_map, thread, True, op_id)


@operation("thread.reopen", Field("thread", ID, required=True), who=Who.EDITORS, when=When.ANYTIME)
def reopen_thread(
    actor: Actor, journey_map: JourneyMap, thread: Any, *, op_id: str | None = None
) -> MapEvent:
    return _set_resolved(actor, journey_map, thread, False, op_id)
