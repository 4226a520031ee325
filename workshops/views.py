"""Workshop pages: open a workshop on a map, join it with a code or link, the live board.

Thin views: maps.permissions decides for accounts, workshops.access recognises members (and
the role they act with: a map viewer only watches), workshops.operations changes things.
Closed and unknown workshops, and members who are out, get a page that says so.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from journeymap.ratelimit import client_address, rate_limited, too_many_requests
from maps.board import board_context
from maps.history_views import history_context
from maps.models import Channel
from maps.operations import OperationError, stack_state
from maps.permissions import (
    OBSERVER,
    PARTICIPANT,
    can,
    get_map_for_user,
    may_see_join_codes,
    role_for,
    workshop_role_on_map,
)
from maps.serializers import map_snapshot

from .access import (
    CODE_MISS_WINDOW,
    acting_role,
    count_code_miss,
    find_participant,
    find_workshop,
    guessing_codes,
    member_acting,
    remember_participant,
    with_map_roles,
)
from .gate import Context
from .models import DISPLAY_NAME_MAX, Participant, Phase, Workshop
from .operations import join_workshop, open_workshop
from .qr import join_qr_svg


@login_required
@require_POST
def open_view(request: HttpRequest, map_id: int) -> HttpResponse:
    journey_map, _role = get_map_for_user(request.user, map_id, "edit")
    try:
        workshop = open_workshop(request.user, journey_map, title=request.POST.get("title", ""))
    except OperationError as refused:
        return render(
            request,
            "workshops/workshops.html",
            {**_map_workshops(journey_map), "error": refused.message},
            status=400,
        )
    return redirect("workshop_live", code=workshop.join_code)


@login_required
def map_workshops(request: HttpRequest, map_id: int) -> HttpResponse:
    journey_map, role = get_map_for_user(request.user, map_id, "view")
    context = {
        **_map_workshops(journey_map),
        "can_open": can(role, "edit"),
        # A viewer sees that workshops happened, not how to get in (maps.permissions).
        "show_codes": may_see_join_codes(role),
    }
    return render(request, "workshops/workshops.html", context)


def _map_workshops(journey_map) -> dict[str, Any]:
    return {"map": journey_map, "workshops": journey_map.workshops.order_by("-created_at")}


def enter_code(request: HttpRequest) -> HttpResponse:
    """The page behind "Join a workshop": type the short code read out in the room."""
    code = request.GET.get("code", "").strip()
    if code:
        found = _lookup(request, code)
        if isinstance(found, HttpResponse):
            return found
        return redirect("workshop_join", code=found.join_code)
    return render(request, "workshops/enter_code.html")


@require_http_methods(["GET", "POST"])
@rate_limited("join", setting="JOIN_RATE_LIMIT", window=300)
def join(request: HttpRequest, code: str) -> HttpResponse:
    workshop = _lookup(request, code)
    if isinstance(workshop, HttpResponse):
        return workshop
    if not workshop.is_open:
        return _closed(request, workshop)
    if find_participant(workshop, request.user, request.COOKIES) is not None:
        # Already in (or removed: the live page says so, and nobody joins again as new).
        return redirect("workshop_live", code=workshop.join_code)
    error = ""
    name = request.POST.get("display_name", "")
    # A map viewer signed in joins as an observer, whatever the form says (join_workshop).
    watch_only = workshop_role_on_map(PARTICIPANT, role_for(request.user, workshop.map)) == OBSERVER
    if request.method == "POST":
        role = (
            Participant.Role.OBSERVER
            if request.POST.get("role") == "observer"
            else Participant.Role.PARTICIPANT
        )
        try:
            participant = join_workshop(workshop, display_name=name, user=request.user, role=role)
        except OperationError as refused:
            error = refused.message
        else:
            response = redirect("workshop_live", code=workshop.join_code)
            remember_participant(response, participant)
            return response
    if not name and request.user.is_authenticated:
        name = request.user.get_username()[:DISPLAY_NAME_MAX]
    context = {
        "workshop": workshop,
        "error": error,
        "name": name,
        "max": DISPLAY_NAME_MAX,
        "watch_only": watch_only,
    }
    return render(request, "workshops/join.html", context, status=400 if error else 200)


def live(request: HttpRequest, code: str) -> HttpResponse:
    workshop, participant = _member(request, code)
    if isinstance(workshop, HttpResponse):
        return workshop
    context = _live_context(request, workshop, participant)
    return render(request, "workshops/live.html", context)


def board_fragment(request: HttpRequest, code: str) -> HttpResponse:
    """The board body alone: the live page re-fetches it after structural events."""
    workshop, participant = _member(request, code)
    if isinstance(workshop, HttpResponse):
        raise Http404("Not a member of this workshop.")
    context = _live_context(request, workshop, participant)
    return render(request, "maps/_board.html", context)


def board_fragment_by_id(request: HttpRequest, workshop_id: int) -> HttpResponse:
    """board_fragment by the workshop's id, as the live page asks for it: a new join code does
    not break its open pages. Anyone but a member in good standing gets a 404."""
    workshop = Workshop.objects.select_related("map").filter(pk=workshop_id).first()
    participant = _acting(request, workshop) if workshop is not None else None
    if participant is None:
        raise Http404("Not a member of this workshop.")
    context = _live_context(request, workshop, participant)
    return render(request, "maps/_board.html", context)


@require_GET
def history_by_id(request: HttpRequest, workshop_id: int) -> HttpResponse:
    """The map's history panel for the live page (maps.history): any member in good standing,
    observers too (they see the board), as the board fragment; anyone else 404."""
    workshop = Workshop.objects.select_related("map").filter(pk=workshop_id).first()
    participant = _acting(request, workshop) if workshop is not None else None
    if participant is None:
        raise Http404("Not a member of this workshop.")
    url = reverse("workshop_history", kwargs={"workshop_id": workshop.pk})
    return render(request, "maps/_history.html", history_context(workshop.map, request.GET, url))


@require_GET
def snapshot_by_id(request: HttpRequest, workshop_id: int) -> JsonResponse:
    """The whole board as JSON (docs/protocol.md, "sync and snapshot"), for a client whose
    board is too large for one websocket frame. Members in good standing only, as the board."""
    workshop = Workshop.objects.select_related("map").filter(pk=workshop_id).first()
    participant = _acting(request, workshop) if workshop is not None else None
    if participant is None:
        raise Http404("Not a member of this workshop.")
    return JsonResponse(map_snapshot(workshop.map))


def present(request: HttpRequest, code: str) -> HttpResponse:
    """The way in, for the projector: the code in big letters, the QR code and the link.
    The facilitator's only (everyone else: 404), as the invite panel is."""
    workshop, participant = _member(request, code)
    if isinstance(workshop, HttpResponse):
        return workshop
    if participant.role != Participant.Role.FACILITATOR:
        raise Http404("Only the facilitator presents the way in.")
    context = {
        "workshop": workshop,
        "map": workshop.map,
        "join_url": _join_url(request, workshop),
        "enter_url": request.build_absolute_uri(reverse("workshop_enter_code")),
    }
    return render(request, "workshops/present.html", context)


@require_GET
def join_qr(request: HttpRequest, workshop_id: int) -> HttpResponse:
    """The join link's QR code as an SVG image, for the facilitator's invite panel; by id, so
    the page asks again after a new join code (its ?code= only keeps caches apart)."""
    workshop = Workshop.objects.select_related("map").filter(pk=workshop_id).first()
    participant = _acting(request, workshop) if workshop is not None else None
    if participant is None or participant.role != Participant.Role.FACILITATOR:
        raise Http404("Not the facilitator of this workshop.")
    response = HttpResponse(join_qr_svg(_join_url(request, workshop)), "image/svg+xml")
    response["Cache-Control"] = "private, no-cache"
    return response


def _join_url(request: HttpRequest, workshop: Workshop) -> str:
    return request.build_absolute_uri(reverse("workshop_join", kwargs={"code": workshop.join_code}))


def _member(request: HttpRequest, code: str) -> tuple[Any, Any]:
    workshop = find_workshop(code)
    if workshop is None:
        return _unknown(request, code), None
    participant = find_participant(workshop, request.user, request.COOKIES)
    if participant is None:
        if not workshop.is_open:
            return _closed(request, workshop), None
        return redirect("workshop_join", code=workshop.join_code), None
    if _acting(request, workshop, participant) is None:
        return _out(request, workshop, participant), None
    return workshop, participant


def _acting(
    request: HttpRequest, workshop: Workshop, participant: Participant | None = None
) -> Participant | None:
    """The member this request speaks for, set to the role they act with now; None for a
    stranger or a member who is out (maps.permissions.acting_workshop_role)."""
    if participant is None:
        return member_acting(workshop, request.user, request.COOKIES)
    role = acting_role(with_map_roles(participant, request.user))
    if role is None:
        return None
    participant.role = role  # for this page: the role they act with, never saved
    return participant


def _live_context(
    request: HttpRequest, workshop: Workshop, participant: Participant
) -> dict[str, Any]:
    context = board_context(workshop.map, "viewer", extra_owners=_guest_owners(workshop))
    scheme = "wss" if request.is_secure() else "ws"
    may_edit = workshop.is_open and participant.role != Participant.Role.OBSERVER
    context.update(
        {
            "live": True,
            "can_edit": may_edit,
            # Action items are the Discuss phase's (maps.permissions); the forms are there for
            # whoever may ever change them in this workshop, none once it is closed.
            "action_forms": may_edit,
            # Open where actions are the work: Discuss, and the final board once closed.
            "actions_open": workshop.phase in (Phase.DISCUSS, Phase.CLOSED),
            "workshop": workshop,
            "participant": participant,
            # By id: a new join code leaves this page's reconnects and re-fetches alone.
            "ws_url": f"{scheme}://{request.get_host()}/ws/workshops/{workshop.pk}/",
            "join_url": _join_url(request, workshop),
            "board_url": reverse("workshop_board_by_id", kwargs={"workshop_id": workshop.pk}),
            "history_url": reverse("workshop_history", kwargs={"workshop_id": workshop.pk}),
            "channel_labels": dict(Channel.choices),
            # Named on the board so that a grouped note's event patches it in place.
            "groups": workshop.map.groups.order_by("pk"),
            # Undo and Redo: for whoever may change notes here (the buttons; the socket asks).
            "stack": stack_state(workshop.map_id, Context.actor_of(participant))
            if may_edit
            else None,
        }
    )
    return context


def _guest_owners(workshop: Workshop) -> list[tuple[str, str]]:
    """The workshop's guests, who may own action items besides the map's members (accounts
    are offered as members)."""
    guests = workshop.participants.filter(user=None, removed_at=None).order_by("joined_at", "id")
    return [(f"participant:{p.pk}", f"{p.display_name} (guest)") for p in guests]


def _lookup(request: HttpRequest, code: str) -> Workshop | HttpResponse:
    """The workshop, or the answer: unknown (404), or 429 for an address guessing codes."""
    address = client_address(request)
    if guessing_codes(address):
        return too_many_requests(request, CODE_MISS_WINDOW)
    workshop = find_workshop(code)
    if workshop is None:
        count_code_miss(address)
        return _unknown(request, code)
    return workshop


def _unknown(request: HttpRequest, code: str) -> HttpResponse:
    return render(request, "workshops/unknown.html", {"code": code[:12]}, status=404)


def _out(request: HttpRequest, workshop: Workshop, participant: Participant) -> HttpResponse:
    """For a member who is out: removed by the facilitator, or an account no longer on the map.
    403, and no join form: the same cookie or account does not come back as someone new."""
    context = {"workshop": workshop, "removed": participant.removed_at is not None}
    return render(request, "workshops/out.html", context, status=403)


def _closed(request: HttpRequest, workshop: Workshop) -> HttpResponse:
    return render(request, "workshops/closed.html", {"workshop": workshop}, status=410)
