from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from maps.models import JourneyMap
from reports.export.json_io import dumps, export_document


class Command(BaseCommand):
    help = "Write a whole map as JSON (import it with import_map_json)."

    def add_arguments(self, parser):
        parser.add_argument("map", type=int, help="The map's id (the number in its URL).")
        parser.add_argument("-o", "--output", required=True, help="Where to write the JSON.")
        parser.add_argument(
            "--voter-names",
            action="store_true",
            help='Name who cast each vote (default: "Voter 1", "Voter 2", ...).',
        )

        parser.add_argument(
            "--with-history",
            action="store_true",
            help="Add the map's versions (each a whole document); left out by default.",
        )

    def handle(
        self, *args, map: int, output: str, voter_names: bool, with_history: bool, **options
    ) -> None:
        journey_map = JourneyMap.objects.filter(pk=map).first()
        if journey_map is None:
            raise CommandError(f"There is no map {map}.")
        document = export_document(journey_map, voter_names=voter_names, with_history=with_history)
        Path(output).write_text(dumps(document), encoding="utf-8")
        self.stdout.write(f"Wrote {journey_map.title} to {output}.")
