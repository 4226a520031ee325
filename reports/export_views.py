"""Downloads of a map (PDF, JSON, CSV) and the JSON import page.

Any member may download (viewer is enough); anyone else gets 404 from maps.permissions. These
are plain sync views: under ASGI Django runs each in a worker thread, never on the event loop
that serves the websockets, and the PDF itself is drawn in reports.export.pdf's render thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods

from maps import operations as ops
from maps.models import JourneyMap
from maps.permissions import get_map_for_user, visible_source

from .export import actions_csv, csv_io, json_io
from .export.pdf import PAPER, render_in_worker
from .export.report import build_report


def _download(
    content: bytes | str, journey_map: JourneyMap, extension: str, kind: str, suffix: str = ""
):
    response = HttpResponse(content, content_type=kind)
    # slugify keeps the name ASCII, so every browser accepts the header as it is.
    name = slugify(journey_map.title)[:60] or f"journey-map-{journey_map.pk}"
    response["Content-Disposition"] = f'attachment; filename="{name}{suffix}.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def map_pdf(request: HttpRequest, map_id: int) -> HttpResponse:
    journey_map, _ = get_map_for_user(request.user, map_id, "view")
    paper = request.GET.get("paper", "a4")
    if paper not in PAPER:
        paper = "a4"
    # Database reads here, in the request's thread; drawing in the render thread.
    source = visible_source(request.user, journey_map)
    pdf = render_in_worker(build_report(journey_map, source=source), paper)
    return _download(pdf, journey_map, "pdf", "application/pdf")


@login_required
@require_GET
def map_json(request: HttpRequest, map_id: int) -> HttpResponse:
    """The whole map. Voters are pseudonyms ("Voter 1") unless the map's owner or an editor
    asks for their names (`?voters=names`): who cast which vote is theirs to hand out. The
    map's versions only on `?history=1` (anyone who may see the map sees its versions)."""
    names = request.GET.get("voters") == "names"
    journey_map, _ = get_map_for_user(request.user, map_id, "edit" if names else "view")
    history = request.GET.get("history") == "1"
    document = json_io.export_document(journey_map, voter_names=names, with_history=history)
    document = json_io.dumps(document)
    return _download(document, journey_map, "json", "application/json; charset=utf-8")


@login_required
@require_GET
def map_csv(request: HttpRequest, map_id: int) -> HttpResponse:
    journey_map, _ = get_map_for_user(request.user, map_id, "view")
    # A byte-order mark so spreadsheet programs read the file as UTF-8 (accents, CJK).
    content = "\ufeff" + csv_io.export_csv(journey_map)
    return _download(content, journey_map, "csv", "text/csv; charset=utf-8")


@login_required
@require_http_methods(["GET", "POST"])
def map_import(request: HttpRequest) -> HttpResponse:
    errors: list[str] = []
    if request.method == "POST":
        upload = request.FILES.get("document")
        if upload is None:
            errors = ["Choose a JSON file exported from Journeymap."]
        elif upload.size > json_io.MAX_BYTES:
            errors = [f"file: larger than {json_io.MAX_BYTES // (1024 * 1024)} MB"]
        else:
            try:
                document = json_io.loads(upload.read())
                journey_map, _ = json_io.import_map(ops.Actor.for_user(request.user), document)
            except json_io.DocumentInvalid as problem:
                errors = problem.errors
            except ops.OperationError as problem:
                errors = [problem.message]
            else:
                return redirect("board", map_id=journey_map.pk)
    status = 400 if errors else 200
    context = {"errors": errors, "max_mb": json_io.MAX_BYTES // (1024 * 1024)}
    return render(request, "maps/import.html", context, status=status)


def _import_rows(
    request: HttpRequest,
    parse: Callable[[bytes], Any],
    apply: Callable[[Any], list[Any]],
) -> tuple[list[str], list[Any] | None]:
    """One CSV upload, all rows or none: the problems to show, or the events it made."""
    upload = request.FILES.get("document")
    if upload is None:
        return ["Choose a CSV file."], None
    if upload.size > csv_io.MAX_BYTES:
        return [f"file: larger than {csv_io.MAX_BYTES // (1024 * 1024)} MB"], None
    try:
        return [], apply(parse(upload.read()))
    except csv_io.RowsInvalid as problem:
        return problem.errors, None
    except ops.OperationError as problem:
        return problem.details.get("errors") or [problem.message], None


@login_required
@require_http_methods(["GET", "POST"])
def map_import_csv(request: HttpRequest, map_id: int) -> HttpResponse:
    """Add touchpoints to a map from a CSV (editor role): all rows or none."""
    journey_map, _ = get_map_for_user(request.user, map_id, "edit")
    errors: list[str] = []
    if request.method == "POST":
        actor = ops.Actor.for_user(request.user)
        errors, events = _import_rows(
            request,
            csv_io.parse_touchpoints,
            lambda rows: ops.import_touchpoints(actor, journey_map, rows),
        )
        if events is not None:
            added = sum(e.type == "touchpoint.added" for e in events)
            messages.success(request, f"Added {added} touchpoints from the CSV file.")
            return redirect("board", map_id=journey_map.pk)
    context = {"map": journey_map, "errors": errors, "columns": csv_io.HEADER}
    return render(request, "maps/import_csv.html", context, status=400 if errors else 200)


@login_required
@require_GET
def map_actions_csv(request: HttpRequest, map_id: int) -> HttpResponse:
    """The map's action items: who does what by when (any member)."""
    journey_map, _ = get_map_for_user(request.user, map_id, "view")
    content = "\ufeff" + actions_csv.export_actions_csv(journey_map)
    return _download(content, journey_map, "csv", "text/csv; charset=utf-8", suffix="-actions")


@login_required
@require_http_methods(["GET", "POST"])
def map_import_actions_csv(request: HttpRequest, map_id: int) -> HttpResponse:
    """Add action items to a map from a CSV (editor role): all rows or none."""
    journey_map, _ = get_map_for_user(request.user, map_id, "edit")
    errors: list[str] = []
    if request.method == "POST":
        actor = ops.Actor.for_user(request.user)
        errors, events = _import_rows(
            request,
            actions_csv.parse_actions,
            lambda rows: ops.import_actions(actor, journey_map, rows),
        )
        if events is not None:
            messages.success(request, f"Added {len(events)} action items from the CSV file.")
            return redirect("board", map_id=journey_map.pk)
    context = {"map": journey_map, "errors": errors, "columns": actions_csv.HEADER}
    return render(request, "maps/import_actions_csv.html", context, status=400 if errors else 200)
