"""An account's inbox: mentions of it and replies in its threads (maps.operations.inbox), on
maps it may still open. Marking read is one notification or all, and only one's own."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from .discussion_models import Notification
from .operations.inbox import mark_read, unread

INBOX_SIZE = 100


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    notifications = (
        Notification.objects.filter(user=request.user, map__memberships__user=request.user)
        .select_related("map", "thread")
        .distinct()[:INBOX_SIZE]
    )
    return render(request, "maps/inbox.html", {"notifications": notifications})


@login_required
@require_POST
def read(request: HttpRequest) -> HttpResponse:
    """Mark one notification read (`notification`), or all (`all`); back to the inbox, or to
    the thread the notification is about (`open`)."""
    value = request.POST.get("notification", "")
    mark_read(request.user, int(value) if value.isdigit() else None)
    target = request.POST.get("open", "")
    # Only a path of this site, never an address a form could smuggle in.
    if target.startswith("/maps/") and "//" not in target and "\\" not in target:
        return redirect(target)
    return redirect("inbox")


@require_GET
def unread_count(request: HttpRequest) -> JsonResponse:
    """The header badge's number (comments.js asks after a comment event); 0 when signed out."""
    count = unread(request.user).count() if request.user.is_authenticated else 0
    return JsonResponse({"unread": count})


def inbox_badge(request: HttpRequest) -> dict[str, int]:
    """Context processor: the header's unread count, for signed-in accounts."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {"inbox_unread": unread(request.user).count()}
