"""What the bench scripts' tables print: a percentile of measured times."""

from __future__ import annotations


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of `values` lie (nearest rank; `values` need not be
    sorted)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]
