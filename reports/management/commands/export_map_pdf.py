from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from maps.models import JourneyMap
from reports.export.pdf import PAPER, render_pdf
from reports.export.report import build_report


class Command(BaseCommand):
    help = "Write a map as a PDF (landscape, A4 by default)."

    def add_arguments(self, parser):
        parser.add_argument("map", type=int, help="The map's id (the number in its URL).")
        parser.add_argument("-o", "--output", required=True, help="Where to write the PDF.")
        parser.add_argument("--paper", choices=sorted(PAPER), default="a4")

    def handle(self, *args, map: int, output: str, paper: str, **options) -> None:
        journey_map = JourneyMap.objects.filter(pk=map).first()
        if journey_map is None:
            raise CommandError(f"There is no map {map}.")
        pdf = render_pdf(build_report(journey_map), paper)
        Path(output).write_bytes(pdf)
        self.stdout.write(f"Wrote {journey_map.title} to {output} ({len(pdf) // 1024} KiB).")
