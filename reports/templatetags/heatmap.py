"""Heat on the board: `{% note_items notes %}` (a stage column's notes with the counts and colour
hooks of their votes), `{% note_template %}` (the live page's note for notes that arrive in
events, with the heat box a new note gets there) and `{% heat_legend %}` (the legend and the
per-tag view switch).

Which votes show: on a live workshop's page (context has `workshop`), that workshop's once it
is revealed and nothing before; on the map's own pages, the latest revealed workshop's. The
heat is computed once per page (a fixed number of queries), not once per note.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from maps import markup
from maps.heat import INCONSISTENT_SHARE, TAG_LABELS, TAGS, Heat
from workshops.tally import heat_for_map, is_revealed, latest_voted_workshop

register = template.Library()

_CACHE_KEY = "reports.board_heat"
PLURALS = {"pain": "Pain points", "delight": "Moments of delight", "truth": "Moments of truth"}


def board_heat(context: template.Context, journey_map_id: int) -> dict[int, Heat] | None:
    """The heat shown on this page, or None when no revealed votes may be shown."""
    # The bottom render-context dict lives for the whole page render, across includes: the
    # heat is looked up once, however many notes include it.
    memo = context.render_context.dicts[0]
    if _CACHE_KEY not in memo:
        memo[_CACHE_KEY] = _lookup(context, journey_map_id)
    return memo[_CACHE_KEY]


def _lookup(context: template.Context, journey_map_id: int) -> dict[int, Heat] | None:
    from maps.models import JourneyMap

    workshop = context.get("workshop")
    if workshop is not None:
        return heat_for_map(workshop.map, workshop) if is_revealed(workshop) else None
    journey_map = context.get("map")
    if not isinstance(journey_map, JourneyMap) or journey_map.pk != journey_map_id:
        journey_map = JourneyMap.objects.get(pk=journey_map_id)
    revealed = latest_voted_workshop(journey_map)
    return heat_for_map(journey_map, revealed) if revealed is not None else None


@register.simple_tag(takes_context=True)
def note_items(context: template.Context, notes: list) -> SafeString | str:
    """Every note of one stage column, as maps/markup.py builds them (it says why not an
    include per note): with their heat when the page may show votes, and the editor's Edit
    disclosure on the map's own board page."""
    if not notes:
        return ""
    heat = board_heat(context, notes[0].map_id) or {}
    editing = context.get("htmx_edit") and not context.get("live")
    form_url = context["urls"]["note_form"] if editing else None
    focused = context.get("focus_note")
    menu = _has_note_menu(context)
    return markup.note_items(notes, heat=heat, form_url=form_url, focused=focused, menu=menu)


def _has_note_menu(context: template.Context) -> bool:
    """The live page's note actions button: for those who may change notes there."""
    return bool(context.get("live") and context.get("can_edit"))


def board_voters(context: template.Context) -> int:
    """How many voters the heat shown on this page counts (0: no heat shown)."""
    journey_map = context.get("map")
    heat = board_heat(context, journey_map.pk) if journey_map is not None else None
    return next(iter(heat.values())).voters if heat else 0


@register.simple_tag(takes_context=True)
def note_template(context: template.Context) -> SafeString:
    """The `<template>` the live page fills for a note added or changed live (maps.markup)."""
    return markup.note_template(voters=board_voters(context), menu=_has_note_menu(context))


@register.simple_tag
def stack_template() -> SafeString:
    """The `<template>` the board's scripts fill for a stack that forms live (maps.markup)."""
    return markup.stack_template()


@register.inclusion_tag("maps/_heat_legend.html", takes_context=True)
def heat_legend(context: template.Context) -> dict[str, Any]:
    voters = board_voters(context)
    return {
        "show": bool(voters),
        "live": bool(context.get("live")),
        "voters": voters,
        "tags": [{"tag": tag, "label": TAG_LABELS[tag], "plural": PLURALS[tag]} for tag in TAGS],
        "inconsistent_percent": round(INCONSISTENT_SHARE * 100),
    }
