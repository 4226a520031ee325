"""The history panel's pages: the map's changes newest first, filtered by person, stage or
note (maps.history), for anyone who may see the map (outsiders: 404). The live page asks the
workshop's own URL (workshops.views.history_by_id) for the same partial."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from .history import history, note_label, people
from .models import JourneyMap
from .permissions import get_map_for_user

_PERSON = re.compile(r"(account|guest):[1-9][0-9]{0,17}|system")
_NUMBER = re.compile(r"[1-9][0-9]{0,17}")


def _number(params: QueryDict, name: str) -> int | None:
    value = params.get(name, "")
    return int(value) if _NUMBER.fullmatch(value) else None


def history_context(journey_map: JourneyMap, params: QueryDict, url: str) -> dict[str, Any]:
    """The partial's context from the query's filters; anything malformed is ignored, never
    echoed (a person filter is a key like "account:3", the others are ids)."""
    person = params.get("person", "")
    person = person if _PERSON.fullmatch(person) else ""
    stage, note = _number(params, "stage"), _number(params, "note")
    lines, more = history(
        journey_map,
        person=person,
        stage=stage,
        note=note,
        older_than=_number(params, "older"),
    )
    return {
        "map": journey_map,
        "lines": lines,
        "more": more,
        "people": people(journey_map),
        "stages": list(journey_map.stages.order_by("position", "id").values_list("pk", "name")),
        "person": person,
        "stage": stage,
        "note": note,
        "note_label": note_label(journey_map, note),
        "filtered": bool(person or stage or note),
        # A note's own history, inside its editor: the lines only.
        "compact": params.get("compact") == "1",
        "history_url": url,
    }


@login_required
@require_GET
def map_history(request: HttpRequest, map_id: int) -> HttpResponse:
    """The whole page, or (htmx) the panel alone: after a filter changes, or a note's own
    history loaded into its editor (`?note=`)."""
    journey_map, role = get_map_for_user(request.user, map_id, "view")
    context = history_context(journey_map, request.GET, reverse("map_history", args=[map_id]))
    context["role"] = role
    template = "maps/_history.html" if request.htmx else "maps/history.html"
    return render(request, template, context)
