"""The account's persona library: list, create, edit, delete its personas (maps.operations
writes them; another account's persona is a 404, like a map)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from . import operations as ops
from .forms import PersonaForm
from .models import Persona
from .operations import OperationError
from .serializers import PERSONA_FIELDS


def _actor(request: HttpRequest) -> ops.Actor:
    return ops.Actor.for_user(request.user)


def _own_persona(request: HttpRequest, persona_id: int) -> Persona:
    """A persona of the user's workspace; anyone else's is a 404, like a map."""
    persona = Persona.objects.filter(pk=persona_id, owner=request.user).first()
    if persona is None:
        raise Http404("No such persona.")
    return persona


@login_required
@require_GET
def persona_list(request: HttpRequest) -> HttpResponse:
    # Maps it is the primary of, and those it is a further persona on (issue 20).
    personas = Persona.objects.filter(owner=request.user).annotate(
        map_count=Count("maps", distinct=True) + Count("segment_maps", distinct=True)
    )
    return render(request, "personas/list.html", {"personas": personas})


@login_required
def persona_create(request: HttpRequest) -> HttpResponse:
    form = PersonaForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                persona = ops.create_persona(_actor(request), **form.cleaned_data)
            except OperationError as error:
                form.add_error(error.details.get("field"), error.message)
            else:
                messages.success(request, f"Persona {persona.name} created.")
                return redirect("persona_list")
        return render(request, "personas/form.html", {"form": form}, status=422)
    return render(request, "personas/form.html", {"form": form})


@login_required
def persona_edit(request: HttpRequest, persona_id: int) -> HttpResponse:
    persona = _own_persona(request, persona_id)
    initial = {field: getattr(persona, field) for field in PERSONA_FIELDS}
    # Unbound to the instance: the operation, not the form, writes the persona.
    form = PersonaForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                ops.update_persona(_actor(request), persona, **form.cleaned_data)
            except OperationError as error:
                form.add_error(error.details.get("field"), error.message)
            else:
                messages.success(request, f"Persona {persona.name} saved.")
                return redirect("persona_list")
        return render(request, "personas/form.html", {"form": form, "persona": persona}, status=422)
    return render(request, "personas/form.html", {"form": form, "persona": persona})


@login_required
def persona_delete(request: HttpRequest, persona_id: int) -> HttpResponse:
    persona = _own_persona(request, persona_id)
    context: dict[str, Any] = {"persona": persona}
    if request.method == "POST":
        try:
            ops.delete_persona(_actor(request), persona)
        except OperationError as error:
            context["error"] = error.message
            return render(request, "personas/delete.html", context, status=409)
        messages.success(request, f"Persona {persona.name} deleted.")
        return redirect("persona_list")
    return render(request, "personas/delete.html", context)
