"""Pages of the map domain and the board's htmx edits. Views stay thin: maps.permissions decides
who may, maps.forms converts what the browser sent, maps.operations changes the map (and makes
the event every open board hears)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget

from . import operations as ops
from .board import board_context, editor_urls
from .forms import (
    MapCreateForm,
    MapSettingsForm,
    MemberForm,
    NoteAddForm,
    NoteForm,
    StageForm,
)
from .models import JourneyMap, Stage, Touchpoint
from .operations import OperationError, registry
from .permissions import get_map_for_user, need_on_map, visible_source
from .segments_board import note_scope_choices, stage_feelings_forms
from .serializers import STAGE_LANES

# --- helpers --------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> ops.Actor:
    return ops.Actor.for_user(request.user)


def _form_message(form: forms.Form) -> str:
    """A form's errors as one sentence per field, for the board's status line."""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else None
        prefix = f"{label or name.replace('_', ' ').capitalize()}: " if name != "__all__" else ""
        parts.append(prefix + " ".join(errors))
    return " ".join(parts)


def _valid(form: forms.Form) -> dict[str, Any]:
    """The form's cleaned data, or an OperationError the caller shows like any refusal."""
    if not form.is_valid():
        raise OperationError("invalid", _form_message(form))
    return form.cleaned_data


def _posted_id(request: HttpRequest, name: str) -> int:
    value = request.POST.get(name) or request.GET.get(name) or ""
    if not value.isdigit():
        raise OperationError("invalid", f"The request names no {name}.")
    return int(value)


def _board_response(
    request: HttpRequest, map_id: int, role: str, **focus: int | None
) -> HttpResponse:
    """After an edit: the board partial for htmx (the whole board: the curve, moved notes and
    the revision all change together), a redirect to the board page otherwise."""
    if not request.htmx:
        # The form posted without htmx (scripts off, or sent before htmx had taken over a
        # freshly swapped board): the board page again, focused where the edit left off.
        kept = {name: value for name, value in focus.items() if value is not None}
        url = reverse("board", args=[map_id])
        return redirect(f"{url}?{urlencode(kept)}" if kept else url)
    journey_map = JourneyMap.objects.select_related("persona").get(pk=map_id)
    context = board_context(journey_map, role)
    context.update(focus, stack=_stack(request, journey_map, role))
    return render(request, "maps/_board.html", context)


def _stack(request: HttpRequest, journey_map: JourneyMap, role: str) -> dict[str, Any] | None:
    """What the person's Undo and Redo would do, for the board's buttons (editors only)."""
    if role not in ("owner", "editor"):
        return None
    return ops.stack_state(journey_map.pk, _actor(request))


def _refused(request: HttpRequest, map_id: int, message: str) -> HttpResponse:
    """A refused edit: nothing changed; say why where the user is looking (422, shown in the
    board's alert line by htmx; base config in board.html), or as a message after a redirect."""
    if not request.htmx:
        messages.error(request, message)
        return redirect("board", map_id)
    response = render(request, "maps/_refused.html", {"message": message}, status=422)
    return reswap(retarget(response, "#board-status"), "innerHTML")


def _edit(
    request: HttpRequest,
    map_id: int,
    operation: str,
    change: Callable[[ops.Actor, JourneyMap], Any],
    **focus: int | None,
) -> HttpResponse:
    """Run one board edit (the declared `operation`, for whoever it declares may) and answer
    with the board, or the refusal."""
    need = need_on_map(ops.OPERATIONS[operation].who)
    journey_map, role = get_map_for_user(request.user, map_id, need)
    try:
        change(_actor(request), journey_map)
    except OperationError as error:
        return _refused(request, journey_map.pk, error.message)
    return _board_response(request, journey_map.pk, role, **focus)


# How a posted form value becomes the operation's field, by the field's kind: ids and numbers
# from digits (anything else stays text, for the operation to refuse), check boxes present or
# not, the rest as typed.
def _posted_value(kind: registry.Kind, value: str | None) -> Any:
    if kind in (registry.ID, registry.INDEX, registry.NUMBER):
        return int(value) if value and value.isdigit() else value
    if kind is registry.OPTIONAL_ID:
        return int(value) if value and value.isdigit() else None
    if kind is registry.BOOL:
        return value in ("1", "true", "on")
    return value


def _operate(request: HttpRequest, map_id: int, operation: str, **focus: int | None):
    """A board edit whose form maps one-to-one onto a declared operation's fields."""
    declared = ops.OPERATIONS[operation]

    def change(actor: ops.Actor, journey_map: JourneyMap) -> None:
        fields = {
            field.name: _posted_value(field.kind, request.POST.get(field.name))
            for field in declared.fields
            if field.name in request.POST
        }
        declared.clean(fields)
        declared.fn(actor, journey_map, **fields)

    return _edit(request, map_id, operation, change, **focus)


# --- maps -----------------------------------------------------------------------------------


@login_required
def map_create(request: HttpRequest) -> HttpResponse:
    form = MapCreateForm(request.POST or None, owner=request.user)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            journey_map = ops.create_map(
                _actor(request),
                title=data["title"],
                persona=data["persona"],
                scope=data["scope"],
                state=data["state"],
                stage_names=form.stage_names(),
            )
            return redirect("board", journey_map.pk)
        return render(request, "maps/create.html", {"form": form}, status=422)
    return render(request, "maps/create.html", {"form": form})


@login_required
@require_GET
def board(request: HttpRequest, map_id: int) -> HttpResponse:
    journey_map, role = get_map_for_user(request.user, map_id, "view")
    context = board_context(journey_map, role)
    # The current-state map it was made from: linked only for its own members.
    context["source"] = visible_source(request.user, journey_map)
    context["stack"] = _stack(request, journey_map, role)
    context.update(_focus_asked(request))
    return render(request, "maps/board.html", context)


# Where the board page puts the focus when a redirect after an edit asks (_board_response).
FOCUS_KEYS = ("focus_add", "focus_note", "focus_stage")


def _focus_asked(request: HttpRequest) -> dict[str, int]:
    """The focus the query asks for: ids only; anything else is ignored."""
    asked = {key: request.GET.get(key, "") for key in FOCUS_KEYS}
    return {key: int(value) for key, value in asked.items() if value.isdigit() and len(value) < 19}


@login_required
def map_settings(request: HttpRequest, map_id: int) -> HttpResponse:
    journey_map, _ = get_map_for_user(request.user, map_id, "edit")
    initial = {
        "title": journey_map.title,
        "persona": journey_map.persona,
        "scope": journey_map.scope,
    }
    form = MapSettingsForm(
        request.POST or None, initial=initial, user=request.user, journey_map=journey_map
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                ops.update_map(_actor(request), journey_map, **form.cleaned_data)
            except OperationError as error:  # the primary, while further personas are on it
                form.add_error(error.details.get("field"), error.message)
            else:
                messages.success(request, "Map settings saved.")
                return redirect("board", journey_map.pk)
        status = 422
    else:
        status = 200
    return render(request, "maps/settings.html", {"form": form, "map": journey_map}, status=status)


@login_required
@require_POST
def map_duplicate(request: HttpRequest, map_id: int) -> HttpResponse:
    journey_map, _ = get_map_for_user(request.user, map_id, "view")
    copy = ops.duplicate_map(_actor(request), journey_map)
    messages.success(request, f"This is a copy of {journey_map.title}; you own it.")
    return redirect("board", copy.pk)


@login_required
@require_POST
def map_future(request: HttpRequest, map_id: int) -> HttpResponse:
    journey_map, _ = get_map_for_user(request.user, map_id, "edit")
    try:
        future = ops.create_future_state(_actor(request), journey_map)
    except OperationError as error:
        messages.error(request, error.message)
        return redirect("board", journey_map.pk)
    messages.success(
        request, "Future-state map created: change it to show the journey you want to offer."
    )
    return redirect("board", future.pk)


@login_required
def map_delete(request: HttpRequest, map_id: int) -> HttpResponse:
    journey_map, _ = get_map_for_user(request.user, map_id, "own")
    if request.method == "POST":
        if request.POST.get("confirm_title", "").strip() != journey_map.title:
            context = {"map": journey_map, "error": "Type the map's title to confirm."}
            return render(request, "maps/delete.html", context, status=422)
        ops.delete_map(_actor(request), journey_map)
        messages.success(request, f"Map {journey_map.title} deleted.")
        return redirect("home")
    return render(request, "maps/delete.html", {"map": journey_map})


@login_required
def map_members(request: HttpRequest, map_id: int) -> HttpResponse:
    need = "own" if request.method == "POST" else "view"
    journey_map, role = get_map_for_user(request.user, map_id, need)
    form = MemberForm(request.POST if request.POST.get("action") == "add" else None)
    error = None
    if request.method == "POST":
        try:
            _change_members(request, journey_map, form)
        except OperationError as refused:
            error = refused.message
        else:
            return redirect("map_members", journey_map.pk)
    members = journey_map.memberships.select_related("user").order_by("role", "user__username")
    context = {
        "map": journey_map,
        "role": role,
        "members": members,
        "form": form,
        "error": error,
        "roles": ops.MEMBER_ROLES,
    }
    return render(request, "maps/members.html", context, status=422 if error else 200)


def _change_members(request: HttpRequest, journey_map: JourneyMap, form: MemberForm) -> None:
    action = request.POST.get("action")
    actor = _actor(request)
    if action == "add":
        data = _valid(form)
        ops.add_member(actor, journey_map, data["who"], data["role"])
        messages.success(request, f"{data['who'].get_username()} can now open this map.")
    elif action == "role":
        user_id = _posted_id(request, "user")
        ops.change_member_role(actor, journey_map, user_id, request.POST.get("role", ""))
    elif action == "remove":
        ops.remove_member(actor, journey_map, _posted_id(request, "user"))
    else:
        raise OperationError("invalid", "Unknown action.")


# --- board edits: stages --------------------------------------------------------------------


@login_required
@require_POST
def stage_add(request: HttpRequest, map_id: int) -> HttpResponse:
    return _operate(request, map_id, "stage.add")


def _stage(journey_map: JourneyMap, request: HttpRequest) -> Stage:
    return ops.get_stage(journey_map, _posted_id(request, "stage"))


@login_required
@require_GET
def stage_form(request: HttpRequest, map_id: int) -> HttpResponse:
    journey_map, _ = get_map_for_user(request.user, map_id, "edit")
    try:
        stage = _stage(journey_map, request)
    except OperationError as error:
        return HttpResponse(error.message, status=404)
    initial = {
        "name": stage.name,
        "loops_back_to": stage.loops_back_to_id,
        **{lane: getattr(stage, lane) for lane in STAGE_LANES},
    }
    form = StageForm(initial=initial, stage_id=stage.pk, earlier=_earlier_stages(stage))
    context = {"form": form, "stage": stage, "map": journey_map}
    context["persona_feelings"] = stage_feelings_forms(stage)  # further personas (issue 20)
    return render(request, "maps/_stage_form.html", context)


@login_required
@require_POST
def stage_update(request: HttpRequest, map_id: int) -> HttpResponse:
    stage_id = _posted_id_or_none(request, "stage")

    def change(actor: ops.Actor, journey_map: JourneyMap) -> None:
        stage = ops.get_stage(journey_map, stage_id)
        form = StageForm(request.POST, stage_id=stage.pk, earlier=_earlier_stages(stage))
        ops.update_stage(actor, journey_map, stage.pk, **_valid(form))

    return _edit(request, map_id, "stage.update", change, focus_stage=stage_id)


def _earlier_stages(stage: Stage) -> list[tuple[int, str]]:
    """The stages a stage may loop back to: those before it on the spine."""
    earlier = stage.map.stages.filter(position__lt=stage.position).order_by("position")
    return list(earlier.values_list("pk", "name"))


def _posted_id_or_none(request: HttpRequest, name: str) -> int | None:
    value = request.POST.get(name, "")
    return int(value) if value.isdigit() else None


@login_required
@require_POST
def stage_move(request: HttpRequest, map_id: int) -> HttpResponse:
    """To an index, or one step (`to`: previous, next: the keyboard's moves)."""
    return _operate(request, map_id, "stage.move" if "index" in request.POST else "stage.step")


@login_required
@require_GET
def stage_delete_form(request: HttpRequest, map_id: int) -> HttpResponse:
    journey_map, _ = get_map_for_user(request.user, map_id, "edit")
    try:
        stage = _stage(journey_map, request)
    except OperationError as error:
        return HttpResponse(error.message, status=404)
    context = {
        "stage": stage,
        "note_count": stage.touchpoints.count(),
        "others": journey_map.stages.exclude(pk=stage.pk).order_by("position", "id"),
        "urls": editor_urls(journey_map),
    }
    return render(request, "maps/_stage_delete_form.html", context)


@login_required
@require_POST
def stage_delete(request: HttpRequest, map_id: int) -> HttpResponse:
    def change(actor: ops.Actor, journey_map: JourneyMap) -> None:
        notes = request.POST.get("notes", "")
        target = _posted_id(request, "move_to") if notes == "move" else None
        ops.delete_stage(
            actor,
            journey_map,
            _posted_id(request, "stage"),
            move_notes_to=target,
            delete_notes=notes == "delete",
        )

    return _edit(request, map_id, "stage.delete", change)


# --- board edits: touchpoints ---------------------------------------------------------------


@login_required
@require_POST
def note_add(request: HttpRequest, map_id: int) -> HttpResponse:
    stage_id = _posted_id_or_none(request, "stage")

    def change(actor: ops.Actor, journey_map: JourneyMap) -> None:
        data = _valid(NoteAddForm(request.POST))
        ops.add_touchpoint(
            actor,
            journey_map,
            stage=stage_id,
            text=data["text"],
            channel=data["channel"] or Touchpoint._meta.get_field("channel").default,
        )

    return _edit(request, map_id, "touchpoint.add", change, focus_add=stage_id)


@login_required
@require_GET
def note_form(request: HttpRequest, map_id: int) -> HttpResponse:
    journey_map, _ = get_map_for_user(request.user, map_id, "edit")
    try:
        note = ops.get_touchpoint(journey_map, _posted_id(request, "touchpoint"))
    except OperationError as error:
        return HttpResponse(error.message, status=404)
    initial = {
        "text": note.text,
        "channel": note.channel,
        "department": note.department,
        "critical": note.critical,
        "internal": note.internal,
        "colour": note.colour,
        "base_version": note.version,
    }
    context = {
        "form": NoteForm(initial=initial, note_id=note.pk),
        "note": note,
        "map": journey_map,
        "groups": journey_map.groups.all(),
        "urls": editor_urls(journey_map),
        "scope": note_scope_choices(note),  # whose journey it is on (issue 20)
    }
    return render(request, "maps/_note_form.html", context)


@login_required
@require_POST
def note_update(request: HttpRequest, map_id: int) -> HttpResponse:
    note_id = _posted_id_or_none(request, "touchpoint")

    def change(actor: ops.Actor, journey_map: JourneyMap) -> None:
        data = _valid(NoteForm(request.POST, note_id=note_id or 0))
        base_version = data.pop("base_version")
        ops.update_touchpoint(actor, journey_map, note_id, base_version=base_version, **data)

    return _edit(request, map_id, "touchpoint.update", change, focus_note=note_id)


@login_required
@require_POST
def note_move(request: HttpRequest, map_id: int) -> HttpResponse:
    """One step (`to`: up, down, previous, next: the keyboard's moves) or to a stage and index."""
    operation = "touchpoint.move" if "index" in request.POST else "touchpoint.step"
    note_id = _posted_id_or_none(request, "touchpoint")
    return _operate(request, map_id, operation, focus_note=note_id)


@login_required
@require_POST
def note_group(request: HttpRequest, map_id: int) -> HttpResponse:
    """Put a note in a group by name (made if new), or take it out of its group."""
    note_id = _posted_id_or_none(request, "touchpoint")
    name = "" if request.POST.get("ungroup") else request.POST.get("group", "")

    def change(actor: ops.Actor, journey_map: JourneyMap) -> None:
        ops.group_touchpoint(actor, journey_map, note_id, name=name)

    return _edit(request, map_id, "touchpoint.group", change, focus_note=note_id)


# The board's drag and drop on the map page (static/js/editor.js, through the live page's
# modules): the same operations, by name, as the live board sends on its socket.
DRAG_OPERATIONS = frozenset(
    {
        "touchpoint.move",
        "touchpoint.stack",
        "touchpoint.ungroup",
        "group.move",
        "group.rename",
        "group.delete",
    }
)


@login_required
@require_POST
def board_operate(request: HttpRequest, map_id: int) -> HttpResponse:
    """One drag-and-drop operation named in `type` (one of DRAG_OPERATIONS), its fields as
    posted; answered with the board like every htmx edit."""
    operation = request.POST.get("type", "")
    if operation not in DRAG_OPERATIONS:
        get_map_for_user(request.user, map_id)  # an outsider learns nothing, not even this
        return _refused(request, map_id, "That is not something the board can do.")
    return _operate(
        request, map_id, operation, focus_note=_posted_id_or_none(request, "touchpoint")
    )


@login_required
@require_POST
def note_delete(request: HttpRequest, map_id: int) -> HttpResponse:
    return _operate(request, map_id, "touchpoint.delete")


# --- board edits: action items --------------------------------------------------------------


@login_required
@require_POST
def action_add(request: HttpRequest, map_id: int) -> HttpResponse:
    return _operate(request, map_id, "action.add")


@login_required
@require_POST
def action_update(request: HttpRequest, map_id: int) -> HttpResponse:
    return _operate(request, map_id, "action.update")


@login_required
@require_POST
def action_delete(request: HttpRequest, map_id: int) -> HttpResponse:
    return _operate(request, map_id, "action.delete")


@login_required
@require_POST
def undo(request: HttpRequest, map_id: int) -> HttpResponse:
    """The person's last change on this map, undone (maps.operations.undo)."""
    return _edit(request, map_id, "undo", lambda actor, journey_map: ops.undo(actor, journey_map))


@login_required
@require_POST
def redo(request: HttpRequest, map_id: int) -> HttpResponse:
    return _edit(request, map_id, "redo", lambda actor, journey_map: ops.redo(actor, journey_map))
