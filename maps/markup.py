"""The board's per-note HTML, built in Python.

A board of 12 stages of 40 notes renders 480 notes. Through Django's template engine (an include
per note, a variable lookup per field) a note cost about 0.3 ms, and the page missed its 100 ms
target (bench/board_page.py, docs/benchmarks.md). A format string per note costs a tenth of that.
Every value goes through format_html, so user text is escaped exactly as a template would.

The markup is the contract of docs/design.md, "Board markup": static/js/live/markup.js builds the
same li and paragraphs for notes added live, and the same heat box on reveal.
"""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from .heat import TAG_LABELS, TAGS, Heat
from .models import Channel, Touchpoint

CHANNEL_LABELS = dict(Channel.choices)
SHORT_LABELS = {"pain": "Pain", "delight": "Delight", "truth": "Truth"}

NOTE = (
    '<li class="{}" data-touchpoint="{}" data-version="{}" data-position="{}" tabindex="0"{}>'
    '<p class="note-text" data-field="text">{}</p>'
    '<p class="meta" data-field="meta">{}</p>{}{}</li>'
)
# The editor's "Edit" disclosure: htmx fetches the note's form the first time it opens.
EDIT = (
    '<details class="note-edit" hx-get="{}?touchpoint={}" hx-trigger="toggle once"'
    ' hx-target="find .slot" hx-swap="innerHTML"><summary>Edit<span class="visually-hidden">'
    ' or move this note</span></summary><div class="slot" aria-live="polite">Loading…</div>'
    "</details>"
)
HEAT = (
    '<div class="heat" data-heat data-top="{}" data-level="{}"{}{}>'
    '<ul class="heat-counts" aria-label="Votes from {} voter{}">{}</ul>{}</div>'
)
HEAT_COUNT = (
    '<li class="heat-count" data-tag="{}"><span class="heat-label"><span aria-hidden="true">{}'
    '</span><span class="visually-hidden">{}</span></span> <strong>{}</strong>'
    '<span class="visually-hidden"> ({}%)</span></li>'
)
INCONSISTENT_FLAG = '<p class="heat-flag">{}</p>'
INCONSISTENT_TEXT = "Inconsistent: painful and delightful to many"


def note_meta(note: Touchpoint) -> str:
    """The meta line under a note's text: channel · department · group · marks."""
    parts = [CHANNEL_LABELS.get(note.channel, note.channel)]
    if note.department:
        parts.append(note.department)
    if note.group_id is not None:
        parts.append(note.group.name)
    if note.critical:
        parts.append("critical")
    if note.internal:
        parts.append("internal")
    return " · ".join(parts)


def note_classes(note: Touchpoint) -> str:
    return "note" + (" internal" if note.internal else "") + (" critical" if note.critical else "")


def note_item(
    note: Touchpoint,
    *,
    heat: Heat | None = None,
    form_url: str | None = None,
    focused: bool = False,
) -> SafeString:
    """One note's li. `heat` when the page may show votes on it (never on internal notes);
    `form_url` (the note_form URL) adds the editor's Edit disclosure; `focused` the autofocus
    that htmx moves the browser's focus to after a swap."""
    show_heat = heat is not None and heat.voters > 0 and not note.internal
    return format_html(
        NOTE,
        note_classes(note),
        note.pk,
        note.version,
        note.position,
        " autofocus" if focused else "",  # attribute text with nothing to escape
        note.text,
        note_meta(note),
        heat_box(heat) if show_heat else "",
        format_html(EDIT, form_url, note.pk) if form_url else "",
    )


def heat_box(heat: Heat) -> SafeString:
    """Counts and colour hooks of one note's votes (static/css/heat.css colours them)."""
    top = heat.top_tag
    return format_html(
        HEAT,
        top or "",
        heat.level(top) if top else 0,
        format_html_join("", ' data-{}="{}"', ((tag, heat.level(tag)) for tag in TAGS)),
        " data-inconsistent" if heat.inconsistent else "",
        heat.voters,
        "" if heat.voters == 1 else "s",
        format_html_join(
            "",
            HEAT_COUNT,
            (
                (
                    tag,
                    SHORT_LABELS[tag],
                    TAG_LABELS[tag],
                    heat.counts[tag],
                    round(heat.share(tag) * 100),
                )
                for tag in TAGS
            ),
        ),
        format_html(INCONSISTENT_FLAG, INCONSISTENT_TEXT) if heat.inconsistent else "",
    )
