"""The map page's edits of its personas (issue 20), through the declared operations as every
board edit: add one from the viewer's library, make one primary, take one off, how a persona
feels at a stage, whose journey a note is on. maps.views' helpers check who may (404 for
outsiders, 403 below the operation's need) and answer with the board or the refusal."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from . import operations as ops
from .models import PERSONAS_MAX, JourneyMap
from .operations import OperationError
from .permissions import get_map_for_user
from .segments_board import library_choices
from .views import _edit, _operate, _posted_id, _posted_id_or_none


@login_required
@require_GET
def persona_form(request: HttpRequest, map_id: int) -> HttpResponse:
    """The "add a persona" form: the viewer's own library, minus those on the map."""
    journey_map, _ = get_map_for_user(request.user, map_id, "edit")
    on_map = ops.persona_ids(journey_map)
    context = {
        "map": journey_map,
        "choices": library_choices(request.user, journey_map, on_map),
        "full": len(on_map) >= PERSONAS_MAX,
        "limit": PERSONAS_MAX,
    }
    return render(request, "maps/_persona_add_form.html", context)


@login_required
@require_POST
def persona_add(request: HttpRequest, map_id: int) -> HttpResponse:
    return _operate(request, map_id, "persona.add")


@login_required
@require_POST
def persona_remove(request: HttpRequest, map_id: int) -> HttpResponse:
    return _operate(request, map_id, "persona.remove")


@login_required
@require_POST
def persona_primary(request: HttpRequest, map_id: int) -> HttpResponse:
    return _operate(request, map_id, "persona.primary")


@login_required
@require_POST
def stage_feel(request: HttpRequest, map_id: int) -> HttpResponse:
    stage_id = _posted_id_or_none(request, "stage")
    return _operate(request, map_id, "stage.feel", focus_stage=stage_id)


@login_required
@require_POST
def note_scope(request: HttpRequest, map_id: int) -> HttpResponse:
    """Whose journey a note is on: the ticked personas (none ticked: everyone's)."""
    note_id = _posted_id_or_none(request, "touchpoint")
    ticked = request.POST.getlist("personas")

    def change(actor: ops.Actor, journey_map: JourneyMap) -> None:
        if not all(value.isdigit() for value in ticked):
            raise OperationError("invalid", "personas must be ids.", field="personas")
        personas = [int(value) for value in ticked]
        ops.scope_touchpoint(actor, journey_map, _posted_id(request, "touchpoint"), personas)

    return _edit(request, map_id, "touchpoint.scope", change, focus_note=note_id)
