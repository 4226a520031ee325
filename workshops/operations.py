"""Changes to workshops: open, join, vote. Map changes go through maps.operations."""

from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction

from maps.models import JourneyMap, Tag, Touchpoint
from maps.operations import OperationError, clean_choice, clean_text

from .models import DISPLAY_NAME_MAX, Participant, Phase, Vote, Workshop

# Presence colours: distinguishable, and dark enough for white initials (WCAG AA).
PALETTE = ("#4338ca", "#b91c1c", "#047857", "#a21caf", "#b45309", "#0369a1", "#6d28d9", "#be123c")


def open_workshop(
    user, journey_map: JourneyMap, *, title: str = "", vote_budget: int = 10
) -> Workshop:
    """A new workshop on the map, with the opening account as its facilitator."""
    title = clean_text(title, "title", 120)
    if (
        isinstance(vote_budget, bool)
        or not isinstance(vote_budget, int)
        or not 1 <= vote_budget <= 100
    ):
        raise OperationError("invalid", "The vote budget must be from 1 to 100.")
    for _ in range(5):
        try:
            with transaction.atomic():
                workshop = Workshop.objects.create(
                    map=journey_map, title=title, vote_budget=vote_budget, created_by=user
                )
                Participant.objects.create(
                    workshop=workshop,
                    user=user,
                    display_name=user.get_username()[:DISPLAY_NAME_MAX],
                    role=Participant.Role.FACILITATOR,
                    colour=PALETTE[0],
                )
                return workshop
        except IntegrityError:
            # A join-code collision (one in ~10^9): draw another code.
            continue
    raise OperationError("unavailable", "Could not allocate a join code; try again.")


def join_workshop(
    workshop: Workshop, *, display_name: str, user=None, role: str = Participant.Role.PARTICIPANT
) -> Participant:
    if not workshop.is_open:
        raise OperationError("closed", "This workshop has ended.")
    display_name = clean_text(display_name, "display name", DISPLAY_NAME_MAX, required=True)
    role = clean_choice(role, "role", [Participant.Role.PARTICIPANT, Participant.Role.OBSERVER])
    if user is not None and user.is_authenticated:
        existing = workshop.participants.filter(user=user).first()
        if existing is not None:
            return existing
    count = workshop.participants.count()
    return Participant.objects.create(
        workshop=workshop,
        user=user if user is not None and user.is_authenticated else None,
        display_name=display_name,
        role=role,
        colour=PALETTE[count % len(PALETTE)],
        token=secrets.token_urlsafe(32),
    )


def toggle_vote(participant: Participant, touchpoint: Touchpoint, tag: str) -> bool:
    """Add the participant's tag on the note, or take it back. Returns whether it is now on.

    The budget is checked with the participant's row locked, so two tabs voting at once cannot
    both spend the last vote.
    """
    tag = clean_choice(tag, "tag", Tag.values)
    with transaction.atomic():
        voter = (
            Participant.objects.select_for_update()
            .select_related("workshop")
            .get(pk=participant.pk)
        )
        workshop = voter.workshop
        if touchpoint.map_id != workshop.map_id:
            raise OperationError("not_found", "That note is not on this workshop's map.")
        if touchpoint.internal:
            raise OperationError("invalid", "Internal notes are not voted on.")
        if voter.role == Participant.Role.OBSERVER:
            raise OperationError("forbidden", "Observers do not vote.")
        existing = Vote.objects.filter(participant=voter, touchpoint=touchpoint, tag=tag).first()
        if existing is not None:
            existing.delete()
            return False
        if Vote.objects.filter(participant=voter).count() >= workshop.vote_budget:
            raise OperationError("budget_spent", "You have used all your votes.")
        Vote.objects.create(workshop=workshop, participant=voter, touchpoint=touchpoint, tag=tag)
        return True


def set_phase(workshop: Workshop, phase: str) -> Workshop:
    workshop.phase = clean_choice(phase, "phase", Phase.values)
    workshop.save(update_fields=["phase"])
    return workshop
