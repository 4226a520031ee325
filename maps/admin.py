"""Admin for the map domain. Edits of stages and notes go through maps.operations, like every
other change, so a board open in a workshop sees them live and the event log stays complete."""

from __future__ import annotations

from django.contrib import admin

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
from .serializers import STAGE_LANES, TOUCHPOINT_FIELDS


@admin.register(Persona)
class PersonaAdmin(admin.ModelAdmin):
    list_display = ("name", "role", "owner", "updated_at")
    search_fields = ("name", "role")


class MembershipInline(admin.TabularInline):
    model = MapMembership
    extra = 0


@admin.register(JourneyMap)
class JourneyMapAdmin(admin.ModelAdmin):
    list_display = ("title", "state", "persona", "revision", "updated_at")
    list_filter = ("state",)
    search_fields = ("title",)
    readonly_fields = ("revision",)
    inlines = [MembershipInline]


@admin.register(MapMembership)
class MapMembershipAdmin(admin.ModelAdmin):
    list_display = ("map", "user", "role")
    list_filter = ("role",)


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = ("name", "map", "position", "emotion_now", "emotion_aspiration")
    search_fields = ("name",)
    readonly_fields = ("position",)

    def save_model(self, request, obj, form, change):
        actor = ops.Actor.for_user(request.user)
        fields = {f: getattr(obj, f) for f in ("name", *STAGE_LANES)}
        if change:
            ops.update_stage(actor, obj.map, obj.pk, **fields)
        else:
            event = ops.add_stage(actor, obj.map, **fields)
            obj.pk = event.payload["stage"]["id"]

    def delete_model(self, request, obj):
        ops.delete_stage(ops.Actor.for_user(request.user), obj.map, obj.pk, delete_notes=True)


@admin.register(Touchpoint)
class TouchpointAdmin(admin.ModelAdmin):
    list_display = ("text", "stage", "channel", "department", "critical", "internal")
    list_filter = ("channel", "critical", "internal")
    search_fields = ("text",)
    readonly_fields = ("map", "position", "version")

    def save_model(self, request, obj, form, change):
        actor = ops.Actor.for_user(request.user)
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
        ops.delete_touchpoint(ops.Actor.for_user(request.user), obj.map, obj.pk)


@admin.register(TouchpointGroup)
class TouchpointGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "map")


@admin.register(CustomerFeedback)
class CustomerFeedbackAdmin(admin.ModelAdmin):
    list_display = ("touchpoint", "tag", "score", "source", "created_at")
    list_filter = ("tag", "source")


@admin.register(MapEvent)
class MapEventAdmin(admin.ModelAdmin):
    """The event log is history: readable, never edited by hand."""

    list_display = ("map", "revision", "type", "actor_name", "created_at")
    list_filter = ("type",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
