"""`{% facilitation_panel %}`: the live page's phase banner, timer, vote budget and (for the
facilitator) the controls, with the state the script starts from. Context: workshop,
participant (as the live page has them)."""

from __future__ import annotations

from typing import Any

from django import template

from workshops.facilitation import BUDGET_MAX, BUDGET_MIN, PHASE_HINTS, hello_state
from workshops.models import Participant, Phase

register = template.Library()


@register.inclusion_tag("workshops/_facilitation.html", takes_context=True)
def facilitation_panel(context: template.Context) -> dict[str, Any]:
    workshop = context["workshop"]
    participant = context["participant"]
    state = hello_state(workshop, participant)
    return {
        "workshop": workshop,
        "participant": participant,
        "state": state,
        "hint": PHASE_HINTS[workshop.phase],
        "phases": Phase.choices,
        "is_facilitator": participant.role == Participant.Role.FACILITATOR,
        "votes": participant.role != Participant.Role.OBSERVER,
        "budget_min": BUDGET_MIN,
        "budget_max": BUDGET_MAX,
    }
