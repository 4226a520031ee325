"""What heat is: how many voters gave each tag to a touchpoint, the share that makes its colour,
and when a touchpoint counts as inconsistent. A value, computed from a workshop's votes by
workshops.tally and ranked by reports.analysis; the note renderer (maps.markup) shows it.

The heat of a tag on a touchpoint is the share of the workshop's voters (participants who cast
at least one vote) who gave it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .models import Tag

TAGS: tuple[str, ...] = tuple(Tag.values)
TAG_LABELS: dict[str, str] = dict(Tag.choices)
# A touchpoint is inconsistent when at least this share of voters found it painful AND at least
# this share found it delightful: the experience varies wildly there.
INCONSISTENT_SHARE = 0.3
# Heat levels for colours: 0 (nobody) and four bands of share, so a colour scale of five steps
# is enough and every step can be checked for contrast (static/css/heat.css).
LEVEL_BOUNDS: tuple[float, ...] = (0.25, 0.5, 0.75)


def heat_level(share: float) -> int:
    """0 when nobody gave the tag, else 1-4 by quarter of voters."""
    if share <= 0:
        return 0
    return 1 + sum(share >= bound for bound in LEVEL_BOUNDS)


@dataclass
class Heat:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TAGS, 0))
    voters: int = 0

    def share(self, tag: str) -> float:
        return self.counts.get(tag, 0) / self.voters if self.voters else 0.0

    def level(self, tag: str) -> int:
        return heat_level(self.share(tag))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def top_tag(self) -> str | None:
        """The tag most voters gave (ties in the order pain, delight, truth), or None."""
        if not self.total:
            return None
        return max(TAGS, key=lambda tag: (self.counts[tag], -TAGS.index(tag)))

    @property
    def inconsistent(self) -> bool:
        return (
            self.voters > 0
            and self.share("pain") >= INCONSISTENT_SHARE
            and self.share("delight") >= INCONSISTENT_SHARE
        )
