"""Print the table of websocket operations, as docs/protocol.md lists it, from their
declarations (maps.operations.registry)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from maps.operations.registry import protocol_table
from workshops import (
    facilitation,  # noqa: F401
    gate,  # noqa: F401  (with the consumer's imports: every declaration)
)


class Command(BaseCommand):
    help = "Print the protocol's table of operations (paste it into docs/protocol.md)."

    def handle(self, *args, **options) -> None:
        self.stdout.write(protocol_table(), ending="")
