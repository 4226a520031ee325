"""Fractional order keys: a note's place inside a stage (and a stage's place in the spine).

A key is a string over DIGITS; keys sort in the order of the items. A new key is made between
two neighbours without renumbering anything, so concurrent moves each touch one row and the
server's order is the one every screen ends with. The alphabet is digits and lowercase letters
only, so byte order, SQLite's BINARY collation and PostgreSQL's locale collations all agree.
"""

from __future__ import annotations

DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
BASE = len(DIGITS)
_VALUE = {digit: value for value, digit in enumerate(DIGITS)}


def is_valid_key(key: str) -> bool:
    return bool(key) and all(c in _VALUE for c in key) and not key.endswith("0")


def key_between(low: str | None, high: str | None) -> str:
    """A key that sorts strictly after `low` and before `high` (None: no bound on that side).

    Keys never end in "0", so there is always room before any key.
    """
    low = low or ""
    if high is not None and low >= high:
        raise ValueError(f"key_between needs low < high, got {low!r} and {high!r}")
    digits: list[str] = []
    index = 0
    while True:
        low_digit = _VALUE[low[index]] if index < len(low) else 0
        # `high` never runs out while it bounds: its digits so far equal `low`'s (padded with
        # zeros), so it would be `low` itself or `low` followed by zeros, and no key ends in "0".
        high_digit = BASE if high is None else _VALUE[high[index]]
        if high_digit - low_digit > 1:
            digits.append(DIGITS[(low_digit + high_digit) // 2])
            return "".join(digits)
        digits.append(DIGITS[low_digit])
        if high_digit - low_digit == 1:
            # The prefix is now below `high` already: only `low` still bounds what follows.
            high = None
        index += 1


def keys_after(last: str | None, count: int) -> list[str]:
    """`count` increasing keys after `last`, for appending several items at once."""
    keys: list[str] = []
    for _ in range(count):
        last = key_between(last, None)
        keys.append(last)
    return keys


def key_for_index(ordered_keys: list[str], index: int) -> str:
    """The key that puts an item at `index` among items with `ordered_keys` (item excluded)."""
    index = max(0, min(index, len(ordered_keys)))
    low = ordered_keys[index - 1] if index > 0 else None
    high = ordered_keys[index] if index < len(ordered_keys) else None
    return key_between(low, high)
