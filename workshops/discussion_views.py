"""The conversation on the live page: a thread's panel and the people a comment may mention,
for a member of the workshop in good standing (anyone else: 404). Comments and reactions
themselves travel over the websocket (maps.operations.discussion, .reactions)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from maps.discussion import person_key
from maps.discussion_views import thread_response
from maps.errors import Actor
from maps.operations.discussion import mentionable_people

from .access import member_acting
from .models import Participant, Workshop


def _member(request: HttpRequest, workshop_id: int) -> tuple[Workshop, Participant]:
    workshop = Workshop.objects.select_related("map").filter(pk=workshop_id).first()
    participant = (
        member_acting(workshop, request.user, request.COOKIES) if workshop is not None else None
    )
    if workshop is None or participant is None:
        raise Http404("Not a member of this workshop.")
    return workshop, participant


@require_GET
def thread(request: HttpRequest, workshop_id: int) -> HttpResponse:
    workshop, participant = _member(request, workshop_id)
    actor = Actor(
        user=participant.user, name=participant.display_name, participant_id=participant.pk
    )
    may_comment = workshop.is_open and participant.role != Participant.Role.OBSERVER
    return thread_response(request, workshop.map, viewer=person_key(actor), may_comment=may_comment)


@require_GET
def people(request: HttpRequest, workshop_id: int) -> JsonResponse:
    workshop, participant = _member(request, workshop_id)
    if participant.role == Participant.Role.OBSERVER:
        raise Http404("Observers do not comment.")
    return JsonResponse({"people": mentionable_people(workshop.map)})
