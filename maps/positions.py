"""Fractional order keys: a note's place inside a stage (and a stage's place in the spine).

A key is a string over DIGITS; keys sort in the order of the items. A new key is made between
two neighbours without renumbering anything, so concurrent moves each touch one row and the
server's order is the one every screen ends with. The alphabet is digits and lowercase letters
only, so byte order, SQLite's BINARY collation and PostgreSQL's locale collations all agree.

Keys grow when items keep landing on the same spot (about one character per five moves to the
top, per six appends), and the database caps them at POSITION_MAX characters. So the operations
never store a key longer than REBALANCE_AT: when the next key would be longer, they respace the
stage (or the spine) first with `spread`, which gives n items keys of about log36(n) characters.
"""

from __future__ import annotations

DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
BASE = len(DIGITS)
_VALUE = {digit: value for value, digit in enumerate(DIGITS)}

# The longest key an operation stores; a longer one respaces its stage or spine first. Far
# enough below the database's cap (maps.models.POSITION_MAX, 64) that a key one character
# longer than its neighbours always fits, and long enough that respacing is rare: about 140
# moves to one spot, or 170 appends, between two respacings of a stage.
REBALANCE_AT = 32


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


def needs_respacing(key: str) -> bool:
    return len(key) > REBALANCE_AT


def spread(low: str | None, high: str | None, count: int) -> list[str]:
    """`count` increasing keys strictly between `low` and `high` (None: no bound), evenly
    spaced and as short as the room between them allows: for n items between no bounds,
    ceil(log36(n + 1)) characters. Used for bulk writes (imports, copies of many notes) and
    to respace a stage whose keys grew long."""
    if count <= 0:
        return []
    low = low or ""
    if high is not None and low >= high:
        raise ValueError(f"spread needs low < high, got {low!r} and {high!r}")
    length = max(len(low), len(high or ""), 1)
    while True:
        bottom = _value(low, length)
        top = BASE**length if high is None else _value(high, length)
        if top - bottom > count:
            break
        length += 1
    room = top - bottom
    return [_key(bottom + (i + 1) * room // (count + 1), length) for i in range(count)]


def keys_after(last: str | None, count: int) -> list[str]:
    """`count` increasing keys after `last`, for appending several items at once."""
    return spread(last, None, count)


def _value(key: str, length: int) -> int:
    """The key as a whole number of `length` base-36 digits (missing digits are zeros)."""
    value = 0
    for digit in key.ljust(length, "0"):
        value = value * BASE + _VALUE[digit]
    return value


def _key(value: int, length: int) -> str:
    """`_value`'s inverse, without the trailing zeros (a key never ends in "0")."""
    digits = []
    for _ in range(length):
        value, digit = divmod(value, BASE)
        digits.append(DIGITS[digit])
    return "".join(reversed(digits)).rstrip("0")


def key_for_index(ordered_keys: list[str], index: int) -> str:
    """The key that puts an item at `index` among items with `ordered_keys` (item excluded)."""
    index = max(0, min(index, len(ordered_keys)))
    low = ordered_keys[index - 1] if index > 0 else None
    high = ordered_keys[index] if index < len(ordered_keys) else None
    return key_between(low, high)
