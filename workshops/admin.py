from django.contrib import admin

from .models import Participant, Vote, Workshop


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0
    exclude = ("token",)


@admin.register(Workshop)
class WorkshopAdmin(admin.ModelAdmin):
    list_display = ("__str__", "map", "join_code", "phase", "locked", "created_at")
    list_filter = ("phase", "locked")
    inlines = [ParticipantInline]


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ("display_name", "workshop", "role", "user")
    exclude = ("token",)


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    list_display = ("participant", "touchpoint", "tag", "workshop")
    list_filter = ("tag",)
