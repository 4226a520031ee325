"""What the board shows of a map's personas (issue 20): each persona's colour and emotion
curve, how each further persona feels at each stage (under the stage's "Feels" lane), and
whose journey each note is on (for the board's persona filter, static/js/segments.js).

A fixed number of queries whatever the map's size, like the rest of the board (maps/board.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .models import JourneyMap, Persona, Stage, StageFeeling, Touchpoint

# One colour per persona, in the map's order (the primary first: the board's accent, as the
# single curve always was). Fixed values, never user input, so they may go in style attributes;
# each is at least 4.5:1 on white (the legend's text is in it).
PERSONA_COLOURS = ("#4338ca", "#be185d", "#0e7490", "#a16207", "#7e22ce", "#15803d")


@dataclass
class MapPersonaView:
    """One persona as the board shows it."""

    persona: Persona
    colour: str
    primary: bool
    # stage id -> (feelings, now, aspiration): the stage's own lanes for the primary.
    feelings: dict[int, tuple[str, int | None, int | None]] = field(default_factory=dict)
    now: str = ""  # the curve's polyline points
    aspiration: str = ""
    summary: str = ""  # the scores in words, for the curve's title

    @property
    def pk(self) -> int:
        return self.persona.pk


def map_persona_views(journey_map: JourneyMap, stages: list[Stage]) -> list[MapPersonaView]:
    """The map's personas, primary first, each with its feelings per stage (three queries)."""
    segments = list(journey_map.segments.select_related("persona").order_by("id"))
    views: list[MapPersonaView] = []
    if journey_map.persona_id is not None:
        primary = journey_map.persona or Persona.objects.get(pk=journey_map.persona_id)
        views.append(
            MapPersonaView(
                primary,
                PERSONA_COLOURS[0],
                True,
                {s.pk: (s.feelings, s.emotion_now, s.emotion_aspiration) for s in stages},
            )
        )
    by_segment = {}
    for segment in segments:
        view = MapPersonaView(segment.persona, PERSONA_COLOURS[len(views)], False)
        views.append(view)
        by_segment[segment.pk] = view
    # A map of one persona (most maps) needs no second query.
    feelings = StageFeeling.objects.filter(segment__map=journey_map) if segments else ()
    for feeling in feelings:
        by_segment[feeling.segment_id].feelings[feeling.stage_id] = (
            feeling.feelings,
            feeling.emotion_now,
            feeling.emotion_aspiration,
        )
    return views


def note_scopes(journey_map: JourneyMap) -> dict[str, list[int]]:
    """Note id -> the personas it names (notes naming none, everyone's, are left out)."""
    scopes: dict[str, list[int]] = {}
    links = Touchpoint.personas.through.objects.filter(touchpoint__map=journey_map)
    for note_id, persona_id in links.order_by("touchpoint_id", "persona_id").values_list(
        "touchpoint_id", "persona_id"
    ):
        scopes.setdefault(str(note_id), []).append(persona_id)
    return scopes


def on_journey(scope: list[int], persona_id: int) -> bool:
    """Whether a note with this scope is on the persona's journey: everyone's, or named."""
    return not scope or persona_id in scope


def persona_feelings_by_stage(views: list[MapPersonaView]) -> dict[int, list[dict[str, Any]]]:
    """Stage id -> how each further persona feels there (for the stage's "Feels" lane), in the
    map's order; a persona with nothing said about the stage is left out of that stage."""
    by_stage: dict[int, list[dict[str, Any]]] = {}
    for view in views:
        if view.primary:
            continue
        for stage_id, (text, now, aim) in view.feelings.items():
            if text or now is not None or aim is not None:
                by_stage.setdefault(stage_id, []).append(
                    {"view": view, "feelings": text, "now": now, "aspiration": aim}
                )
    return by_stage


def library_choices(user, journey_map: JourneyMap, on_map: list[int]) -> list[Persona]:
    """The personas of the user's library a map may still add (none once it has six)."""
    from .models import PERSONAS_MAX

    if not user.is_authenticated or len(on_map) >= PERSONAS_MAX:
        return []
    return list(Persona.objects.filter(owner=user).exclude(pk__in=on_map).order_by("name", "id"))


def stage_feelings_forms(stage: Stage) -> list[dict[str, Any]]:
    """A stage's "Edit lanes" holds one small form per further persona (the primary's feelings
    are the stage's own lanes, in its main form): their name, colour and current values."""
    journey_map = stage.map
    views = map_persona_views(journey_map, [stage])
    if len(views) < 2:
        return []
    from .forms import SCORE_CHOICES

    def options(score: int | None) -> list[tuple[str, str, bool]]:
        chosen = "" if score is None else str(score)
        return [(value, label, value == chosen) for value, label in SCORE_CHOICES]

    forms = []
    for view in views[1:]:
        text, now, aim = view.feelings.get(stage.pk, ("", None, None))
        forms.append(
            {"view": view, "feelings": text, "now": options(now), "aspiration": options(aim)}
        )
    return forms


def note_scope_choices(note: Touchpoint) -> list[dict[str, Any]]:
    """The note editor's "whose journey" boxes: every persona of its map, ticked when the note
    names it (none ticked: everyone's). Empty on a map of one persona or none."""
    views = map_persona_views(note.map, [])
    if len(views) < 2:
        return []
    named = set(note.personas.values_list("pk", flat=True))
    return [{"view": view, "ticked": view.pk in named} for view in views]
