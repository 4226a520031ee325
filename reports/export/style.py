"""The PDF's colours, paragraph styles and wording helpers, shared by its pages."""

from __future__ import annotations

from typing import Any

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph

from .fonts import BODY, BOLD, markup

INK = colors.HexColor("#111827")
MUTED = colors.HexColor("#4b5563")
RULE = colors.HexColor("#d1d5db")
HEADER = colors.HexColor("#1f2937")
LABEL_BG = colors.HexColor("#f3f4f6")
NEUTRAL = colors.HexColor("#eef0f3")
CRITICAL = colors.HexColor("#991b1b")
# One hue per heat-map tag; a note takes the hue of its strongest tag, deeper as more voters gave it.
TAG_COLOURS = {
    "pain": colors.HexColor("#dc2626"),
    "delight": colors.HexColor("#16a34a"),
    "truth": colors.HexColor("#2563eb"),
}
TAG_NAMES = {"pain": "Pain point", "delight": "Moment of delight", "truth": "Moment of truth"}
SHORT_TAG = {"pain": "Pain", "delight": "Delight", "truth": "Truth"}
NOW_COLOUR = colors.HexColor("#111827")
AIM_COLOUR = colors.HexColor("#2563eb")


def _style(name: str, size: float, **extra: Any) -> ParagraphStyle:
    base: dict[str, Any] = {"fontName": BODY, "leading": size * 1.25, "textColor": INK}
    return ParagraphStyle(name, fontSize=size, **{**base, **extra})


TITLE = _style("title", 16, fontName=BOLD, spaceAfter=2)
H2 = _style("h2", 10.5, fontName=BOLD, spaceBefore=7, spaceAfter=3)
BODY_TEXT = _style("body", 8)
SMALL = _style("small", 7.2)
MUTED_TEXT = _style("muted", 7.2, textColor=MUTED)
# A summary section with nothing in it yet: its title and what to do, on one line.
EMPTY_SECTION = _style("empty-section", 7.2, textColor=MUTED, spaceBefore=5)


def p(text: str, style: ParagraphStyle = SMALL) -> Paragraph:
    """A paragraph of user text (escaped, with font fallback)."""
    return Paragraph(markup(text), style)


def score(value: int | None) -> str:
    return "–" if value is None else f"{value:+d}" if value else "0"


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """'1 touchpoint', '2 touchpoints', '0 touchpoints'."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def tinted(colour: colors.Color, share: float) -> colors.Color:
    """`colour` mixed into white; light enough at full share for dark text to keep its contrast."""
    return colors.linearlyInterpolatedColor(colors.white, colour, 0, 1, 0.15 + 0.45 * share)
