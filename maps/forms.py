"""Forms of the editor. They convert and check what a browser sends (text, choices, numbers);
maps.operations stays the authority and refuses anything the forms let through."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q

from .models import (
    DEPARTMENT_MAX,
    LANE_MAX,
    NAME_MAX,
    NOTE_MAX,
    SHORT_MAX,
    Channel,
    JourneyMap,
    MapMembership,
    NoteColour,
    Persona,
    ValuePoint,
)
from .serializers import PERSONA_FIELDS

SCORE_CHOICES = [
    ("", "— not scored"),
    ("2", "+2 delighted"),
    ("1", "+1 pleased"),
    ("0", "0 neutral"),
    ("-1", "−1 annoyed"),
    ("-2", "−2 upset"),
]

# Templates a new map can start from: their stage names (PRODUCT.md, "Spine").
MAP_TEMPLATES: dict[str, tuple[str, list[str]]] = {
    "standard": (
        "Standard",
        [
            "Awareness",
            "Consideration",
            "Purchase",
            "Service delivery/support",
            "Relationship strengthening",
        ],
    ),
    "buyers_journey": ("Buyer's journey", ["Awareness", "Consideration", "Decision"]),
    "onboarding": (
        "Onboarding",
        ["Sign up", "First login", "Set up", "First value", "Habit"],
    ),
    "car_purchase": (
        "Car purchase",
        ["Discovery", "Comparing", "Considering", "Purchase", "Post-purchase"],
    ),
    "blank": ("Blank", []),
}


class PersonaForm(forms.ModelForm):
    class Meta:
        model = Persona
        fields = list(PERSONA_FIELDS)
        widgets = {
            name: forms.Textarea(attrs={"rows": 2})
            for name in (
                "demographics",
                "personality",
                "lifestyle",
                "purchase_reason",
                "goals",
                "expectations",
            )
        }


class MapCreateForm(forms.Form):
    title = forms.CharField(max_length=NAME_MAX)
    template = forms.ChoiceField(
        choices=[(key, label) for key, (label, _) in MAP_TEMPLATES.items()],
        initial="standard",
        help_text="The stages the map starts with; you can rename, reorder, add and remove them.",
    )
    persona = forms.ModelChoiceField(queryset=Persona.objects.none(), required=False)
    scope = forms.CharField(
        max_length=SHORT_MAX,
        required=False,
        help_text="Where the journey starts and ends: end-to-end, or one part such as onboarding.",
    )
    state = forms.ChoiceField(choices=JourneyMap.State.choices, initial="current")

    def __init__(self, *args: Any, owner, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["persona"].queryset = Persona.objects.filter(owner=owner)

    def stage_names(self) -> list[str]:
        return MAP_TEMPLATES[self.cleaned_data["template"]][1]


class MapSettingsForm(forms.Form):
    title = forms.CharField(max_length=NAME_MAX)
    persona = forms.ModelChoiceField(queryset=Persona.objects.none(), required=False)
    scope = forms.CharField(max_length=SHORT_MAX, required=False)

    def __init__(self, *args: Any, user, journey_map: JourneyMap, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The user's own personas, and the one the map shows now (maybe another member's).
        # Not one already on the map as a further persona (issue 20): that one becomes the
        # primary on the board, swapping their feelings.
        self.fields["persona"].queryset = Persona.objects.filter(
            Q(owner=user) | Q(pk=journey_map.persona_id)
        ).exclude(segment_maps__map=journey_map)


class StageForm(forms.Form):
    name = forms.CharField(label="Stage name", max_length=NAME_MAX)
    actions = forms.CharField(
        label="Does (actions)", max_length=LANE_MAX, required=False, widget=forms.Textarea
    )
    thoughts = forms.CharField(
        label="Thinks", max_length=LANE_MAX, required=False, widget=forms.Textarea
    )
    feelings = forms.CharField(
        label="Feels", max_length=LANE_MAX, required=False, widget=forms.Textarea
    )
    emotion_now = forms.TypedChoiceField(
        label="Emotion now", choices=SCORE_CHOICES, coerce=int, empty_value=None, required=False
    )
    emotion_aspiration = forms.TypedChoiceField(
        label="Emotion we aim for",
        choices=SCORE_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
    )
    goals = forms.CharField(
        label="Customer's goals", max_length=LANE_MAX, required=False, widget=forms.Textarea
    )
    personnel = forms.CharField(label="Personnel involved", max_length=SHORT_MAX, required=False)
    value_point = forms.ChoiceField(label="Value point", choices=ValuePoint.choices, required=False)
    conversion_pct = forms.IntegerField(
        label="Conversion to next stage (%)", min_value=0, max_value=100, required=False
    )
    time_in_stage = forms.CharField(
        label="Typical time spent", max_length=DEPARTMENT_MAX, required=False
    )

    loops_back_to = forms.TypedChoiceField(
        label="Loops back to",
        coerce=int,
        empty_value=None,
        required=False,
        help_text="Journeys are not always linear: the customer may go back to an earlier stage.",
    )

    def __init__(
        self,
        *args: Any,
        stage_id: int,
        earlier: Iterable[tuple[int, str]] = (),
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("auto_id", f"stage-{stage_id}-%s")
        super().__init__(*args, **kwargs)
        self.fields["loops_back_to"].choices = [("", "— does not loop back")] + [
            (str(pk), name) for pk, name in earlier
        ]
        for field in self.fields.values():
            if isinstance(field.widget, forms.Textarea):
                field.widget.attrs["rows"] = 2


class NoteForm(forms.Form):
    text = forms.CharField(max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3}))
    channel = forms.ChoiceField(choices=Channel.choices)
    department = forms.CharField(
        label="Owning department", max_length=DEPARTMENT_MAX, required=False
    )
    critical = forms.BooleanField(
        required=False, help_text="A make-or-break touchpoint.", label="Critical"
    )
    internal = forms.BooleanField(
        required=False,
        label="Internal",
        help_text="A process the customer never sees: dimmed, left out of heat map and PDF.",
    )
    colour = forms.ChoiceField(choices=NoteColour.choices, required=False, label="Note colour")
    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, note_id: int, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"note-{note_id}-form-%s")
        super().__init__(*args, **kwargs)


class NoteAddForm(forms.Form):
    text = forms.CharField(max_length=NOTE_MAX)
    channel = forms.ChoiceField(choices=Channel.choices, required=False)


class MemberForm(forms.Form):
    who = forms.CharField(label="Username or email", max_length=254)
    role = forms.ChoiceField(
        choices=[(MapMembership.Role.EDITOR, "Editor"), (MapMembership.Role.VIEWER, "Viewer")]
    )

    def clean_who(self):
        who = self.cleaned_data["who"].strip()
        User = get_user_model()
        user = User.objects.filter(Q(username__iexact=who) | Q(email__iexact=who)).first()
        if user is None:
            raise forms.ValidationError("No account with that username or email.")
        return user
