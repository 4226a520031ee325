"""Websocket handlers for running a workshop (docs/protocol.md, "Facilitation and votes").

The facilitator sets the phase, locks the board, runs the timer, sets the vote budget and
reveals; participants vote in the vote phase. Every message is shape-checked here (no unknown
keys, ids are ids) and validated again by the operation in workshops.facilitation.

None of these writes the map's event log. Their results reach clients as workshop messages
(`workshop.state`, `heat.revealed`, `heat.hidden`) or, for votes, only on the voter's own
connections (`votes.mine`). Every message here is idempotent or harmless when resent (a vote
says the state it wants, not "toggle"), so the client's outbox may resend it after a reconnect.
"""

from __future__ import annotations

from typing import Any

from maps.operations import OperationError, get_touchpoint

from . import facilitation as fac
from .handlers import FACILITATOR, OBSERVER, PARTICIPANT, VOTE_PHASES, Context, handler

ENVELOPE = frozenset({"type", "op_id"})
FACILITATOR_ONLY = (FACILITATOR,)


def fields_of(data: dict[str, Any], required: set[str], optional: set[str] = frozenset()) -> dict:
    """The message's fields minus the envelope, refusing missing and unknown keys."""
    fields = {key: value for key, value in data.items() if key not in ENVELOPE}
    missing = required - fields.keys()
    if missing:
        raise OperationError("invalid", f"Missing field: {sorted(missing)[0]}.")
    unknown = fields.keys() - required - optional
    if unknown:
        raise OperationError("invalid", f"Unknown field: {sorted(unknown)[0][:40]}.")
    return fields


def state_ack(workshop) -> dict[str, Any]:
    return {"workshop": fac.workshop_state(workshop)}


# --- the facilitator's controls ---------------------------------------------------------------


@handler("phase.set", roles=FACILITATOR_ONLY)
def set_phase(ctx: Context, data: dict[str, Any]) -> dict:
    fields = fields_of(data, {"phase"})
    return state_ack(fac.set_phase(ctx.workshop, fields["phase"]))


@handler("votes.reveal", roles=FACILITATOR_ONLY)
def reveal(ctx: Context, data: dict[str, Any]) -> dict:
    fields_of(data, set())
    return state_ack(fac.reveal(ctx.workshop))


@handler("board.lock", roles=FACILITATOR_ONLY)
def lock(ctx: Context, data: dict[str, Any]) -> dict:
    fields = fields_of(data, {"locked"})
    return state_ack(fac.set_locked(ctx.workshop, fields["locked"]))


@handler("votes.budget", roles=FACILITATOR_ONLY)
def budget(ctx: Context, data: dict[str, Any]) -> dict:
    fields = fields_of(data, {"budget"})
    return state_ack(fac.set_vote_budget(ctx.workshop, fields["budget"]))


@handler("timer.start", roles=FACILITATOR_ONLY)
def timer_start(ctx: Context, data: dict[str, Any]) -> dict:
    fields = fields_of(data, {"seconds"})
    return state_ack(fac.start_timer(ctx.workshop, fields["seconds"]))


@handler("timer.extend", roles=FACILITATOR_ONLY)
def timer_extend(ctx: Context, data: dict[str, Any]) -> dict:
    fields = fields_of(data, {"seconds"})
    return state_ack(fac.extend_timer(ctx.workshop, fields["seconds"]))


@handler("timer.pause", roles=FACILITATOR_ONLY)
def timer_pause(ctx: Context, data: dict[str, Any]) -> dict:
    fields_of(data, set())
    return state_ack(fac.pause_timer(ctx.workshop))


@handler("timer.resume", roles=FACILITATOR_ONLY)
def timer_resume(ctx: Context, data: dict[str, Any]) -> dict:
    fields_of(data, set())
    return state_ack(fac.resume_timer(ctx.workshop))


@handler("timer.stop", roles=FACILITATOR_ONLY)
def timer_stop(ctx: Context, data: dict[str, Any]) -> dict:
    fields_of(data, set())
    return state_ack(fac.stop_timer(ctx.workshop))


# --- votes ------------------------------------------------------------------------------------


@handler("vote.set", roles=(FACILITATOR, PARTICIPANT), phases=VOTE_PHASES)
def vote(ctx: Context, data: dict[str, Any]) -> dict:
    """Tag a note (on: true) or take the tag back (on: false). The ack carries only the
    sender's own state; the other tabs of the same person get `votes.mine`."""
    fields = fields_of(data, {"touchpoint", "tag", "on"})
    touchpoint = get_touchpoint(ctx.journey_map, fields["touchpoint"])
    on = fac.set_vote(ctx.participant, touchpoint, fields["tag"], fields["on"])
    mine = fac.my_votes(ctx.participant, ctx.workshop)
    return {"on": on, "remaining": mine["remaining"], "used": mine["used"]}


@handler(
    "workshop.state",
    roles=(FACILITATOR, PARTICIPANT, OBSERVER),
    allowed_when_locked=True,
)
def current_state(ctx: Context, data: dict[str, Any]) -> dict:
    """Ask again for the workshop state, one's own votes and the revealed heat (if any)."""
    fields_of(data, set())
    return fac.hello_state(ctx.workshop, ctx.participant)
