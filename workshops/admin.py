"""Admin for workshops: read what happened. Phases, the lock, the timer and votes change only
through the live board's operations (workshops.facilitation), which tell every open screen;
an edit here would not."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from maps.admin import ReadOnly, ReadOnlyMixin

from .models import Participant, Vote, Workshop


class ParticipantInline(ReadOnlyMixin, admin.TabularInline):
    model = Participant
    extra = 0
    exclude = ("token",)


@admin.register(Workshop)
class WorkshopAdmin(admin.ModelAdmin):
    list_display = ("__str__", "map", "join_code", "phase", "locked", "created_at")
    list_filter = ("phase", "locked")
    inlines = [ParticipantInline]
    readonly_fields = (
        "map",
        "join_code",
        "phase",
        "locked",
        "vote_budget",
        "timer_ends_at",
        "timer_paused_remaining",
        "revealed_at",
        "closed_at",
        "created_by",
    )

    def has_add_permission(self, request, obj: Any = None) -> bool:
        return False


@admin.register(Participant)
class ParticipantAdmin(ReadOnly):
    list_display = ("display_name", "workshop", "role", "user")
    exclude = ("token",)


@admin.register(Vote)
class VoteAdmin(ReadOnly):
    list_display = ("participant", "touchpoint", "tag", "workshop")
    list_filter = ("tag",)
