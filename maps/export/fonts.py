"""The PDF's fonts, and user text turned into Paragraph markup that any of them can draw.

reportlab draws a character only if the paragraph's font has a glyph for it; otherwise the PDF
shows an empty box or nothing at all. So each run of characters is set in the first font that
covers it (DejaVu Sans for Latin, Cyrillic, Greek and symbols; Droid Sans Fallback for Chinese
and Japanese; NanumSquare for Korean), and a character no font has becomes a visible
placeholder instead of silently vanishing.
"""

from __future__ import annotations

import threading
import unicodedata
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"

BODY = "JM-Sans"
BOLD = "JM-Sans-Bold"
CJK = "JM-CJK"
HANGUL = "JM-Hangul"

# Tried in order for each character; the body font first so Latin text stays in one font.
_FILES = {
    BODY: "DejaVuSans.ttf",
    BOLD: "DejaVuSans-Bold.ttf",
    CJK: "DroidSansFallbackFull.ttf",
    HANGUL: "NanumSquareR.ttf",
}
FALLBACKS = (CJK, HANGUL)
PLACEHOLDER = "\u25a1"  # □, which DejaVu Sans has

_lock = threading.Lock()
_registered = False


def register_fonts() -> None:
    """Load the TrueType files once per process (about 0.2 s, mostly the CJK font)."""
    global _registered
    with _lock:
        if _registered:
            return
        for name, filename in _FILES.items():
            pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))
        # <b> in Paragraph markup switches to the bold face of the family.
        addMapping(BODY, 0, 0, BODY)
        addMapping(BODY, 1, 0, BOLD)
        addMapping(BODY, 0, 1, BODY)
        addMapping(BODY, 1, 1, BOLD)
        _registered = True


@lru_cache(maxsize=8)
def _coverage(font_name: str) -> frozenset[int]:
    return frozenset(pdfmetrics.getFont(font_name).face.charToGlyph)


def font_for(char: str) -> str | None:
    """The first font that has a glyph for `char`; None if none does."""
    code = ord(char)
    if code in _coverage(BODY):
        return BODY
    for name in FALLBACKS:
        if code in _coverage(name):
            return name
    return None


def _visible(char: str) -> str:
    """Control and format characters (tabs, zero-width joiners) would draw as boxes."""
    if char in "\n\t":
        return " "
    if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn"):
        return ""
    return char


def markup(text: str, *, line_breaks: bool = True) -> str:
    """User text as Paragraph markup: escaped, with per-character font fallback.

    The result is safe to put inside other markup: `<`, `>` and `&` in the text are escaped, so a
    note reading "<b>x</b>" prints those characters instead of bold text.
    """
    register_fonts()
    body = _coverage(BODY)
    out: list[str] = []
    run_font: str | None = BODY
    run: list[str] = []

    def flush() -> None:
        if not run:
            return
        chunk = escape("".join(run))
        out.append(chunk if run_font == BODY else f'<font name="{run_font}">{chunk}</font>')
        run.clear()

    for line_no, line in enumerate(text.split("\n")):
        if line_no:
            flush()
            out.append("<br/>" if line_breaks else " ")
        for raw in line:
            char = _visible(raw)
            if not char:
                continue
            # Fast path: most characters of most notes are in the body font.
            font = BODY if ord(char) in body else font_for(char)
            if font is None:
                font, char = BODY, PLACEHOLDER
            if font != run_font:
                flush()
                run_font = font
            run.append(char)
    flush()
    return "".join(out)


def plain(text: str) -> str:
    """Text for places that take one font (drawing strings): uncovered characters replaced."""
    register_fonts()
    return "".join(
        char if font_for(char) == BODY else PLACEHOLDER for char in map(_visible, text) if char
    )
