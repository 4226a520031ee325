"""Who makes a change (Actor) and how a change is refused (OperationError): shared by every
operation, by the rules of who may (maps.permissions) and by the callers that turn a refusal
into an error message (docs/protocol.md lists the codes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    """Who makes a change: an account, a workshop guest, or the system (imports, seeding)."""

    user: Any = None
    name: str = "system"
    participant_id: int | None = None
    # A workshop participant's presence colour ("#rrggbb"), shown on the notes they add.
    colour: str = ""

    @classmethod
    def for_user(cls, user) -> Actor:
        return cls(user=user, name=user.get_username())


SYSTEM = Actor()


class OperationError(Exception):
    """A refused operation. `code` is stable (docs/protocol.md); `message` is for people."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details
