"""`{% facilitation_panel %}`: the live page's phase banner, timer, vote budget and (for the
facilitator) the controls, with the state the script starts from. Context: workshop,
participant (as the live page has them)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from workshops.access import members_now
from workshops.facilitation import BUDGET_MAX, BUDGET_MIN, PHASE_HINTS, hello_state
from workshops.models import Participant, Phase

register = template.Library()


@register.filter
def role_label(participant: Participant) -> str:
    """What a person is, next to their name: "facilitator", "guest", "guest observer"… (the
    same words static/js/live/markup.js roleLabel writes). From their role, never their name."""
    role = "" if participant.role == Participant.Role.PARTICIPANT else participant.role
    if role == Participant.Role.FACILITATOR:
        return role
    return " ".join(word for word in ("guest" if participant.user_id is None else "", role) if word)


@register.inclusion_tag("workshops/_facilitation.html", takes_context=True)
def facilitation_panel(context: template.Context) -> dict[str, Any]:
    workshop = context["workshop"]
    participant = context["participant"]
    state = hello_state(workshop, participant)
    is_facilitator = participant.role == Participant.Role.FACILITATOR
    phases = list(Phase.choices)
    now = [value for value, _label in phases].index(workshop.phase)
    return {
        "workshop": workshop,
        "participant": participant,
        "people": members_now(workshop) if is_facilitator else [],
        "state": state,
        "hint": PHASE_HINTS[workshop.phase],
        "phases": phases,
        # The stepper's "Next: Vote →" (none once closed).
        "next_phase": phases[now + 1] if now + 1 < len(phases) else None,
        "is_facilitator": is_facilitator,
        "votes": participant.role != Participant.Role.OBSERVER,
        "budget_min": BUDGET_MIN,
        "budget_max": BUDGET_MAX,
        # The map's personas (issue 20): "pain for whom?" when there are several.
        "personas": context.get("personas", []),
        "segmented": context.get("segmented", False),
        # Where the closed workshop's result is: the banner's links (hidden while open).
        "result_links": {
            "pdf": reverse("workshop_pdf", args=[workshop.pk]),
            "analysis": reverse("workshop_analysis", args=[workshop.pk]),
        },
    }
