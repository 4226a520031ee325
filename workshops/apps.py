from django.apps import AppConfig


class WorkshopsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "workshops"

    def ready(self) -> None:
        # People in a map's workshops may own its action items; the map domain asks this app
        # how to find them, as it may not import it (docs/design.md, "The layout").
        from maps.operations import find_participants_with

        from .access import participant_name

        find_participants_with(participant_name)
        # Declares `votes.per_persona` (issue 20) beside the other facilitation operations.
        from . import segment_votes  # noqa: F401
