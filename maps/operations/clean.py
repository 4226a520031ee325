"""Input cleaners. Input may come from a websocket message: never trust its type, size or shape.

Each cleaner returns the value as the model stores it, or raises OperationError naming the
field (`field` in the error message)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

from ..errors import OperationError


def clean_text(
    value: Any, label: str, maximum: int, *, required: bool = False, field: str | None = None
) -> str:
    """Text for the model: trimmed, NULs removed, bounded. `label` names it for people;
    `field`, the message's field it came from, when that differs ("stage name" is `name`)."""
    field = field or label
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise OperationError("invalid", f"{label} must be text.", field=field)
    # NUL cannot be stored by PostgreSQL and is never meaningful in a note.
    value = value.replace("\x00", "").strip()
    # JSON can carry lone surrogates ("\ud800"), which no UTF-8 database can store.
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise OperationError("invalid", f"{label} is not valid text.", field=field) from None
    if required and not value:
        raise OperationError("invalid", f"{label} cannot be empty.", field=field)
    if len(value) > maximum:
        raise OperationError(
            "too_long", f"{label} is limited to {maximum} characters.", field=field
        )
    return value


def clean_name(value: Any, label: str, maximum: int, *, required: bool = False) -> str:
    """A name people pick things by (a group's): clean_text's rules, and when required it
    must show something: a name of only zero-width or other invisible characters would be a
    blank title on the board."""
    name = clean_text(value, label, maximum, required=required, field="name")
    if required and all(unicodedata.category(char) in ("Cf", "Zs", "Cc") for char in name):
        raise OperationError("invalid", f"{label} cannot be empty.", field="name")
    return name


def clean_score(value: Any, field: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise OperationError(
            "invalid", f"{field} must be a whole number from -2 to +2.", field=field
        )
    try:
        score = int(value)
    except ValueError:
        raise OperationError(
            "invalid", f"{field} must be a whole number from -2 to +2.", field=field
        ) from None
    if not -2 <= score <= 2:
        raise OperationError("invalid", f"{field} must be from -2 to +2.", field=field)
    return score


def clean_bool(value: Any, field: str) -> bool:
    if isinstance(value, bool):
        return value
    raise OperationError("invalid", f"{field} must be true or false.", field=field)


def clean_choice(value: Any, field: str, choices: Iterable[str]) -> str:
    if not isinstance(value, str) or value not in set(choices):
        raise OperationError("invalid", f"{field} is not one of the allowed values.", field=field)
    return value


def clean_percent(value: Any, field: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise OperationError("invalid", f"{field} must be a percentage.", field=field) from None
    if isinstance(value, bool) or not 0 <= number <= 100:
        raise OperationError("invalid", f"{field} must be from 0 to 100.", field=field)
    return number


def clean_id(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise OperationError("invalid", f"{field} must be an id.", field=field)
    return value


def clean_index(value: Any, field: str = "index") -> int:
    """A place among siblings: 0 is the first; anything past the end means the last."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise OperationError("invalid", f"{field} must be a whole number, 0 or more.", field=field)
    return value
