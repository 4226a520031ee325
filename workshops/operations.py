"""Changes to workshops: open, join. Phases, timer and votes live in workshops.facilitation;
map changes go through maps.operations."""

from __future__ import annotations

import secrets
import unicodedata

from django.db import IntegrityError, transaction

from maps.models import JourneyMap, MapVersion
from maps.operations import Actor, OperationError, clean_choice, clean_text, take_version
from maps.permissions import role_for, workshop_role_on_map

from .facilitation import set_phase, toggle_vote  # noqa: F401 (moved there; kept importable)
from .models import DISPLAY_NAME_MAX, Participant, Workshop
from .progress import notify_progress

WORKSHOP_OPENED = MapVersion.Kind.WORKSHOP_OPENED

# Words a guest's name may not contain: on every screen it would read as the person running the
# workshop. (The role itself is shown next to every name, from the server, not from the name.)
RESERVED_NAME_WORDS = ("facilitator",)


def clean_display_name(value: str) -> str:
    """A display name: 1-40 characters of text, without a role's name in it. Compared after
    NFKC folding with invisible characters taken out, so the full-width or zero-width-split
    spellings are refused too (look-alike letters of other scripts are what the role badges are for)."""
    name = clean_text(value, "display name", DISPLAY_NAME_MAX, required=True, field="display_name")
    folded = "".join(
        c for c in unicodedata.normalize("NFKC", name) if unicodedata.category(c) != "Cf"
    ).casefold()
    for word in RESERVED_NAME_WORDS:
        if word in folded:
            raise OperationError(
                "invalid",
                f"Please pick another name: “{word}” is shown only for the workshop's {word}.",
                field="display_name",
            )
    return name


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
                # The map as it was before the room changed it (docs/design.md, "Versions").
                name = f"“{workshop}” opened"[:120]
                take_version(Actor.for_user(user), journey_map, name, WORKSHOP_OPENED)
                return workshop
        except IntegrityError:
            # A join-code collision (one in ~10^9): draw another code.
            continue
    raise OperationError("unavailable", "Could not allocate a join code; try again.")


def join_workshop(
    workshop: Workshop, *, display_name: str, user=None, role: str = Participant.Role.PARTICIPANT
) -> Participant:
    """A new participant (or an account's existing one).

    A member of the map joins with their account, in a role no higher than their map role
    allows (a viewer watches: maps.permissions.workshop_role_on_map), and keeps acting with
    their account's rights: removed from the map, they are out of its workshops too. Anyone
    else joins as a guest, an account not on the map included: recognised by the cookie."""
    if not workshop.is_open:
        raise OperationError("closed", "This workshop has ended.")
    display_name = clean_display_name(display_name)
    role = clean_choice(role, "role", [Participant.Role.PARTICIPANT, Participant.Role.OBSERVER])
    signed_in = user is not None and user.is_authenticated
    map_role = role_for(user, workshop.map) if signed_in else None
    account = user if map_role is not None else None
    if account is not None:
        existing = workshop.participants.filter(user=account).first()
        if existing is not None:
            return existing
        role = workshop_role_on_map(role, map_role)
    count = workshop.participants.count()
    participant = Participant.objects.create(
        workshop=workshop,
        user=account,
        display_name=display_name,
        role=role,
        colour=PALETTE[count % len(PALETTE)],
        token=secrets.token_urlsafe(32),
    )
    notify_progress(workshop)  # "3 of 5": one more
    return participant
