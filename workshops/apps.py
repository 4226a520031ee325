from django.apps import AppConfig


class WorkshopsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "workshops"

    def ready(self) -> None:
        # People in a map's workshops may own its action items; the map domain asks this app
        # how to find them, as it may not import it (docs/design.md, "The layout").
        from maps.operations import find_participants_with, keep_votes_with
        from maps.operations.discussion import find_guests_with

        from .access import guests_on_map, participant_name
        from .kept_votes import read_votes, write_votes

        find_participants_with(participant_name)
        # An undone delete brings a note back with its votes, which only this app knows.
        keep_votes_with(read_votes, write_votes)
        # ... and a comment may mention the guests of its workshops (the @ autocomplete).
        find_guests_with(guests_on_map)
        # Declares `votes.per_persona` (issue 20) beside the other facilitation operations.
        from . import segment_votes  # noqa: F401
