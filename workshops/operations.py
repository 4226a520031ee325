"""Changes to workshops: open, join. Phases, timer and votes live in workshops.facilitation;
map changes go through maps.operations."""

from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction

from maps.models import JourneyMap
from maps.operations import OperationError, clean_choice, clean_text

from .facilitation import set_phase, toggle_vote  # noqa: F401 (moved there; kept importable)
from .models import DISPLAY_NAME_MAX, Participant, Workshop

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
    display_name = clean_text(
        display_name, "display name", DISPLAY_NAME_MAX, required=True, field="display_name"
    )
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
