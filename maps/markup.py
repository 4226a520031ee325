"""The board's per-note HTML, built in Python: the one renderer of a note and of its heat box.

A board of 12 stages of 40 notes renders 480 notes. Through Django's template engine (an include
per note, a variable lookup per field) a note cost about 0.3 ms, and the page missed its 100 ms
target (bench/board_page.py, docs/benchmarks.md). A format string per note costs a tenth of that,
and a plain str.format with html.escape on the user's text (what format_html does, without its
per-argument checks) half of that again. User text is escaped exactly as a template would.

The live page never builds this markup in the browser: the board carries `note_template()`, a
note rendered here with every optional part, which static/js/live/note.js clones for a note that
arrives in an event and fills through the hooks of docs/design.md, "Board markup" (data-field
slots take text, data-if / data-unless parts stay or go with the note's fields).
"""

from __future__ import annotations

from html import escape

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from .heat import TAG_LABELS, TAGS, Heat
from .models import Channel, Touchpoint

CHANNEL_LABELS = dict(Channel.choices)
SHORT_LABELS = {"pain": "Pain", "delight": "Delight", "truth": "Truth"}

NOTE = (
    '<li class="{}" data-touchpoint="{}" data-version="{}" data-position="{}"{}{} tabindex="0"{}>'
    '<p class="note-text" data-field="text">{}</p>'
    '<p class="meta" data-field="meta">{}</p>{}{}{}{}</li>'
)
# Who added the note: their name, after a dot in their presence colour (a CSS custom property:
# the colour is "#rrggbb" or absent, maps.operations.notes.authorship). "authored" is the
# live page's hook for "this note has an author".
AUTHOR = (
    '<p class="note-author" data-if="authored"{}><span class="visually-hidden">Added by </span>'
    '<span data-field="author">{}</span></p>'
)
AUTHOR_STYLE = ' style="--author:{}"'
# The live page's way to a note's actions by touch or pointer (edit, move to a stage, colour,
# delete): one button per note, opening the page's one note sheet (static/js/live/sheet.js).
MENU = (
    '<button type="button" class="note-menu" data-note-menu aria-haspopup="dialog">'
    '<span aria-hidden="true">⋯</span><span class="visually-hidden">Note actions</span></button>'
)
# The meta line: channel, department, group, marks. Each optional part is a data-if span (its
# text the value, or the mark's word), so the live page keeps or drops a part without knowing the
# order; static/css/app.css puts the " · " between parts.
META_CHANNEL = '<span data-field="channel">{}</span>'
META_PART = '<span data-if="{}">{}</span>'
# The editor's "Edit" disclosure: htmx fetches the note's form the first time it opens.
EDIT = (
    '<details class="note-edit" hx-get="{}?touchpoint={}" hx-trigger="toggle once"'
    ' hx-target="find .slot" hx-swap="innerHTML"><summary>Edit<span class="visually-hidden">'
    ' or move this note</span></summary><div class="slot" aria-live="polite">Loading…</div>'
    "</details>"
)
# Never on an internal note (data-unless): the live page drops it from a new internal note.
HEAT = '<div class="heat" data-heat data-unless="internal" data-top="{}" data-level="{}"{}{}>{}{}</div>'
HEAT_COUNTS = '<ul class="heat-counts" aria-label="Votes from {} voter{}">{}</ul>'
# A note nobody tagged shows nothing, but a screen reader hears that it was counted.
NO_VOTES = '<p class="visually-hidden">No tags from the {} voter{}</p>'

HEAT_COUNT = (
    '<li class="heat-count" data-tag="{}"><span class="heat-label"><span aria-hidden="true">{}'
    '</span><span class="visually-hidden">{}</span></span> <strong>{}</strong>'
    '<span class="visually-hidden"> ({}%)</span></li>'
)
INCONSISTENT_FLAG = '<p class="heat-flag">{}</p>'
INCONSISTENT_TEXT = "Inconsistent: painful and delightful to many"
NOTE_TEMPLATE = "<template data-note-template>{}</template>"
# A stack's head: a group's notes next to each other in a stage show as one stack under its
# name and count (static/js/live/stacks.js keeps the heads where the runs are; groups.js
# renames them in place and drags them). A list item of the stage's notes list, never a note.
STACK_HEAD = (
    '<li class="stack-head" data-stack-head="{}" tabindex="0">'
    '<span class="stack-grip" aria-hidden="true"></span>'
    '<span class="visually-hidden">Group: </span>'
    '<span class="stack-name" data-field="name">{}</span>'
    '<span class="stack-count" data-field="count">{}</span>'
    '<span class="visually-hidden"> notes</span></li>'
)


def note_meta(note: Touchpoint, *, every_part: bool = False) -> SafeString:
    """The meta line under a note's text: channel · department · group · marks, each part only
    when the note has it (`every_part`: all of them, empty, for the live page's template)."""
    html = META_CHANNEL.format(escape(CHANNEL_LABELS.get(note.channel, note.channel)))
    if note.department or every_part:
        html += META_PART.format("department", escape(note.department))
    if note.group_id is not None or every_part:
        html += META_PART.format("group", escape(note.group.name if note.group_id else ""))
    if note.critical or every_part:
        html += '<span data-if="critical">critical</span>'
    if note.internal or every_part:
        html += '<span data-if="internal">internal</span>'
    return mark_safe(html)  # noqa: S308 (the user's text is escaped above)


def note_author(note: Touchpoint) -> str:
    """The author line (empty for a note nobody is named on)."""
    if not note.author_name:
        return ""
    style = AUTHOR_STYLE.format(note.author_colour) if note.author_colour else ""
    return AUTHOR.format(style, escape(note.author_name))


def note_classes(note: Touchpoint) -> str:
    return "note" + (" internal" if note.internal else "") + (" critical" if note.critical else "")


def note_item(
    note: Touchpoint,
    *,
    heat: Heat | None = None,
    form_url: str | None = None,
    focused: bool = False,
    menu: bool = False,
    stack: str = "",
) -> SafeString:
    """One note's li. `heat` when the page may show votes on it (never on internal notes);
    `form_url` (the note_form URL) adds the editor's Edit disclosure; `focused` the autofocus
    that htmx moves the browser's focus to after a swap; `menu` the live page's actions button."""
    show_heat = heat is not None and heat.voters > 0 and not note.internal
    heat_html = heat_box(heat) if show_heat else ""
    return _note(
        note, note_meta(note), note_author(note), heat_html, form_url, focused, menu, stack
    )


def note_items(
    notes: list[Touchpoint],
    *,
    heat: dict[int, Heat],
    form_url: str | None = None,
    focused: int | None = None,
    menu: bool = False,
) -> SafeString:
    """A stage column's notes, each with its heat (when `heat` has it) and, for the note whose
    id is `focused`, the autofocus; a stack head before each run of one group's notes."""
    items = []
    for at, note in enumerate(notes):
        if note.group_id is not None and (at == 0 or notes[at - 1].group_id != note.group_id):
            items.append(stack_head(note, _run_length(notes, at)))
        items.append(
            note_item(
                note,
                heat=heat.get(note.pk),
                form_url=form_url,
                focused=note.pk == focused,
                menu=menu,
                stack=_stack_mark(notes, at),
            )
        )
    return mark_safe("".join(items))  # noqa: S308 (each item is a SafeString)


def _stack_mark(notes: list[Touchpoint], at: int) -> str:
    """A stacked note's place in its stack (data-stack): "end" for its last note, else "in";
    "" for a note in no group. static/js/live/stacks.js keeps the same marks live."""
    group = notes[at].group_id
    if group is None:
        return ""
    return "in" if at + 1 < len(notes) and notes[at + 1].group_id == group else "end"


def _run_length(notes: list[Touchpoint], start: int) -> int:
    """How many notes from `start` on are in the group of the note at `start`."""
    end = start
    while end < len(notes) and notes[end].group_id == notes[start].group_id:
        end += 1
    return end - start


def stack_template() -> SafeString:
    """The `<template>` static/js/live/stacks.js clones for a stack that forms live: a blank
    head, filled through its data-field slots."""
    return mark_safe(  # noqa: S308 (no user text)
        f"<template data-stack-template>{STACK_HEAD.format(0, '', 0)}</template>"
    )


def stack_head(note: Touchpoint, count: int) -> SafeString:
    """The head of the stack `note` starts: its group's name and how many notes it holds."""
    return mark_safe(  # noqa: S308 (the group's name is escaped; the rest are numbers)
        STACK_HEAD.format(int(note.group_id), escape(note.group.name), int(count))
    )


def note_template(*, voters: int, menu: bool = False) -> SafeString:
    """The `<template>` the live page clones for a note that arrives in an event: a blank note
    with every optional part of the meta line, the author line and, when the page shows heat
    (`voters` > 0), the heat box of a note nobody has voted on, as note_item renders a new note
    on that page; `menu` as note_item's."""
    blank = Touchpoint(pk=0, version=0, position="", text="", channel=Channel.OTHER)
    heat = heat_box(Heat(voters=voters)) if voters else ""
    author = AUTHOR.format("", "")
    html = _note(blank, note_meta(blank, every_part=True), author, heat, menu=menu)
    return format_html(NOTE_TEMPLATE, html)


def _note(
    note: Touchpoint,
    meta: str,
    author: str,
    heat: str,
    form_url: str | None = None,
    focused: bool = False,
    menu: bool = False,
    stack: str = "",
) -> SafeString:
    group = f' data-group="{note.group_id}"' if note.group_id is not None else ""
    # "in" or "end" (_stack_mark): ours, no escaping needed.
    group += f' data-stack="{stack}"' if stack else ""
    # A NoteColour value (checked on the way in and by the database): no escaping needed.
    colour = f' data-colour="{note.colour}"' if note.colour else ""
    edit = format_html(EDIT, form_url, note.pk) if form_url else ""
    return mark_safe(  # noqa: S308 (the user's text and the key are escaped here; the rest is ours)
        NOTE.format(
            note_classes(note),
            int(note.pk),
            int(note.version),
            escape(note.position),
            group,
            colour,
            " autofocus" if focused else "",
            escape(note.text),
            meta,
            author,
            MENU if menu else "",
            heat,
            edit,
        )
    )


def heat_box(heat: Heat) -> SafeString:
    """Counts and colour hooks of one note's votes (static/css/heat.css colours them)."""
    top = heat.top_tag
    plural = "" if heat.voters == 1 else "s"
    counts = format_html_join(
        "",
        HEAT_COUNT,
        # Only the tags someone gave: "Pain 0 · Delight 0 · Truth 0" on every note said
        # nothing and wrapped to two lines.
        (
            (
                tag,
                SHORT_LABELS[tag],
                TAG_LABELS[tag],
                heat.counts[tag],
                round(heat.share(tag) * 100),
            )
            for tag in TAGS
            if heat.counts[tag]
        ),
    )
    return format_html(
        HEAT,
        top or "",
        heat.level(top) if top else 0,
        format_html_join("", ' data-{}="{}"', ((tag, heat.level(tag)) for tag in TAGS)),
        " data-inconsistent" if heat.inconsistent else "",
        format_html(HEAT_COUNTS, heat.voters, plural, counts)
        if counts
        else format_html(NO_VOTES, heat.voters, plural),
        format_html(INCONSISTENT_FLAG, INCONSISTENT_TEXT) if heat.inconsistent else "",
    )
