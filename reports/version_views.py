"""Versions of a map (maps.operations.versions): the list, naming one by hand, comparing any two
(or one with the map now: reports.compare), and restoring one. Anyone who may see the map sees
and compares its versions; owners and editors name and restore them; outsiders get 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from maps import operations as ops
from maps.models import JourneyMap, MapVersion
from maps.permissions import can, get_map_for_user

from .compare import compare_snapshots

NOW = "now"


@login_required
@require_http_methods(["GET", "POST"])
def versions(request: HttpRequest, map_id: int) -> HttpResponse:
    """GET: the versions, newest first. POST (editors): keep the map now under a name."""
    need = "edit" if request.method == "POST" else "view"
    journey_map, role = get_map_for_user(request.user, map_id, need)
    error, name = "", ""
    if request.method == "POST":
        name = request.POST.get("name", "")
        try:
            version = ops.take_version(ops.Actor.for_user(request.user), journey_map, name)
        except ops.OperationError as refused:
            error = refused.message
        else:
            messages.success(request, f"Version “{version.name}” kept.")
            return redirect("map_versions", journey_map.pk)
    listed = MapVersion.objects.filter(map=journey_map).defer("snapshot")
    context = {
        "map": journey_map,
        "role": role,
        "can_edit": can(role, "edit"),
        "versions": listed,
        "error": error,
        "name": name[:200],
    }
    return render(request, "maps/versions.html", context, status=422 if error else 200)


def _side(journey_map: JourneyMap, value: str) -> tuple[str, dict[str, Any], bool]:
    """One side of a comparison: (its label, its snapshot, whether it is imported)."""
    if value == NOW:
        return "the map now", ops.version_snapshot(journey_map), False
    if not value.isdigit() or len(value) > 18:
        raise Http404("No such version.")
    version = MapVersion.objects.filter(pk=int(value), map=journey_map).first()
    if version is None:
        raise Http404("No such version.")
    return f"“{version.name}”", version.snapshot, version.imported


@login_required
@require_GET
def version_compare(request: HttpRequest, map_id: int) -> HttpResponse:
    """Two versions side by side (`a` before, `b` after; either may be "now")."""
    journey_map, _ = get_map_for_user(request.user, map_id, "view")
    a, b = request.GET.get("a", ""), request.GET.get("b", NOW)
    if not a:
        raise Http404("Choose a version to compare.")
    label_a, before, imported_a = _side(journey_map, a)
    label_b, after, imported_b = _side(journey_map, b)
    rows = compare_snapshots(before, after, by_id=not (imported_a or imported_b))
    context = {
        "map": journey_map,
        "rows": rows,
        "label_a": label_a,
        "label_b": label_b,
        "a": a,
        "b": b,
        "versions": MapVersion.objects.filter(map=journey_map).defer("snapshot"),
        "changed": any(r.added or r.removed or r.changed or r.moved for r in rows),
    }
    return render(request, "maps/version_compare.html", context)


@login_required
@require_POST
def version_restore(request: HttpRequest, map_id: int, version_id: int) -> HttpResponse:
    """Make the map what the version holds: one new revision, every open board reloads."""
    journey_map, _ = get_map_for_user(request.user, map_id, "edit")
    try:
        version = ops.get_version(journey_map, version_id)
        ops.restore_version(ops.Actor.for_user(request.user), journey_map, version)
    except ops.OperationError as refused:
        if refused.code == "not_found":
            raise Http404(refused.message) from None
        messages.error(request, refused.message)
        return redirect("map_versions", journey_map.pk)
    messages.success(
        request,
        f"The map is back to “{version.name}”. The map as it was is kept as a version too.",
    )
    return redirect("board", journey_map.pk)
