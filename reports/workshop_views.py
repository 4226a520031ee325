"""A closed workshop's result for the people who were in it: its PDF and its analysis.

The map's own pages are for the map's members; a workshop's guests have no account on the map,
yet when the facilitator closes the workshop every screen shows the final board with links to
these (workshops.facilitation.closed_state). So they answer the workshop's members in good
standing (their cookie or session, as the live board: workshops.access), once it is closed, with
that workshop's votes; anyone else, or before the close, gets 404.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from maps.heat import INCONSISTENT_SHARE
from maps.models import CustomerFeedback
from maps.permissions import visible_source
from workshops.access import member_acting
from workshops.models import Workshop

from .analysis import analyse
from .export.pdf import render_in_worker
from .export.report import build_report
from .export_views import _download


def _closed_workshop(request: HttpRequest, workshop_id: int) -> Workshop:
    workshop = Workshop.objects.select_related("map").filter(pk=workshop_id).first()
    if workshop is None or workshop.is_open:
        raise Http404("No closed workshop with that id.")
    if member_acting(workshop, request.user, request.COOKIES) is None:
        raise Http404("No closed workshop with that id.")
    return workshop


@require_GET
def workshop_pdf(request: HttpRequest, workshop_id: int) -> HttpResponse:
    workshop = _closed_workshop(request, workshop_id)
    journey_map = workshop.map
    # The current-state map's comparison only for those who may see that map.
    report = build_report(journey_map, workshop, source=visible_source(request.user, journey_map))
    return _download(render_in_worker(report), journey_map, "pdf", "application/pdf")


@require_GET
def workshop_analysis(request: HttpRequest, workshop_id: int) -> HttpResponse:
    workshop = _closed_workshop(request, workshop_id)
    journey_map = workshop.map
    result = analyse(journey_map, workshop)
    context = {
        "map": journey_map,
        "result": result,
        "workshops": [workshop],
        "chosen": workshop,
        "can_edit": False,
        "back_url": reverse("workshop_live", kwargs={"code": workshop.join_code}),
        "feedback_rows": CustomerFeedback.objects.filter(touchpoint__map=journey_map).count(),
        "gaps": result.gaps[:10],
        "inconsistent_percent": round(INCONSISTENT_SHARE * 100),
    }
    return render(request, "maps/analysis.html", context)
