"""The heat-map analysis page and the customer feedback import. Thin: maps.permissions
decides, maps.heat reads, maps.feedback writes (through the operations pattern)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from workshops.models import Workshop

from .feedback import MAX_BYTES, FeedbackImportError, Problem, import_feedback
from .heat import INCONSISTENT_SHARE, REVEALED_PHASES, analyse
from .models import CustomerFeedback
from .operations import Actor
from .permissions import can, get_map_for_user


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
