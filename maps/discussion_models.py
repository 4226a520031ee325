"""The conversation on a map (issue 19): comment threads on a touchpoint or a stage, reactions
on notes and comments, and the notifications an account gets when someone mentions it or
replies in its thread. Imported by maps.models, so Django finds them in the maps app; written
only through maps.operations.discussion and maps.operations.reactions.

Bounds are database constraints too, as for every other text of the map.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.utils import timezone

# maps.models imports this module (so that Django finds these models in the maps app), so this
# one names that module's models by string and keeps its own copy of the name bound
# (tests/maps/test_discussion_ops.py checks the two agree).
NAME_MAX = 120
models.CharField.register_lookup(Length)
models.TextField.register_lookup(Length)


def bounded(field: str, maximum: int, *, allow_empty: bool = True) -> models.CheckConstraint:
    condition = Q(**{f"{field}__length__lte": maximum})
    if not allow_empty:
        condition &= Q(**{f"{field}__length__gt": 0})
    return models.CheckConstraint(condition=condition, name=f"%(class)s_{field}_length")


COMMENT_MAX = 4000
# At most this many people named in one comment: a list past it is a paste or a probe.
MENTIONS_MAX = 20
EXCERPT_MAX = 200


class Thread(models.Model):
    """The one thread of a touchpoint or of a stage. It follows its target: deleted with it,
    and on an internal note left out of the PDF as the note's text is."""

    map = models.ForeignKey("maps.JourneyMap", on_delete=models.CASCADE, related_name="threads")
    touchpoint = models.OneToOneField(
        "maps.Touchpoint", on_delete=models.CASCADE, null=True, blank=True, related_name="thread"
    )
    stage = models.OneToOneField(
        "maps.Stage", on_delete=models.CASCADE, null=True, blank=True, related_name="thread"
    )
    resolved = models.BooleanField(default=False)
    resolved_by = models.CharField(max_length=NAME_MAX, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(touchpoint__isnull=True, stage__isnull=False)
                | Q(touchpoint__isnull=False, stage__isnull=True),
                name="thread_one_target",
            ),
            bounded("resolved_by", NAME_MAX),
        ]

    def __str__(self) -> str:
        return f"thread on {'note' if self.touchpoint_id else 'stage'} {self.target_id}"

    @property
    def target_id(self) -> int:
        return self.touchpoint_id or self.stage_id  # type: ignore[return-value]


class Comment(models.Model):
    """One comment. Its author is an account (`author_user`), a workshop participant
    (`author_participant`: the participant's id, a plain number as in MapEvent), or both (a
    participant who joined with an account); `author_name` is the name shown, as it was."""

    map = models.ForeignKey("maps.JourneyMap", on_delete=models.CASCADE, related_name="comments")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="comments")
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_participant = models.PositiveBigIntegerField(null=True, blank=True)
    author_name = models.CharField(max_length=NAME_MAX, blank=True)
    body = models.TextField()
    # [{"key": "member:3" | "participant:7", "name": "Ann"}]: who the comment calls in, as
    # checked when it was written (maps.operations.discussion.clean_mentions).
    mentions = models.JSONField(default=list, blank=True)
    version = models.PositiveIntegerField(default=1)
    # A default rather than auto_now_add: an imported comment keeps the time it was written.
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            bounded("body", COMMENT_MAX, allow_empty=False),
            bounded("author_name", NAME_MAX),
        ]

    def __str__(self) -> str:
        return self.body[:60]


class ReactionKind(models.TextChoices):
    PLUS_ONE = "+1", "+1"
    HEART = "heart", "Heart"
    IDEA = "idea", "Idea"
    QUESTION = "question", "Question"


# Each kind's icon (static/img/discussion/<icon>.svg, drawn by static/css/discussion.css):
# drawn, not emoji, so every screen shows the same thing whatever its fonts.
REACTION_ICONS = {"+1": "plus-one", "heart": "heart", "idea": "idea", "question": "question"}


class Reaction(models.Model):
    """One person's reaction of one kind on a note or a comment. Never a vote: it counts
    nothing of the heat map and is shown whatever the phase (docs/voting.md). `person` is
    "member:<user id>" for an account, "participant:<id>" for a guest: one of each kind per
    person and target."""

    map = models.ForeignKey("maps.JourneyMap", on_delete=models.CASCADE, related_name="reactions")
    touchpoint = models.ForeignKey(
        "maps.Touchpoint", on_delete=models.CASCADE, null=True, blank=True, related_name="reactions"
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="reactions"
    )
    kind = models.CharField(max_length=10, choices=ReactionKind.choices)
    person = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(touchpoint__isnull=True, comment__isnull=False)
                | Q(touchpoint__isnull=False, comment__isnull=True),
                name="reaction_one_target",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["+1", "heart", "idea", "question"]),
                name="reaction_kind_valid",
            ),
            models.UniqueConstraint(
                fields=["touchpoint", "kind", "person"],
                condition=Q(touchpoint__isnull=False),
                name="reaction_once_per_note",
            ),
            models.UniqueConstraint(
                fields=["comment", "kind", "person"],
                condition=Q(comment__isnull=False),
                name="reaction_once_per_comment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.kind}"


class Notification(models.Model):
    """An account's inbox entry: someone mentioned it, or replied in a thread it wrote in.
    Goes with its comment. `emailed_at` is when an email went out for it (the throttle:
    COMMENT_EMAIL_INTERVAL)."""

    class Kind(models.TextChoices):
        MENTION = "mention", "mentioned you"
        REPLY = "reply", "replied in your thread"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    map = models.ForeignKey("maps.JourneyMap", on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    actor_name = models.CharField(max_length=NAME_MAX, blank=True)
    excerpt = models.CharField(max_length=EXCERPT_MAX, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["mention", "reply"]), name="notification_kind_valid"
            ),
            bounded("excerpt", EXCERPT_MAX),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"
