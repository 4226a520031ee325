from __future__ import annotations

import os

from django.core.management.base import BaseCommand
from django.urls import reverse

from reports.demo import DEMO_PASSWORD, DEMO_USERNAME, seed_demo


class Command(BaseCommand):
    help = "Create the car-purchase demo map, an open workshop on it and a demo facilitator."

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url",
            default=os.environ.get("BASE_URL", "http://127.0.0.1:8000"),
            help="Where the server is reached, for the printed links.",
        )

    def handle(self, *args, base_url: str, **options) -> None:
        result = seed_demo()
        base = base_url.rstrip("/")
        verb = "Created" if result.created else "Kept the existing"
        self.stdout.write(f"{verb} demo map: {result.journey_map.title}")
        self.stdout.write(f"  Board:    {base}{reverse('board', args=[result.journey_map.pk])}")
        self.stdout.write(f"  Workshop: join code {result.workshop.join_code}")
        self.stdout.write(
            f"  Log in:   {base}{reverse('login')}  as {DEMO_USERNAME} / {DEMO_PASSWORD}"
        )
