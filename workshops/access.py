"""Who is this workshop member? One answer for HTTP views and the websocket consumer.

An account is recognised by its session (its participant row has `user`); a guest by the
participant's secret token, kept in a per-workshop cookie set when they join. The same browser
therefore rejoins as the same participant, with the same colour and votes.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from django.conf import settings
from django.http import HttpResponse

from journeymap.ratelimit import exhausted, hit

from .models import Participant, Workshop

COOKIE_MAX_AGE = 60 * 60 * 24 * 30  # a month: long enough for a workshop series


def cookie_name(workshop: Workshop | int) -> str:
    workshop_id = workshop if isinstance(workshop, int) else workshop.pk
    return f"jm_participant_{workshop_id}"


def remember_participant(response: HttpResponse, participant: Participant) -> None:
    """Let this browser come back as `participant` (HttpOnly: scripts never see the token)."""
    response.set_cookie(
        cookie_name(participant.workshop_id),
        participant.token,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def find_participant(workshop: Workshop, user, cookies: Mapping[str, str]) -> Participant | None:
    """The participant this request or connection speaks for, or None for a stranger."""
    queryset = Participant.objects.select_related("workshop", "user")
    if user is not None and user.is_authenticated:
        participant = queryset.filter(workshop=workshop, user=user).first()
        if participant is not None:
            return participant
    token = cookies.get(cookie_name(workshop), "")
    if not token or len(token) > 64:
        return None
    participant = queryset.filter(workshop=workshop, token=token).first()
    # Compare again in constant time: the lookup itself is by index, the check is what counts.
    if participant is None or not secrets.compare_digest(participant.token, token):
        return None
    return participant


# Unknown codes looked up from one address per window, by page, form or websocket. Past the
# limit every lookup from that address is refused, found or not: otherwise "join" answering
# 404 or 200 (or the websocket closing with 4404 or 4403) would tell a script which of the
# 31^6 codes exist, however the join form itself is limited.
CODE_MISS_WINDOW = 300


def guessing_codes(address: str) -> bool:
    return exhausted("code-miss", address, settings.JOIN_RATE_LIMIT, CODE_MISS_WINDOW)


def count_code_miss(address: str) -> None:
    hit("code-miss", address, settings.JOIN_RATE_LIMIT, CODE_MISS_WINDOW)


def find_workshop(code: str) -> Workshop | None:
    """The workshop with this join code (case-insensitive: codes are read aloud)."""
    code = (code or "").strip().upper()
    if not code or len(code) > 12:
        return None
    return Workshop.objects.select_related("map").filter(join_code=code).first()
