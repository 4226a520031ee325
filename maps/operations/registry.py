"""The table of operations a client may ask for by name.

Each operation is declared once, on the function that does it: its name on the wire
(`touchpoint.move`), its fields, who may ask (maps.permissions.Who) and when (When). From that
one declaration come the websocket's handling of the message (workshops.gate), the map page's
permission check (maps.views), and the protocol's field table (`manage.py protocol_table`,
checked against docs/protocol.md by a test).

Operations differ in what they act on (`target`):
- "map": `fn(actor, journey_map, *, op_id, **fields) -> MapEvent`, a change to the map,
  recorded in its event log, run once per op_id and acknowledged with its event;
- "workshop" / "participant": `fn(workshop or participant, **fields)`, facilitation and votes
  (declared by the workshops app), acknowledged with `ack(result, participant)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import OperationError
from ..permissions import When, Who

Target = Literal["map", "workshop", "participant"]

# The keys every operation message carries besides its fields.
ENVELOPE = frozenset({"type", "op_id"})
# At most this many ids in one list field (group.add's touchpoints).
MAX_IDS = 500


@dataclass(frozen=True)
class Kind:
    """What a field holds on the wire. `check` refuses a wrong shape before the operation
    runs; kinds without one leave the value to the operation's own cleaner."""

    describe: str  # in refusals: "<field> must be <describe>"
    short: str  # in the protocol's table
    check: Callable[[Any], bool] | None = None


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


def _is_id_list(value: Any) -> bool:
    return isinstance(value, list) and len(value) <= MAX_IDS and all(_is_id(v) for v in value)


ID = Kind("an id (a positive integer)", "id")
OPTIONAL_ID = Kind("an id or null", "id or null")
INDEX = Kind("a whole number, 0 or more", "integer ≥ 0")
NUMBER = Kind("a whole number", "integer")
TEXT = Kind("text", "text")
BOOL = Kind("true or false", "bool")
SCORE = Kind("a whole number from −2 to 2, or null", "−2…2 or null")
PERCENT = Kind("a whole number from 0 to 100, or null", "0–100 or null")
CHOICE = Kind("one of the allowed values", "")
IDS = Kind(f"a list of at most {MAX_IDS} ids", f"ids, ≤ {MAX_IDS}", check=_is_id_list)


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    required: bool = False
    note: str = ""  # for the protocol table: a limit, what null means


@dataclass(frozen=True)
class Operation:
    name: str
    fn: Callable[..., Any]
    fields: tuple[Field, ...]
    who: Who
    when: When
    target: Target = "map"
    # Not for map operations (acknowledged with their event): the ack's fields from the
    # function's result and the participant who asked.
    ack: Callable[[Any, Any], dict[str, Any]] | None = None
    # Undo and redo act on an earlier operation: their caller passes `may`, a check that the
    # person may still make that operation's kind of change (its Who and When), now.
    reverts: bool = False

    def clean(self, data: dict[str, Any]) -> dict[str, Any]:
        """The message's fields minus the envelope. Missing and unknown keys and wrong shapes
        are refused as `invalid`, with `field` naming the field."""
        fields = {key: value for key, value in data.items() if key not in ENVELOPE}
        declared = {field.name: field for field in self.fields}
        for name in sorted(fields.keys() - declared.keys()):
            raise OperationError("invalid", f"Unknown field: {name[:40]}.", field=name[:40])
        for field in self.fields:
            if field.name not in fields:
                if field.required:
                    raise OperationError(
                        "invalid", f"Missing field: {field.name}.", field=field.name
                    )
                continue
            check = field.kind.check
            if check is not None and not check(fields[field.name]):
                raise OperationError(
                    "invalid", f"{field.name} must be {field.kind.describe}.", field=field.name
                )
        return fields


OPERATIONS: dict[str, Operation] = {}


def operation(
    name: str,
    *fields: Field,
    who: Who,
    when: When,
    target: Target = "map",
    ack: Callable[[Any, Any], dict[str, Any]] | None = None,
    reverts: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare the decorated function as the operation `name` (see the module's docstring)."""
    if (target == "map") != (ack is None):
        raise ValueError("Map operations are acknowledged with their event, others by `ack`.")

    def declare(fn: Callable[..., Any]) -> Callable[..., Any]:
        if name in OPERATIONS:
            raise RuntimeError(f"Two operations called {name!r}")
        OPERATIONS[name] = Operation(name, fn, tuple(fields), who, when, target, ack, reverts)
        return fn

    return declare


# --- the protocol's table -------------------------------------------------------------------

_WHO_IN_A_WORKSHOP = {
    "editors": "facilitator, participant",
    "facilitator": "facilitator",
    "voters": "facilitator, participant",
    "everyone": "everyone",
}
_WHEN_IN_A_WORKSHOP = {
    "editing": "gather, group, discuss; unlocked",
    "discussing": "discuss; unlocked",
    "grouping": "group; unlocked",
    "voting": "vote (the facilitator too); unlocked",
    "anytime": "any open phase",
    "always": "any open phase, locked too",
}


def protocol_table() -> str:
    """The operations as docs/protocol.md lists them (a test checks the doc says this). In a
    workshop, the facilitator passes the phase gates (but voting's) and the lock."""
    lines = [
        "| type | fields (required **bold**) | who | when |",
        "|---|---|---|---|",
    ]
    for name in sorted(OPERATIONS):
        op = OPERATIONS[name]
        fields = ", ".join(_field_text(field) for field in op.fields) or "–"
        who, when = _WHO_IN_A_WORKSHOP[op.who], _WHEN_IN_A_WORKSHOP[op.when]
        lines.append(f"| `{name}` | {fields} | {who} | {when} |")
    return "\n".join(lines) + "\n"


def _field_text(field: Field) -> str:
    name = f"**`{field.name}`**" if field.required else f"`{field.name}`"
    detail = ", ".join(part for part in (field.kind.short, field.note) if part)
    return f"{name} ({detail})" if detail else name
