"""The conversation on the map's page: a thread's panel, the people a comment may mention,
and the comment and reaction operations posted by static/js/live/comments.js (the live page
sends the same operations over its websocket). Thin: maps.permissions decides who may (an
outsider gets 404), maps.operations does the change. The workshop's live page has its own
thread and people views (workshops/discussion_views.py), rendered by `thread_response`."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from . import operations as ops
from .discussion import person_key, thread_view
from .errors import OperationError
from .models import JourneyMap
from .operations import registry
from .operations.discussion import mentionable_people
from .permissions import can, get_map_for_user, need_on_map

# The operations the page posts here; any other name is a 404.
DISCUSSION_OPERATIONS = frozenset(
    {
        "comment.add",
        "comment.edit",
        "comment.delete",
        "thread.resolve",
        "thread.reopen",
        "reaction.set",
    }
)


def _target(request: HttpRequest) -> dict[str, int | None]:
    """The thread's note or stage, from the query: exactly one, digits."""
    touchpoint, stage = request.GET.get("touchpoint", ""), request.GET.get("stage", "")
    if bool(touchpoint) == bool(stage) or not (touchpoint or stage).isdigit():
        raise Http404("Name a note or a stage.")
    return {
        "touchpoint": int(touchpoint) if touchpoint else None,
        "stage": int(stage) if stage else None,
    }


def thread_response(
    request: HttpRequest,
    journey_map: JourneyMap,
    *,
    viewer: str | None,
    may_comment: bool,
) -> HttpResponse:
    """A thread's panel body (templates/maps/_thread.html) for whoever the caller admitted.
    A note or stage that is not on this map is a 404, as everywhere."""
    target = _target(request)
    try:
        if target["touchpoint"]:
            subject = ops.get_touchpoint(journey_map, target["touchpoint"])
        else:
            subject = ops.get_stage(journey_map, target["stage"])
    except OperationError:
        raise Http404("No such note or stage on this map.") from None
    context: dict[str, Any] = {
        **thread_view(journey_map, viewer=viewer, **target),
        "subject": subject,
        "kind": "touchpoint" if target["touchpoint"] else "stage",
        "may_comment": may_comment,
    }
    return render(request, "maps/_thread.html", context)


@require_GET
def thread(request: HttpRequest, map_id: int) -> HttpResponse:
    journey_map, role = get_map_for_user(request.user, map_id, "view")
    viewer = person_key(ops.Actor.for_user(request.user))
    return thread_response(request, journey_map, viewer=viewer, may_comment=can(role, "edit"))


@require_GET
def people(request: HttpRequest, map_id: int) -> JsonResponse:
    """Whom a comment may mention (the @ autocomplete), for those who may comment."""
    journey_map, _ = get_map_for_user(request.user, map_id, "edit")
    return JsonResponse({"people": mentionable_people(journey_map)})


def _posted(declared: registry.Operation, request: HttpRequest) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for field in declared.fields:
        if field.name not in request.POST:
            continue
        value = request.POST.get(field.name, "")
        if field.name == "mentions":
            fields["mentions"] = [v for v in request.POST.getlist("mentions") if v]
        elif field.kind is registry.ID:
            fields[field.name] = int(value) if value.isdigit() else value
        elif field.kind is registry.BOOL:
            fields[field.name] = value in ("1", "true", "on")
        else:
            fields[field.name] = value
    return fields


@require_POST
def operate(request: HttpRequest, map_id: int) -> JsonResponse:
    """One comment or reaction operation from the map's page (`type` names it, as on the
    websocket): the event as the websocket's ack would carry it, or the refusal (422) with
    its code and message."""
    operation = request.POST.get("type", "")
    if operation not in DISCUSSION_OPERATIONS:
        raise Http404("No such operation.")
    declared = ops.OPERATIONS[operation]
    journey_map, _ = get_map_for_user(request.user, map_id, need_on_map(declared.who))
    try:
        fields = declared.clean(_posted(declared, request))
        event = declared.fn(ops.Actor.for_user(request.user), journey_map, **fields)
    except OperationError as refused:
        body = {"type": "error", "code": refused.code, "message": refused.message}
        if "field" in refused.details:
            body["field"] = refused.details["field"]
        return JsonResponse(body, status=422)
    return JsonResponse({"type": "ack", "revision": event.revision, "event": event.as_message()})
