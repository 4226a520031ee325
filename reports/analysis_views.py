"""The heat-map analysis page, the customer feedback import and the current vs future
comparison. Thin: maps.permissions decides, reports.analysis reads, reports.feedback writes
(through the operations pattern)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from maps.errors import Actor
from maps.heat import INCONSISTENT_SHARE
from maps.models import CustomerFeedback
from maps.permissions import can, get_map_for_user
from workshops.models import Workshop
from workshops.tally import REVEALED_PHASES

from .analysis import analyse
from .compare import compare_maps, compare_personas
from .feedback import MAX_BYTES, FeedbackImportError, Problem, import_feedback


@login_required
def analysis(request: HttpRequest, map_id: int) -> HttpResponse:
    journey_map, role = get_map_for_user(request.user, map_id, "view")
    # Only revealed workshops: before the reveal nobody may see the votes, members included.
    revealed = list(
        Workshop.objects.filter(map=journey_map, phase__in=REVEALED_PHASES, votes__isnull=False)
        .distinct()
        .order_by("-created_at", "-id")
    )
    chosen = revealed[0] if revealed else None
    asked = request.GET.get("workshop", "")
    if asked:
        chosen = next((w for w in revealed if str(w.pk) == asked), None)
        if chosen is None:
            raise Http404("No revealed workshop with that id on this map.")
    result = analyse(journey_map, chosen) if chosen is not None else analyse(journey_map)
    context = {
        "map": journey_map,
        "role": role,
        "can_edit": can(role, "edit"),
        "result": result,
        "workshops": revealed,
        "chosen": chosen,
        "feedback_rows": CustomerFeedback.objects.filter(touchpoint__map=journey_map).count(),
        "gaps": result.gaps[:10],
        "inconsistent_percent": round(INCONSISTENT_SHARE * 100),
    }
    return render(request, "maps/analysis.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def feedback_import(request: HttpRequest, map_id: int) -> HttpResponse:
    journey_map, role = get_map_for_user(request.user, map_id, "edit")
    problems: list[Problem] = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            problems = [Problem(0, "Choose a CSV file to import.")]
        elif upload.size > MAX_BYTES:
            problems = [Problem(0, f"The file is larger than {MAX_BYTES // 1024} KB.")]
        else:
            try:
                done = import_feedback(Actor.for_user(request.user), journey_map, upload.read())
            except FeedbackImportError as refused:
                problems = refused.problems
            else:
                messages.success(
                    request,
                    f"Imported {done.rows} piece{'s' if done.rows != 1 else ''} of customer "
                    "feedback.",
                )
                return redirect("map_analysis", map_id=journey_map.pk)
    context = {"map": journey_map, "role": role, "problems": problems}
    return render(request, "maps/feedback_import.html", context, status=422 if problems else 200)


@login_required
@require_GET
def map_compare(request: HttpRequest, map_id: int) -> HttpResponse:
    """A future-state map beside the current-state map it was made from."""
    future, _ = get_map_for_user(request.user, map_id, "view")
    if future.source_map_id is None:
        raise Http404("This map was not made from a current-state map.")
    current, _ = get_map_for_user(request.user, future.source_map_id, "view")
    context = {
        "map": future,
        "current": current,
        "rows": compare_maps(current, future),
        "personas": compare_personas(current, future),  # issue 20
    }
    return render(request, "maps/compare.html", context)
