"""Admin for the map domain. Every change goes through maps.operations, like every other change
(bulk "delete selected" too), so a board open in a workshop sees it live and the event log
stays complete. What has its own page in the app (members, customer feedback imports) or is
history (the event log) is read-only here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet

from . import operations as ops
from .models import (
    CustomerFeedback,
    JourneyMap,
    MapEvent,
    MapMembership,
    Persona,
    Stage,
    Touchpoint,
    TouchpointGroup,
)
from .serializers import PERSONA_FIELDS, STAGE_LANES, TOUCHPOINT_FIELDS


def _actor(request) -> ops.Actor:
    return ops.Actor.for_user(request.user)


class ThroughOperations(admin.ModelAdmin):
    """Deletes, one by one or selected in bulk, go through delete_model (an operation)."""

    def get_deleted_objects(self, objs, request):
        # The operation deletes what hangs off the object (a map's members, a note's votes and
        # feedback), read-only as those are here: asking for permission on each would refuse.
        deleted, counts, _perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), protected

    def delete_queryset(self, request, queryset: QuerySet) -> None:
        for obj in queryset:
            self.delete_model(request, obj)

    def refused(self, request, problem: ops.OperationError) -> None:
        self.message_user(request, problem.message, level=messages.ERROR)


class ReadOnlyMixin:
    """Seen here, changed in the app (or never: history). For admins and inlines alike."""

    def has_add_permission(self, request, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request, obj: Any = None) -> bool:
        return False


class ReadOnly(ReadOnlyMixin, admin.ModelAdmin):
    pass


@admin.register(Persona)
class PersonaAdmin(ThroughOperations):
    list_display = ("name", "role", "owner", "updated_at")
    search_fields = ("name", "role")

    def save_model(self, request, obj, form, change):
        fields = {f: getattr(obj, f) for f in PERSONA_FIELDS}
        if change:
            ops.update_persona(_actor(request), obj, **fields)
        else:
            obj.pk = ops.create_persona(ops.Actor.for_user(obj.owner), **fields).pk

    def has_delete_permission(self, request, obj: Any = None) -> bool:
        # A persona in use is never deleted (maps would lose it): the operation refuses it.
        in_use = obj is not None and obj.maps.exists()
        return super().has_delete_permission(request, obj) and not in_use

    def delete_model(self, request, obj):
        try:
            ops.delete_persona(ops.Actor.for_user(obj.owner), obj)
        except ops.OperationError as problem:
            self.refused(request, problem)


class MembershipInline(ReadOnlyMixin, admin.TabularInline):
    """Members are managed on the map's members page (operations add_member and others)."""

    model = MapMembership
    extra = 0


@admin.register(JourneyMap)
class JourneyMapAdmin(ThroughOperations):
    list_display = ("title", "state", "persona", "revision", "updated_at")
    list_filter = ("state",)
    search_fields = ("title",)
    fields = ("title", "scope", "persona", "state", "source_map", "revision")
    # A new map here is a current-state map; future-state maps and their link to the current
    # state come from "Create future-state map" in the app.
    readonly_fields = ("state", "source_map", "revision")
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change):
        if change:
            ops.update_map(
                _actor(request), obj, title=obj.title, scope=obj.scope, persona=obj.persona
            )
        else:
            created = ops.create_map(
                _actor(request), title=obj.title, scope=obj.scope, persona=obj.persona
            )
            obj.pk = created.pk

    def delete_model(self, request, obj):
        ops.delete_map(_actor(request), obj)


@admin.register(MapMembership)
class MapMembershipAdmin(ReadOnly):
    list_display = ("map", "user", "role")
    list_filter = ("role",)


@admin.register(Stage)
class StageAdmin(ThroughOperations):
    list_display = ("name", "map", "position", "emotion_now", "emotion_aspiration")
    search_fields = ("name",)
    readonly_fields = ("position",)

    def save_model(self, request, obj, form, change):
        fields = {f: getattr(obj, f) for f in ("name", *STAGE_LANES)}
        if change:
            ops.update_stage(_actor(request), obj.map, obj.pk, **fields)
        else:
            event = ops.add_stage(_actor(request), obj.map, **fields)
            obj.pk = event.payload["stage"]["id"]

    def delete_model(self, request, obj):
        ops.delete_stage(_actor(request), obj.map, obj.pk, delete_notes=True)


@admin.register(Touchpoint)
class TouchpointAdmin(ThroughOperations):
    list_display = ("text", "stage", "channel", "department", "critical", "internal")
    list_filter = ("channel", "critical", "internal")
    search_fields = ("text",)
    readonly_fields = ("map", "position", "version")

    def save_model(self, request, obj, form, change):
        actor = _actor(request)
        fields = {f: getattr(obj, f) for f in TOUCHPOINT_FIELDS}
        journey_map = obj.stage.map
        if change:
            ops.update_touchpoint(actor, journey_map, obj.pk, group=obj.group_id, **fields)
            if "stage" in form.changed_data:
                ops.move_touchpoint(actor, journey_map, obj.pk, stage=obj.stage_id, index=10**6)
        else:
            event = ops.add_touchpoint(
                actor, journey_map, stage=obj.stage_id, group=obj.group_id, **fields
            )
            obj.pk = event.payload["touchpoint"]["id"]

    def delete_model(self, request, obj):
        ops.delete_touchpoint(_actor(request), obj.map, obj.pk)


@admin.register(TouchpointGroup)
class TouchpointGroupAdmin(ThroughOperations):
    list_display = ("name", "map")

    def save_model(self, request, obj, form, change):
        # A duplicate name never gets here: the form checks the (map, name) constraint.
        if change:
            ops.rename_group(_actor(request), obj.map, obj.pk, name=obj.name)
        else:
            event = ops.add_group(_actor(request), obj.map, name=obj.name)
            obj.pk = event.payload["group"]["id"]

    def delete_model(self, request, obj):
        ops.delete_group(_actor(request), obj.map, obj.pk)


@admin.register(CustomerFeedback)
class CustomerFeedbackAdmin(ReadOnly):
    """Customer feedback arrives through the map's feedback import (one event per import)."""

    list_display = ("touchpoint", "tag", "score", "source", "created_at")
    list_filter = ("tag", "source")


@admin.register(MapEvent)
class MapEventAdmin(ReadOnly):
    """The event log is history: readable, never edited by hand."""

    list_display = ("map", "revision", "type", "actor_name", "created_at")
    list_filter = ("type",)
