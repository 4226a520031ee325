"""Running a workshop: phases, the lock, the timer, the vote budget, votes and the reveal.

These are workshop state, not map changes: nothing here writes the map's event log. Each
operation validates its input, writes in one transaction with the workshop row locked, and
tells the room after commit (workshops.notify). Votes are the exception to
"tell the room": until the reveal, a participant's votes and remaining budget go only to that
participant's own connections (notify_participant), and no message to anyone carries counts.

Each operation a client may ask for is declared here, on its function (maps.operations.
registry): its name on the wire, its fields, who may and when. workshops.gate applies the
declaration to the member who asks; the operations never trust the input.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from maps.heat import TAGS
from maps.models import MapVersion, Tag, Touchpoint
from maps.operations import (
    SYSTEM,
    OperationError,
    clean_bool,
    clean_choice,
    clean_id,
    get_touchpoint,
    operation,
    take_version,
)
from maps.operations.registry import BOOL, CHOICE, ID, NUMBER, OPTIONAL_ID, Field
from maps.permissions import When, Who, check_workshop, workshop_gates

from .for_whom import clean_vote_persona
from .models import Participant, Phase, Vote, Workshop, new_join_code
from .notify import close_participant, notify_participant, notify_workshop
from .progress import notify_progress, room_progress
from .tally import REVEALED_PHASES, heat_for_map

WORKSHOP_CLOSED = MapVersion.Kind.WORKSHOP_CLOSED

TIMER_MAX_SECONDS = 2 * 60 * 60
BUDGET_MIN, BUDGET_MAX = 1, 100

# What every screen shows under the phase name: what to do now.
PHASE_HINTS: dict[str, str] = {
    Phase.GATHER: "Add touchpoints: what does the customer experience at each stage?",
    Phase.GROUP: "Group similar notes and tidy the board.",
    Phase.VOTE: "Tag touchpoints as pain point, moment of delight or moment of truth. "
    "Your votes stay hidden until the facilitator reveals them.",
    Phase.REVEAL: "The votes are revealed: look at the heat map.",
    Phase.DISCUSS: "Discuss the hottest touchpoints and who owns them; turn them into action "
    "items: what, who, by when.",
    Phase.CLOSED: "The workshop has ended; the board is read-only.",
}


def is_revealed(workshop: Workshop) -> bool:
    return workshop.phase in REVEALED_PHASES


def lock_workshop(workshop_id: int) -> Workshop:
    """The workshop row, locked for this transaction: facilitation and votes are serialised
    against each other, so no vote slips in after the reveal has counted."""
    workshop = Workshop.objects.select_for_update().filter(pk=workshop_id).first()
    if workshop is None:
        raise OperationError("not_found", "This workshop no longer exists.")
    return workshop


# --- what clients are told ------------------------------------------------------------------


def timer_state(workshop: Workshop, now: datetime | None = None) -> dict[str, Any]:
    """The timer as every screen derives it: a running timer's end time (with the server's
    clock, so a client can correct its own), or a paused timer's remaining seconds."""
    now = now or timezone.now()
    if workshop.timer_ends_at is not None:
        remaining = max(0, math.ceil((workshop.timer_ends_at - now).total_seconds()))
        state = "running" if remaining > 0 else "expired"
        ends_at = workshop.timer_ends_at.isoformat()
    elif workshop.timer_paused_remaining is not None:
        state, remaining, ends_at = "paused", workshop.timer_paused_remaining, None
    else:
        state, remaining, ends_at = "stopped", None, None
    return {"state": state, "ends_at": ends_at, "remaining": remaining, "now": now.isoformat()}


def closed_state(workshop: Workshop) -> dict[str, Any] | None:
    """For a closed workshop, what its pages show instead of the controls: when it ended, and
    where its members find the result (the PDF and the analysis, for them alone:
    reports/workshop_views.py). None while it is open."""
    if workshop.is_open:
        return None
    return {
        "at": workshop.closed_at.isoformat() if workshop.closed_at else None,
        # By name: the reports app (above this one) serves them; the URLs put the two together.
        "pdf": reverse("workshop_pdf", args=[workshop.pk]),
        "analysis": reverse("workshop_analysis", args=[workshop.pk]),
    }


def workshop_state(workshop: Workshop) -> dict[str, Any]:
    """Phase, lock, budget and timer: what every screen of the workshop shows. Never votes.
    Once closed, `closed` says where the result is (closed_state)."""
    return {
        "type": "workshop.state",
        "workshop": workshop.pk,
        "phase": workshop.phase,
        "phase_label": Phase(workshop.phase).label,
        "phase_hint": PHASE_HINTS[workshop.phase],
        "locked": workshop.locked,
        "vote_budget": workshop.vote_budget,
        "revealed": is_revealed(workshop),
        "votes_per_persona": workshop.votes_per_persona,
        "timer": timer_state(workshop),
        "closed": closed_state(workshop),
        # Why each role's controls are disabled now (maps.permissions.workshop_gates).
        "gates": workshop_gates(workshop.phase, workshop.locked),
    }


def my_votes(participant: Participant, workshop: Workshop) -> dict[str, Any]:
    """One participant's own votes, remaining budget and whether they said they are done:
    for that participant's eyes only."""
    votes = list(
        Vote.objects.filter(participant=participant)
        .order_by("touchpoint_id", "tag", "persona_id")
        .values_list("touchpoint_id", "tag", "persona_id")
    )
    used = len(votes)
    return {
        "type": "votes.mine",
        "workshop": workshop.pk,
        # `persona` only on a vote for one persona (issue 20): a vote for everyone is as ever.
        "votes": [
            {"touchpoint": tp, "tag": tag, **({"persona": p} if p else {})} for tp, tag, p in votes
        ],
        "budget": workshop.vote_budget,
        "used": used,
        "remaining": max(0, workshop.vote_budget - used),
        "ready": participant.ready_at is not None,
    }


def revealed_heat(workshop: Workshop) -> dict[str, Any]:
    """The workshop's counts per tag on every customer-visible note, with heat levels. Only
    ever sent once the workshop is revealed."""
    heat = heat_for_map(workshop.map, workshop)
    voters = next(iter(heat.values())).voters if heat else 0
    return {
        "type": "heat.revealed",
        "workshop": workshop.pk,
        "voters": voters,
        "heat": {
            str(pk): {
                "counts": entry.counts,
                "levels": {tag: entry.level(tag) for tag in TAGS},
                "top": entry.top_tag,
                "inconsistent": entry.inconsistent,
            }
            for pk, entry in heat.items()
        },
    }


def hello_state(workshop: Workshop, participant: Participant) -> dict[str, Any]:
    """What a (re)connecting client needs besides the map: the workshop state, its own votes,
    the revealed heat when there is one, and for the facilitator the room's progress.
    `participant.role` is the role they act with now (the callers set it)."""
    facilitating = participant.role == Participant.Role.FACILITATOR
    return {
        "workshop": workshop_state(workshop),
        "my_votes": my_votes(participant, workshop),
        "heat": revealed_heat(workshop) if is_revealed(workshop) else None,
        "progress": room_progress(workshop) if facilitating else None,
    }


# --- what each operation answers its sender -------------------------------------------------


def state_ack(workshop: Workshop, _participant: Participant) -> dict[str, Any]:
    return {"workshop": workshop_state(workshop)}


def vote_ack(on: bool, participant: Participant) -> dict[str, Any]:
    """Only the sender's own state; the other tabs of the same person get `votes.mine`."""
    mine = my_votes(participant, participant.workshop)
    return {"on": on, "remaining": mine["remaining"], "used": mine["used"]}


def as_is(result: dict[str, Any], _participant: Participant) -> dict[str, Any]:
    return result


def facilitation(name: str, *fields: Field, when: When = When.ANYTIME):
    """Declare a facilitator's control: acts on the workshop, answered with its state."""
    return operation(
        name, *fields, who=Who.FACILITATOR, when=when, target="workshop", ack=state_ack
    )


# --- phases and the lock --------------------------------------------------------------------


@facilitation(
    "phase.set",
    Field("phase", CHOICE, required=True, note="gather, group, vote, reveal, discuss, closed"),
)
def set_phase(workshop: Workshop, phase: Any) -> Workshop:
    """Move the workshop to `phase`. Entering reveal, discuss or closed from an earlier phase
    reveals the votes to everyone; going back to vote (or before) hides them again. A new
    phase asks afresh who is done (the ready check is cleared); closing stops the timer."""
    phase = clean_choice(phase, "phase", Phase.values)
    with transaction.atomic():
        locked = lock_workshop(workshop.pk)
        was_revealed = is_revealed(locked)
        if locked.phase != phase:
            Participant.objects.filter(workshop=locked).update(ready_at=None)
        locked.phase = phase
        fields = ["phase"]
        if phase == Phase.CLOSED:
            locked.timer_ends_at = locked.timer_paused_remaining = None
            fields += ["timer_ends_at", "timer_paused_remaining"]
        if is_revealed(locked) and not was_revealed:
            locked.revealed_at = timezone.now()
            fields.append("revealed_at")
        closing = phase == Phase.CLOSED and locked.closed_at is None
        if closing:
            locked.closed_at = timezone.now()
            fields.append("closed_at")
        locked.save(update_fields=fields)
        notify_workshop(locked.pk, workshop_state(locked))
        notify_progress(locked)
        if is_revealed(locked) and not was_revealed:
            notify_workshop(locked.pk, revealed_heat(locked))
        elif was_revealed and not is_revealed(locked):
            notify_workshop(locked.pk, {"type": "heat.hidden", "workshop": locked.pk})
    if closing:  # the map as the room left it (docs/design.md, "Versions"); after the
        # workshop's lock is let go: an undo holding the map's lock may be adding votes to it
        take_version(SYSTEM, locked.map, f"“{locked}” closed"[:120], WORKSHOP_CLOSED)
    _refresh(workshop, locked)
    return workshop


@facilitation("votes.reveal")
def reveal(workshop: Workshop) -> Workshop:
    """Show every screen the counts: the facilitator's reveal button."""
    return set_phase(workshop, Phase.REVEAL)


@facilitation("board.lock", Field("locked", BOOL, required=True))
def set_locked(workshop: Workshop, locked: Any) -> Workshop:
    """Lock or unlock the board: while locked only the facilitator changes anything."""
    locked_value = clean_bool(locked, "locked")
    with transaction.atomic():
        locked = lock_workshop(workshop.pk)
        locked.locked = locked_value
        locked.save(update_fields=["locked"])
        notify_workshop(locked.pk, workshop_state(locked))
    _refresh(workshop, locked)
    return workshop


@facilitation("votes.budget", Field("budget", NUMBER, required=True, note="1–100"))
def set_vote_budget(workshop: Workshop, budget: Any) -> Workshop:
    """Votes per participant. Lowering it below what someone has cast keeps their votes but
    allows no new ones until they take some back."""
    if isinstance(budget, bool) or not isinstance(budget, int):
        raise OperationError("invalid", "The vote budget must be a whole number.")
    if not BUDGET_MIN <= budget <= BUDGET_MAX:
        raise OperationError(
            "invalid", f"The vote budget must be from {BUDGET_MIN} to {BUDGET_MAX}."
        )
    with transaction.atomic():
        locked = lock_workshop(workshop.pk)
        locked.vote_budget = budget
        locked.save(update_fields=["vote_budget"])
        notify_workshop(locked.pk, workshop_state(locked))
        notify_progress(locked)  # who still has votes left has changed
    _refresh(workshop, locked)
    return workshop


# --- the timer ------------------------------------------------------------------------------


def clean_seconds(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise OperationError("invalid", "The timer's length must be a whole number of seconds.")
    if not 1 <= value <= TIMER_MAX_SECONDS:
        raise OperationError(
            "invalid", f"The timer runs from 1 second to {TIMER_MAX_SECONDS // 60} minutes."
        )
    return value


def _timer_change(workshop: Workshop, change) -> Workshop:
    with transaction.atomic():
        locked = lock_workshop(workshop.pk)
        change(locked, timezone.now())
        locked.save(update_fields=["timer_ends_at", "timer_paused_remaining"])
        notify_workshop(locked.pk, workshop_state(locked))
    _refresh(workshop, locked)
    return workshop


@facilitation("timer.start", Field("seconds", NUMBER, required=True, note="1–7200"))
def start_timer(workshop: Workshop, seconds: Any) -> Workshop:
    """Start (or restart) a countdown of `seconds` from now."""
    seconds = clean_seconds(seconds)

    def change(w: Workshop, now: datetime) -> None:
        w.timer_ends_at = now + timedelta(seconds=seconds)
        w.timer_paused_remaining = None

    return _timer_change(workshop, change)


@facilitation("timer.extend", Field("seconds", NUMBER, required=True, note="1–7200"))
def extend_timer(workshop: Workshop, seconds: Any) -> Workshop:
    """Add time: to a running timer's end, to a paused timer's rest; a stopped or expired timer
    starts again with `seconds`."""
    seconds = clean_seconds(seconds)

    def change(w: Workshop, now: datetime) -> None:
        if w.timer_paused_remaining is not None:
            remaining = w.timer_paused_remaining + seconds
        elif w.timer_ends_at is not None and w.timer_ends_at > now:
            remaining = math.ceil((w.timer_ends_at - now).total_seconds()) + seconds
        else:
            remaining = seconds
        if remaining > TIMER_MAX_SECONDS:
            raise OperationError(
                "invalid", f"The timer cannot run longer than {TIMER_MAX_SECONDS // 60} minutes."
            )
        if w.timer_paused_remaining is not None:
            w.timer_paused_remaining = remaining
        elif w.timer_ends_at is not None and w.timer_ends_at > now:
            w.timer_ends_at += timedelta(seconds=seconds)
        else:
            w.timer_ends_at = now + timedelta(seconds=seconds)

    return _timer_change(workshop, change)


@facilitation("timer.pause")
def pause_timer(workshop: Workshop) -> Workshop:
    """Freeze a running timer: its remaining seconds are kept until it resumes."""

    def change(w: Workshop, now: datetime) -> None:
        if w.timer_ends_at is None or w.timer_ends_at <= now:
            raise OperationError("invalid", "The timer is not running.")
        w.timer_paused_remaining = math.ceil((w.timer_ends_at - now).total_seconds())
        w.timer_ends_at = None

    return _timer_change(workshop, change)


@facilitation("timer.resume")
def resume_timer(workshop: Workshop) -> Workshop:
    def change(w: Workshop, now: datetime) -> None:
        if w.timer_paused_remaining is None:
            raise OperationError("invalid", "The timer is not paused.")
        w.timer_ends_at = now + timedelta(seconds=w.timer_paused_remaining)
        w.timer_paused_remaining = None

    return _timer_change(workshop, change)


@facilitation("timer.stop")
def stop_timer(workshop: Workshop) -> Workshop:
    def change(w: Workshop, now: datetime) -> None:
        w.timer_ends_at = None
        w.timer_paused_remaining = None

    return _timer_change(workshop, change)


# --- who is in, and the way in ---------------------------------------------------------------


@operation(
    "participant.remove",
    Field("participant", ID, required=True, note="anyone but the facilitator"),
    who=Who.FACILITATOR,
    when=When.ANYTIME,
    target="workshop",
    ack=as_is,
)
def remove_participant(workshop: Workshop, participant: Any) -> dict[str, Any]:
    """Take someone out of the workshop: every tab of theirs closes (4410), and their cookie
    or account is refused from then on (the row stays, marked, so they cannot join again as
    someone new from that browser; a new join code keeps the rest of the world out too).
    Before the reveal their votes are taken back, never counted; after it the counts are
    final and stay. What they did to the map stays: it is the map's, like everyone's."""
    participant_id = clean_id(participant, "participant")
    with transaction.atomic():
        locked = lock_workshop(workshop.pk)
        person = (
            Participant.objects.select_for_update()
            .filter(pk=participant_id, workshop=locked)
            .first()
        )
        if person is None:
            raise OperationError("not_found", "That person is not in this workshop.")
        if person.role == Participant.Role.FACILITATOR:
            raise OperationError("invalid", "The facilitator cannot be removed.")
        if person.removed_at is None:
            person.removed_at = timezone.now()
            person.save(update_fields=["removed_at"])
            if not is_revealed(locked):
                Vote.objects.filter(participant=person).delete()
            notify_workshop(
                locked.pk,
                {"type": "participant.removed", "workshop": locked.pk, "participant": person.pk},
            )
            close_participant(person.pk)
            notify_progress(locked)
    return {"removed": person.pk}


@operation("code.renew", who=Who.FACILITATOR, when=When.ANYTIME, target="workshop", ack=as_is)
def renew_join_code(workshop: Workshop) -> dict[str, Any]:
    """A new join code: the old one stops working at once (joining, the code page, the
    websocket by code), for a code that got out (a screenshot, a removed participant). Members
    stay: their pages reconnect and re-fetch by the workshop's id, and everyone in the room
    is told the new code (`workshop.code`)."""
    for _ in range(5):
        try:
            with transaction.atomic():
                locked = lock_workshop(workshop.pk)
                locked.join_code = new_join_code()
                locked.save(update_fields=["join_code"])
                message = {"type": "workshop.code", "workshop": locked.pk, "code": locked.join_code}
                notify_workshop(locked.pk, message)
        except IntegrityError:
            continue  # a code another workshop has (one in ~10^9): draw again
        workshop.join_code = locked.join_code
        return {"code": locked.join_code}
    raise OperationError("unavailable", "Could not draw a new join code; try again.")


# --- votes ----------------------------------------------------------------------------------


def toggle_vote(participant: Participant, touchpoint: Touchpoint, tag: str) -> bool:
    """Add the participant's tag on the note, or take it back. Returns whether it is now on."""
    tag = clean_choice(tag, "tag", Tag.values)
    votes = Vote.objects.filter(participant=participant, touchpoint=touchpoint, tag=tag)
    on = not votes.filter(persona__isnull=True).exists()
    return set_vote(participant, touchpoint, tag, on)


@operation(
    "vote.set",
    Field("touchpoint", ID, required=True),
    Field("tag", CHOICE, required=True, note='"pain", "delight" or "truth"'),
    Field("on", BOOL, required=True, note="false takes the tag back"),
    Field("persona", OPTIONAL_ID, note="for whom, when the workshop votes per persona"),
    who=Who.VOTERS,
    when=When.VOTING,
    target="participant",
    ack=vote_ack,
)
def set_vote(
    participant: Participant,
    touchpoint: Touchpoint | int,
    tag: Any,
    on: Any,
    persona: Any = None,
) -> bool:
    """Put the participant's `tag` on the note (`on`) or take it off. Returns whether it is on.

    Setting a state rather than toggling makes a resent message harmless. Only in the vote
    phase, whoever asks, the facilitator too (after the reveal the counts are final): the rules
    are checked again here, with the workshop row locked, so no vote slips in after the phase
    changed. The budget is checked with the workshop and the participant's rows locked, so two
    tabs voting at once cannot both spend the last vote (on SQLite the IMMEDIATE transaction
    serialises them). The result goes to the voter's own connections only.
    """
    tag = clean_choice(tag, "tag", Tag.values)
    on = clean_bool(on, "on")
    with transaction.atomic():
        workshop = lock_workshop(participant.workshop_id)
        voter = Participant.objects.select_for_update().get(pk=participant.pk)
        if not isinstance(touchpoint, Touchpoint):
            touchpoint = get_touchpoint(workshop.map, touchpoint)
        if touchpoint.map_id != workshop.map_id:
            raise OperationError("not_found", "That note is not on this workshop's map.")
        check_workshop(Who.VOTERS, When.VOTING, voter.role, workshop.phase, workshop.locked)
        if touchpoint.internal:
            raise OperationError("invalid", "Internal notes are not voted on.")
        for_whom = clean_vote_persona(workshop, touchpoint, persona)  # issue 20
        existing = Vote.objects.filter(
            participant=voter, touchpoint=touchpoint, tag=tag, persona_id=for_whom
        )
        if not on:
            existing.delete()
        elif not existing.exists():
            if Vote.objects.filter(participant=voter).count() >= workshop.vote_budget:
                raise OperationError("budget_spent", "You have used all your votes.")
            Vote.objects.create(
                workshop=workshop,
                participant=voter,
                touchpoint=touchpoint,
                tag=tag,
                persona_id=for_whom,
            )
        notify_participant(voter.pk, my_votes(voter, workshop))
        notify_progress(workshop)
        return on


# --- the ready check ---------------------------------------------------------------------------


@operation(
    "ready.set",
    Field("ready", BOOL, required=True, note="false takes it back"),
    who=Who.VOTERS,
    when=When.ALWAYS,
    target="participant",
    ack=as_is,
)
def set_ready(participant: Participant, ready: Any) -> dict[str, Any]:
    """ "I'm done" (or not yet), in any phase, locked too: the facilitator sees who is
    (progress.room_progress), nobody else does. Saying the wanted state makes a resend
    harmless. The person's other tabs are told through `votes.mine`."""
    ready = clean_bool(ready, "ready")
    with transaction.atomic():
        workshop = lock_workshop(participant.workshop_id)
        if not workshop.is_open:
            raise OperationError("closed", "This workshop has ended; the board is read-only.")
        person = Participant.objects.select_for_update().get(pk=participant.pk)
        if (person.ready_at is not None) != ready:
            person.ready_at = timezone.now() if ready else None
            person.save(update_fields=["ready_at"])
        notify_participant(person.pk, my_votes(person, workshop))
        notify_progress(workshop)
    return {"ready": ready}


@facilitation("ready.reset")
def reset_ready(workshop: Workshop) -> Workshop:
    """Ask the room again: nobody is done any more (`ready.cleared` to everyone)."""
    with transaction.atomic():
        locked = lock_workshop(workshop.pk)
        Participant.objects.filter(workshop=locked).update(ready_at=None)
        notify_workshop(locked.pk, {"type": "ready.cleared", "workshop": locked.pk})
        notify_progress(locked)
    return workshop


@operation(
    "workshop.state",
    who=Who.EVERYONE,
    when=When.ALWAYS,
    target="participant",
    ack=as_is,
)
def current_state(participant: Participant) -> dict[str, Any]:
    """Ask again for the workshop state, one's own votes and the revealed heat (if any)."""
    return hello_state(participant.workshop, participant)


def _refresh(target: Workshop, source: Workshop) -> None:
    """Copy the saved state onto the caller's instance, so it sees what it changed."""
    for name in (
        "phase",
        "locked",
        "vote_budget",
        "timer_ends_at",
        "timer_paused_remaining",
        "revealed_at",
        "closed_at",
        "votes_per_persona",
    ):
        setattr(target, name, getattr(source, name))
