"""Votes per persona (issue 20, "pain for whom?"): the facilitator lets voters say which of the
map's personas a tag is for; `vote.set` then carries an optional `persona`. Off by default, and
a vote without a persona is for everyone, as before (docs/voting.md)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from maps.operations import clean_bool
from maps.operations.registry import BOOL, Field

from .facilitation import _refresh, facilitation, lock_workshop, workshop_state
from .models import Workshop
from .notify import notify_workshop


@facilitation("votes.per_persona", Field("on", BOOL, required=True, note="voters may say for whom"))
def set_votes_per_persona(workshop: Workshop, on: Any) -> Workshop:
    """Let voters say which persona a tag is for, or not. Votes already cast stay as they are
    (turning it off keeps the per-persona votes: they are counted for everyone, as all votes)."""
    value = clean_bool(on, "on")
    with transaction.atomic():
        locked = lock_workshop(workshop.pk)
        locked.votes_per_persona = value
        locked.save(update_fields=["votes_per_persona"])
        notify_workshop(locked.pk, workshop_state(locked))
    _refresh(workshop, locked)
    return workshop
