from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from maps import operations as ops
from reports.export import json_io
from reports.export.json_io import DocumentInvalid, loads


class Command(BaseCommand):
    help = "Create a new map from a JSON export; nothing is created if the file has problems."

    def add_arguments(self, parser):
        parser.add_argument("file", help="A JSON file written by export_map_json or the download.")
        parser.add_argument("--owner", required=True, help="Username of the new map's owner.")

    def handle(self, *args, file: str, owner: str, **options) -> None:
        user = get_user_model().objects.filter(username=owner).first()
        if user is None:
            raise CommandError(f"There is no user {owner!r}.")
        try:
            document = loads(Path(file).read_bytes())
            journey_map, _ = json_io.import_map(ops.Actor.for_user(user), document)
        except DocumentInvalid as problem:
            raise CommandError("\n".join([problem.message, *problem.errors])) from None
        except ops.OperationError as problem:
            raise CommandError(problem.message) from None
        self.stdout.write(f"Imported {journey_map.title} as map {journey_map.pk}.")
