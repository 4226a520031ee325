"""Live workshops on a map: the session, its participants, and their heat-map tag votes."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from maps.models import NAME_MAX, JourneyMap, Persona, Tag, Touchpoint, bounded

# No 0/O, 1/I/L: join codes are read aloud in meeting rooms.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 6
DISPLAY_NAME_MAX = 40


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


class Phase(models.TextChoices):
    GATHER = "gather", "Gather"
    GROUP = "group", "Group"
    VOTE = "vote", "Vote"
    REVEAL = "reveal", "Reveal"
    DISCUSS = "discuss", "Discuss"
    CLOSED = "closed", "Closed"


class Workshop(models.Model):
    map = models.ForeignKey(JourneyMap, on_delete=models.CASCADE, related_name="workshops")
    title = models.CharField(max_length=NAME_MAX, blank=True)
    join_code = models.CharField(max_length=JOIN_CODE_LENGTH, unique=True, default=new_join_code)
    phase = models.CharField(max_length=10, choices=Phase.choices, default=Phase.GATHER)
    locked = models.BooleanField(default=False)
    vote_budget = models.PositiveSmallIntegerField(default=10)
    # The timer is a server end time, so every screen derives the same remaining time, also
    # after a reload. While paused, the remaining seconds are kept instead.
    timer_ends_at = models.DateTimeField(null=True, blank=True)
    timer_paused_remaining = models.PositiveIntegerField(null=True, blank=True)
    revealed_at = models.DateTimeField(null=True, blank=True)
    # "Pain for whom?" (issue 20): voters may say which of the map's personas a tag is for.
    # Off by default: a vote is for everyone, as before.
    votes_per_persona = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            bounded("title", NAME_MAX),
            models.CheckConstraint(
                condition=Q(vote_budget__gte=1, vote_budget__lte=100),
                name="workshop_vote_budget_range",
            ),
            models.CheckConstraint(
                condition=Q(phase__in=Phase.values), name="workshop_phase_valid"
            ),
        ]

    def __str__(self) -> str:
        # Never the join code: this name is shown where the code must not be (a viewer's list
        # of workshops, the analysis page, the PDF).
        if self.title:
            return self.title
        opened = self.created_at
        return f"Workshop of {opened.day} {opened:%b %Y}" if opened else "New workshop"

    @property
    def is_open(self) -> bool:
        return self.phase != Phase.CLOSED


class Participant(models.Model):
    class Role(models.TextChoices):
        FACILITATOR = "facilitator", "Facilitator"
        PARTICIPANT = "participant", "Participant"
        OBSERVER = "observer", "Observer"

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="participations",
    )
    display_name = models.CharField(max_length=DISPLAY_NAME_MAX)
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.PARTICIPANT)
    colour = models.CharField(max_length=7, default="#4f46e5")
    # A guest is recognised by this secret, kept in a cookie: rejoining from the same browser
    # keeps the same participant (and their votes).
    token = models.CharField(max_length=43, unique=True, default=secrets.token_urlsafe)
    joined_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    # Set when the facilitator removes them: the row stays, so the same cookie or account is
    # recognised and refused instead of joining again as someone new.
    removed_at = models.DateTimeField(null=True, blank=True)
    # Set when they say "I'm done" (the ready check, `ready.set`); cleared by the facilitator
    # (`ready.reset`) and by every phase change: each phase asks afresh.
    ready_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            bounded("display_name", DISPLAY_NAME_MAX, allow_empty=False),
            models.UniqueConstraint(
                fields=["workshop", "user"],
                condition=Q(user__isnull=False),
                name="participant_one_per_account",
            ),
            models.CheckConstraint(
                condition=Q(role__in=["facilitator", "participant", "observer"]),
                name="participant_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name


class Vote(models.Model):
    """One participant's heat-map tag on one touchpoint, in one workshop."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="votes")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="votes")
    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.CASCADE, related_name="votes")
    tag = models.CharField(max_length=10, choices=Tag.choices)
    # For whom, when the workshop votes per persona (one of the map's personas); none: for
    # everyone. A persona deleted from its library takes its votes with it.
    persona = models.ForeignKey(
        Persona, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # One vote per voter, note and tag, for everyone and for each persona.
            models.UniqueConstraint(
                fields=["participant", "touchpoint", "tag"],
                condition=Q(persona__isnull=True),
                name="vote_one_per_voter_tag_note",
            ),
            models.UniqueConstraint(
                fields=["participant", "touchpoint", "tag", "persona"],
                condition=Q(persona__isnull=False),
                name="vote_one_per_voter_tag_note_persona",
            ),
            models.CheckConstraint(condition=Q(tag__in=Tag.values), name="vote_tag_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.participant} tagged {self.touchpoint_id} {self.tag}"
