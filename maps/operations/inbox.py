"""Notifications: an account's inbox entry when someone mentions it or replies in a thread it
wrote in, and an email to a mentioned member. Written inside the comment's transaction (so a
refused comment notifies nobody); the email goes after commit, from the mail thread
(journeymap.mail), at most one per person and thread per COMMENT_EMAIL_INTERVAL seconds.

Marking read is the account's own business, not a change to any map: no event."""

from __future__ import annotations

import re
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db.models import QuerySet
from django.utils import timezone

from journeymap import mail

from ..discussion_models import EXCERPT_MAX, Comment, Notification, Thread
from ..models import JourneyMap, MapMembership

# Control characters (a newline would break the subject header, others garble it).
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def notify(
    journey_map: JourneyMap,
    thread: Thread,
    comment: Comment,
    *,
    mentioned: set[int],
    actor_user_id: int | None,
) -> list[Notification]:
    """Notify the mentioned members (`mentioned`: user ids, already checked to be on the map)
    and the account holders who wrote earlier in the thread ("reply"). Nobody is notified of
    their own comment, nor twice for one; only members of the map still, as only they may
    open it. Emails the mentioned (throttled)."""
    members = set(MapMembership.objects.filter(map=journey_map).values_list("user_id", flat=True))
    earlier = set(
        thread.comments.exclude(pk=comment.pk)
        .exclude(author_user=None)
        .values_list("author_user_id", flat=True)
    )
    kinds = {user: Notification.Kind.MENTION for user in mentioned}
    for user in earlier - mentioned:
        kinds[user] = Notification.Kind.REPLY
    excerpt = _CONTROL.sub(" ", comment.body)[:EXCERPT_MAX]
    made = [
        Notification.objects.create(
            user_id=user,
            map=journey_map,
            thread=thread,
            comment=comment,
            kind=kind,
            actor_name=comment.author_name,
            excerpt=excerpt,
        )
        for user, kind in sorted(kinds.items())
        if user in members and user != actor_user_id
    ]
    _email(journey_map, thread, [n for n in made if n.kind == Notification.Kind.MENTION])
    return made


def _email(journey_map: JourneyMap, thread: Thread, mentions: list[Notification]) -> None:
    """One email per mentioned member with an address, unless one went to them about this
    thread within the interval; sent after commit (journeymap.mail)."""
    since = timezone.now() - timedelta(seconds=settings.COMMENT_EMAIL_INTERVAL)
    users = get_user_model().objects.in_bulk([n.user_id for n in mentions])
    messages = []
    for notification in mentions:
        user = users.get(notification.user_id)
        if user is None or not user.email:
            continue
        recent = Notification.objects.filter(
            user_id=user.pk, thread=thread, emailed_at__gte=since
        ).exists()
        if recent:
            continue
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
        messages.append(_message(journey_map, notification, user.email))
    mail.send_after_commit(messages)


def _message(journey_map: JourneyMap, notification: Notification, address: str) -> EmailMessage:
    who = _CONTROL.sub(" ", notification.actor_name) or "Someone"
    title = _CONTROL.sub(" ", journey_map.title)[:120]
    thread = notification.thread
    target = (
        f"touchpoint={thread.touchpoint_id}" if thread.touchpoint_id else f"stage={thread.stage_id}"
    )
    link = f"{settings.SITE_URL.rstrip('/')}/maps/{journey_map.pk}/?{target}"
    body = (
        f"{who} mentioned you in a comment on the journey map “{title}”:\n\n"
        f"{notification.comment.body}\n\n"
        f"Open the map: {link}\n"
        f"Your inbox: {settings.SITE_URL.rstrip('/')}/inbox/\n"
    )
    return EmailMessage(f"{who} mentioned you on “{title}”", body, to=[address])


def unread(user) -> QuerySet[Notification]:
    """The account's unread notifications, on maps it may still open."""
    return Notification.objects.filter(
        user=user, read_at=None, map__memberships__user=user
    ).distinct()


def mark_read(user, notification_id: int | None = None) -> int:
    """Mark one of the account's notifications read (`notification_id`), or all of them.
    Another account's notification is never touched: it is simply not found (0)."""
    mine = Notification.objects.filter(user=user, read_at=None)
    if notification_id is not None:
        mine = mine.filter(pk=notification_id)
    return mine.update(read_at=timezone.now())
