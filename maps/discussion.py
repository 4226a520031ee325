"""The conversation on a map, read: plain dicts for events, acks and snapshots, the board's
badges, and a thread as its panel shows it. Written by maps.operations.discussion and
maps.operations.reactions; rendered by templates/maps/_thread.html (escaped there) and
static/js/live/comments.js (text only through textContent)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Count

from .discussion_models import REACTION_ICONS, Comment, Reaction, ReactionKind, Thread
from .errors import Actor
from .models import JourneyMap

KINDS = tuple(ReactionKind.values)


def person_key(actor: Actor) -> str | None:
    """Who reacts or writes, as reactions store it: an account wherever it acts, else the
    workshop guest; None for the system."""
    if actor.user is not None and getattr(actor.user, "is_authenticated", False):
        return f"member:{actor.user.pk}"
    if actor.participant_id is not None:
        return f"participant:{actor.participant_id}"
    return None


def author_key(comment: Comment) -> str:
    if comment.author_user_id is not None:
        return f"member:{comment.author_user_id}"
    if comment.author_participant is not None:
        return f"participant:{comment.author_participant}"
    return ""


def comment_data(comment: Comment, thread: Thread) -> dict[str, Any]:
    return {
        "id": comment.pk,
        "thread": thread.pk,
        "touchpoint": thread.touchpoint_id,
        "stage": thread.stage_id,
        "author": comment.author_name,
        "author_key": author_key(comment),
        "body": comment.body,
        "mentions": list(comment.mentions),
        "version": comment.version,
        "created": comment.created_at.isoformat(),
        "edited": comment.edited_at.isoformat() if comment.edited_at else None,
    }


def thread_data(thread: Thread, count: int | None = None) -> dict[str, Any]:
    """The thread's state; `count` its comments (counted when not given). A thread of no
    comments is gone (its last comment deleted): count 0."""
    if count is None:
        count = thread.comments.count() if thread.pk else 0
    return {
        "id": thread.pk,
        "touchpoint": thread.touchpoint_id,
        "stage": thread.stage_id,
        "resolved": thread.resolved,
        "resolved_by": thread.resolved_by,
        "count": count,
    }


def reaction_counts(**target: Any) -> dict[str, int]:
    """{kind: n} of one note's or comment's reactions, only the kinds someone gave, in the
    fixed order."""
    rows = dict(
        Reaction.objects.filter(**target).values_list("kind").annotate(n=Count("id")).order_by()
    )
    return {kind: rows[kind] for kind in KINDS if rows.get(kind)}


def discussion_snapshot(journey_map: JourneyMap) -> dict[str, Any]:
    """The snapshot's conversation (maps.serializers.map_snapshot), in three queries: every
    thread, every comment, the reaction counts of every note and comment."""
    threads = list(journey_map.threads.annotate(n=Count("comments")).order_by("id"))
    by_id = {thread.pk: thread for thread in threads}
    comments = list(journey_map.comments.order_by("id"))
    counts: dict[tuple[str, int], dict[str, int]] = defaultdict(dict)
    rows = (
        journey_map.reactions.values_list("touchpoint_id", "comment_id", "kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    for touchpoint, comment, kind, n in rows:
        key = ("touchpoint", touchpoint) if touchpoint else ("comment", comment)
        counts[key][kind] = n
    return {
        "threads": [thread_data(t, t.n) for t in threads],
        "comments": [comment_data(c, by_id[c.thread_id]) for c in comments],
        "reactions": [
            {"target": target, "id": pk, "counts": {k: c[k] for k in KINDS if k in c}}
            for (target, pk), c in sorted(counts.items())
        ],
    }


def board_discussion(journey_map: JourneyMap, viewer: str | None) -> dict[str, Any]:
    """What the board's badges show (templates/maps/_discussion.html, read by comments.js):
    per note its comments, whether its thread is resolved, its reactions and which of them
    are the viewer's (`viewer`: person_key); per stage its comments. Three queries."""
    notes: dict[int, dict[str, Any]] = {}
    stages: dict[int, dict[str, Any]] = {}
    for thread in journey_map.threads.annotate(n=Count("comments")).order_by():
        entry = {"comments": thread.n, "resolved": thread.resolved}
        if thread.touchpoint_id:
            notes[thread.touchpoint_id] = entry
        else:
            stages[thread.stage_id] = entry
    rows = (
        journey_map.reactions.filter(comment=None)
        .values_list("touchpoint_id", "kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    for touchpoint, kind, n in rows:
        notes.setdefault(touchpoint, {"comments": 0, "resolved": False})
        notes[touchpoint].setdefault("reactions", {})[kind] = n
    if viewer:
        mine = journey_map.reactions.filter(comment=None, person=viewer)
        for touchpoint, kind in mine.values_list("touchpoint_id", "kind"):
            notes[touchpoint].setdefault("mine", []).append(kind)
    return {"notes": notes, "stages": stages, "icons": REACTION_ICONS, "me": viewer or ""}


def thread_view(
    journey_map: JourneyMap, *, touchpoint: int | None, stage: int | None, viewer: str | None
) -> dict[str, Any]:
    """One thread as its panel shows it: the comments, each with its reactions (counts, and
    whether the viewer gave each) and whether it is the viewer's; the note's own reactions."""
    target = {"touchpoint_id": touchpoint} if touchpoint else {"stage_id": stage}
    thread = journey_map.threads.filter(**target).first()
    comments = list(thread.comments.order_by("id")) if thread else []
    given: dict[int, dict[str, int]] = defaultdict(dict)
    mine: dict[int, set[str]] = defaultdict(set)
    reactions = Reaction.objects.filter(comment__in=[c.pk for c in comments])
    for comment_id, kind, person in reactions.values_list("comment_id", "kind", "person"):
        given[comment_id][kind] = given[comment_id].get(kind, 0) + 1
        if person == viewer:
            mine[comment_id].add(kind)
    for comment in comments:
        comment.reaction_list = reaction_buttons(given[comment.pk], mine[comment.pk])
        comment.own = viewer is not None and author_key(comment) == viewer
    note_reactions = None
    if touchpoint:
        on_note = journey_map.reactions.filter(touchpoint_id=touchpoint)
        counts: dict[str, int] = {}
        own: set[str] = set()
        for kind, person in on_note.values_list("kind", "person"):
            counts[kind] = counts.get(kind, 0) + 1
            if person == viewer:
                own.add(kind)
        note_reactions = reaction_buttons(counts, own)
    return {"thread": thread, "comments": comments, "note_reactions": note_reactions}


def reaction_buttons(counts: dict[str, int], mine: set[str]) -> list[dict[str, Any]]:
    """Every kind, with its count and whether the viewer gave it: the panel's toggles."""
    return [
        {
            "kind": kind,
            "icon": REACTION_ICONS[kind],
            "label": ReactionKind(kind).label,
            "count": counts.get(kind, 0),
            "mine": kind in mine,
        }
        for kind in KINDS
    ]
