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
# A fallback font is loaded the first time a character in its blocks is needed: the CJK font
# alone holds about 17 MB once parsed, and most maps never need it.
FALLBACK_BLOCKS = {
    CJK: (
        (0x2E80, 0x2FDF),  # CJK radicals
        (0x3000, 0x30FF),  # CJK punctuation, hiragana, katakana
        (0x3190, 0x31FF),  # kanbun, strokes, katakana extensions
        (0x3200, 0x4DBF),  # enclosed CJK, compatibility, extension A
        (0x4E00, 0x9FFF),  # CJK unified ideographs
        (0xF900, 0xFAFF),  # compatibility ideographs
        (0xFE30, 0xFE4F),  # CJK compatibility forms
        (0xFF00, 0xFFEF),  # half- and full-width forms
        (0x20000, 0x2FA1F),  # extensions B onwards
    ),
    HANGUL: ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7FF)),
}
PLACEHOLDER = "\u25a1"  # □, which DejaVu Sans has


class _Font(TTFont):
    """reportlab's TrueType font with a fast path for the commonest call while drawing.

    `splitString` maps each character to its code in the embedded subset, in a Python loop per
    character: a quarter of the drawing time of a large map. Once a character has its code
    (`state.assignments`) and it lies in the first subset (so the code fits one byte), the
    mapping is one C-level pass; anything else takes reportlab's own path unchanged.
    """

    def splitString(self, text, doc, encoding="utf-8"):
        state = self.state.get(doc)
        if state is not None and isinstance(text, str) and "\xa0" not in text:
            try:
                return [(0, bytes(map(state.assignments.__getitem__, map(ord, text))))]
            except (KeyError, ValueError):
                pass  # a new character, or one outside the first subset
        return super().splitString(text, doc, encoding)


_lock = threading.Lock()
_registered = False
_loaded: set[str] = set()


def _load(name: str) -> None:
    with _lock:
        if name not in _loaded:
            pdfmetrics.registerFont(_Font(name, str(FONT_DIR / _FILES[name])))
            _loaded.add(name)


def register_fonts() -> None:
    """Load the body fonts once per process (about 50 ms); fallbacks load when needed."""
    global _registered
    if _registered:
        return
    _load(BODY)
    _load(BOLD)
    with _lock:
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
    register_fonts()
    code = ord(char)
    if code in _coverage(BODY):
        return BODY
    for name in FALLBACKS:
        if any(low <= code <= high for low, high in FALLBACK_BLOCKS[name]):
            _load(name)
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
