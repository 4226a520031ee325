"""The journey-map domain: personas, maps, stages and their lanes, touchpoints, groups, customer
feedback, action items, map membership and the map's event log.

Rules that must hold whatever code path writes (emotion scores, text bounds, unique order keys)
are database constraints, not only form validation. Changes go through maps.operations.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length

models.CharField.register_lookup(Length)
models.TextField.register_lookup(Length)

# Text bounds, shared by models, forms and the websocket protocol.
NAME_MAX = 120
SHORT_MAX = 280
LANE_MAX = 2000
NOTE_MAX = 500
DEPARTMENT_MAX = 60
POSITION_MAX = 64
ACTION_MAX = SHORT_MAX
AUTHOR_MAX = 150  # an account's username (a workshop display name is shorter)


def bounded(field: str, maximum: int, *, allow_empty: bool = True) -> models.CheckConstraint:
    condition = Q(**{f"{field}__length__lte": maximum})
    if not allow_empty:
        condition &= Q(**{f"{field}__length__gt": 0})
    return models.CheckConstraint(condition=condition, name=f"%(class)s_{field}_length")


def score_range(field: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": -2, f"{field}__lte": 2}),
        name=f"%(class)s_{field}_range",
    )


class Channel(models.TextChoices):
    WEBSITE = "website", "Website"
    SOCIAL = "social", "Social media"
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    CHAT = "chat", "Chat"
    APP = "app", "App"
    STORE = "store", "Store / in person"
    EVENT = "event", "Event"
    PRINT = "print", "Print or trade publication"
    WORD_OF_MOUTH = "word_of_mouth", "Word of mouth"
    VEHICLE = "vehicle", "Branded vehicle"
    OTHER = "other", "Other"


class NoteColour(models.TextChoices):
    """A sticky note's paper. Yellow is the default (stored as ""); the others let a team sort
    notes at a glance by whatever it agrees on (static/css/app.css draws them)."""

    YELLOW = "", "Yellow"
    PINK = "pink", "Pink"
    ORANGE = "orange", "Orange"
    GREEN = "green", "Green"
    BLUE = "blue", "Blue"
    PURPLE = "purple", "Purple"


class ValuePoint(models.TextChoices):
    NONE = "", "—"
    FIRST_IMPRESSION = "first_impression", "First impression"
    FIRST_VALUE = "first_value", "First value"
    INTENDED_VALUE = "intended_value", "Intended value"
    EXTENDED_VALUE = "extended_value", "Extended value"


class Tag(models.TextChoices):
    PAIN = "pain", "Pain point"
    DELIGHT = "delight", "Moment of delight"
    TRUTH = "truth", "Moment of truth"


class Persona(models.Model):
    """The main actor of a journey. Belongs to the account that created it (its workspace)."""

    class BuyerType(models.TextChoices):
        UNKNOWN = "", "—"
        HABITUAL = "habitual", "Habitual buyer"
        NEED_DRIVEN = "need_driven", "Need-driven buyer"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="personas"
    )
    name = models.CharField(max_length=NAME_MAX)
    role = models.CharField("role / occupation", max_length=NAME_MAX, blank=True)
    quote = models.CharField(max_length=SHORT_MAX, blank=True)
    demographics = models.TextField(max_length=LANE_MAX, blank=True)
    personality = models.TextField(max_length=LANE_MAX, blank=True)
    lifestyle = models.TextField(max_length=LANE_MAX, blank=True)
    social_class = models.CharField(max_length=NAME_MAX, blank=True)
    buyer_type = models.CharField(max_length=20, choices=BuyerType.choices, blank=True)
    purchase_frequency = models.CharField("how often they buy", max_length=NAME_MAX, blank=True)
    purchase_reason = models.TextField("why they buy", max_length=LANE_MAX, blank=True)
    goals = models.TextField(max_length=LANE_MAX, blank=True)
    expectations = models.TextField(max_length=LANE_MAX, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            bounded("name", NAME_MAX, allow_empty=False),
            bounded("role", NAME_MAX),
            bounded("quote", SHORT_MAX),
            bounded("demographics", LANE_MAX),
            bounded("personality", LANE_MAX),
            bounded("lifestyle", LANE_MAX),
            bounded("purchase_reason", LANE_MAX),
            bounded("goals", LANE_MAX),
            bounded("expectations", LANE_MAX),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def initials(self) -> str:
        parts = [p for p in self.name.split() if p[:1].isalnum()]
        return "".join(p[0] for p in parts[:2]).upper() or "?"


class JourneyMapQuerySet(models.QuerySet["JourneyMap"]):
    def visible_to(self, user) -> JourneyMapQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user).distinct()


class JourneyMap(models.Model):
    class State(models.TextChoices):
        CURRENT = "current", "Current state"
        FUTURE = "future", "Future state"

    title = models.CharField(max_length=NAME_MAX)
    persona = models.ForeignKey(
        Persona, on_delete=models.PROTECT, null=True, blank=True, related_name="maps"
    )
    scope = models.CharField(
        max_length=SHORT_MAX,
        blank=True,
        help_text="Where the journey starts and ends: end-to-end, or one part such as onboarding.",
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.CURRENT)
    source_map = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="future_maps",
        help_text="The current-state map this future-state map was made from.",
    )
    # Bumped by every operation, in the same transaction as its event row.
    revision = models.PositiveBigIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = JourneyMapQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "id"]
        constraints = [
            bounded("title", NAME_MAX, allow_empty=False),
            bounded("scope", SHORT_MAX),
            models.CheckConstraint(
                condition=Q(source_map__isnull=True) | Q(state="future"),
                name="journeymap_only_future_has_source",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def group_name(self) -> str:
        """The channel-layer group that receives this map's events."""
        return f"map.{self.pk}"


class MapMembership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        EDITOR = "editor", "Editor"
        VIEWER = "viewer", "Viewer"

    map = models.ForeignKey(JourneyMap, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="map_memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["map", "user"], name="membership_one_per_user"),
            models.CheckConstraint(
                condition=Q(role__in=["owner", "editor", "viewer"]), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} is {self.role} of {self.map}"


class Stage(models.Model):
    """One step of the spine, with its lanes."""

    map = models.ForeignKey(JourneyMap, on_delete=models.CASCADE, related_name="stages")
    position = models.CharField(max_length=POSITION_MAX)
    name = models.CharField(max_length=NAME_MAX)
    actions = models.TextField("does (actions)", max_length=LANE_MAX, blank=True)
    thoughts = models.TextField("thinks", max_length=LANE_MAX, blank=True)
    feelings = models.TextField("feels", max_length=LANE_MAX, blank=True)
    emotion_now = models.SmallIntegerField(null=True, blank=True)
    emotion_aspiration = models.SmallIntegerField(null=True, blank=True)
    goals = models.TextField(max_length=LANE_MAX, blank=True)
    personnel = models.CharField("personnel involved", max_length=SHORT_MAX, blank=True)
    value_point = models.CharField(max_length=20, choices=ValuePoint.choices, blank=True)
    conversion_pct = models.PositiveSmallIntegerField(
        "conversion to next stage (%)", null=True, blank=True
    )
    time_in_stage = models.CharField("typical time spent", max_length=DEPARTMENT_MAX, blank=True)
    loops_back_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["map", "position"], name="stage_position_unique"),
            bounded("name", NAME_MAX, allow_empty=False),
            bounded("position", POSITION_MAX, allow_empty=False),
            bounded("actions", LANE_MAX),
            bounded("thoughts", LANE_MAX),
            bounded("feelings", LANE_MAX),
            bounded("goals", LANE_MAX),
            bounded("personnel", SHORT_MAX),
            bounded("time_in_stage", DEPARTMENT_MAX),
            score_range("emotion_now"),
            score_range("emotion_aspiration"),
            models.CheckConstraint(
                condition=Q(conversion_pct__isnull=True) | Q(conversion_pct__lte=100),
                name="stage_conversion_pct_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TouchpointGroup(models.Model):
    """Notes clustered under a name during the group phase."""

    map = models.ForeignKey(JourneyMap, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(max_length=NAME_MAX)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["map", "name"], name="group_name_unique_per_map"),
            bounded("name", NAME_MAX, allow_empty=False),
        ]

    def __str__(self) -> str:
        return self.name


class Touchpoint(models.Model):
    """One sticky note under one stage."""

    # Denormalised from stage.map so guards and board queries need no join.
    map = models.ForeignKey(JourneyMap, on_delete=models.CASCADE, related_name="touchpoints")
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="touchpoints")
    position = models.CharField(max_length=POSITION_MAX)
    text = models.CharField(max_length=NOTE_MAX)
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.OTHER)
    department = models.CharField("owning department", max_length=DEPARTMENT_MAX, blank=True)
    critical = models.BooleanField(default=False, help_text="A make-or-break touchpoint.")
    internal = models.BooleanField(
        default=False, help_text="A process the customer never sees; left out of heat and PDF."
    )
    group = models.ForeignKey(
        TouchpointGroup,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="touchpoints",
    )
    colour = models.CharField(max_length=10, choices=NoteColour.choices, default="", blank=True)
    # Who added the note, as the board shows it: written once, when the note is added, from the
    # actor (a workshop participant's display name and presence colour, or an account's name).
    # Kept on the note rather than looked up in the event log, so the board needs no extra query
    # and the name stays what the room saw even if the participant is later removed.
    author_name = models.CharField(max_length=AUTHOR_MAX, blank=True, default="")
    author_colour = models.CharField(max_length=7, blank=True, default="")
    # The personas whose journey the note is on: none means every persona of the map (the
    # default, and what every note was before segments). Only personas of this map
    # (maps.operations.segments.scope_touchpoint).
    personas = models.ManyToManyField(Persona, blank=True, related_name="+")
    # Bumped on every text edit so a concurrent second edit can be detected and refused.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["stage", "position"], name="touchpoint_position_unique"
            ),
            bounded("text", NOTE_MAX, allow_empty=False),
            bounded("position", POSITION_MAX, allow_empty=False),
            bounded("department", DEPARTMENT_MAX),
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="touchpoint_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(colour__in=NoteColour.values), name="touchpoint_colour_valid"
            ),
            bounded("author_name", AUTHOR_MAX),
            bounded("author_colour", 7),
        ]

    def __str__(self) -> str:
        return self.text[:60]


# At most this many personas on one map, the primary included: each gets its own colour on the
# board and in the PDF (maps.board.PERSONA_COLOURS), and more curves than that are unreadable.
PERSONAS_MAX = 6


class MapPersona(models.Model):
    """A further persona (a segment) on a map, beside its primary (JourneyMap.persona).

    The primary stays on the map row, and its feelings in the stage's own lanes, so that every
    reader of a single-persona map (board, PDF, analysis, exports) is unchanged; a further
    persona's feelings per stage are StageFeeling rows. Making a segment primary swaps the two
    (maps.operations.segments). The persona itself lives in its owner's library, as a primary
    does, so one persona can walk the journeys of several maps."""

    map = models.ForeignKey(JourneyMap, on_delete=models.CASCADE, related_name="segments")
    persona = models.ForeignKey(Persona, on_delete=models.PROTECT, related_name="segment_maps")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["map", "persona"], name="segment_one_per_map"),
        ]

    def __str__(self) -> str:
        return f"{self.persona_id} on {self.map_id}"


class StageFeeling(models.Model):
    """How one further persona feels at one stage: the "feels" lane and the two emotion scores,
    as Stage holds them for the primary. Goes with its segment and with its stage."""

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="persona_feelings")
    segment = models.ForeignKey(MapPersona, on_delete=models.CASCADE, related_name="feelings")
    feelings = models.TextField("feels", max_length=LANE_MAX, blank=True)
    emotion_now = models.SmallIntegerField(null=True, blank=True)
    emotion_aspiration = models.SmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["segment", "stage"]
        constraints = [
            models.UniqueConstraint(fields=["stage", "segment"], name="feeling_one_per_stage"),
            bounded("feelings", LANE_MAX),
            score_range("emotion_now"),
            score_range("emotion_aspiration"),
        ]

    def __str__(self) -> str:
        return f"{self.segment} at {self.stage_id}"


class CustomerFeedback(models.Model):
    """The customers' view of a touchpoint, imported from surveys, interviews, tickets."""

    class Source(models.TextChoices):
        SURVEY = "survey", "Survey"
        INTERVIEW = "interview", "Interview"
        SUPPORT_TICKET = "support_ticket", "Support ticket"
        SOCIAL = "social", "Social media"
        OTHER = "other", "Other"

    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.CASCADE, related_name="feedback")
    tag = models.CharField(max_length=10, choices=Tag.choices, blank=True)
    score = models.SmallIntegerField(null=True, blank=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.OTHER)
    comment = models.TextField(max_length=LANE_MAX, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            score_range("score"),
            bounded("comment", LANE_MAX),
            models.CheckConstraint(
                condition=~Q(tag="") | Q(score__isnull=False), name="feedback_has_tag_or_score"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} on {self.touchpoint_id}"


class ActionItem(models.Model):
    """What the team will do about a touchpoint: what, who, by when (the Discuss phase's outcome,
    printed in the PDF's summary).

    The owner is a member of the map (`owner_user`), a person in one of the map's workshops
    (`owner_participant`: workshops.Participant's id, a plain number as in MapEvent, since the
    map domain does not depend on the workshop app), or nobody yet. `owner_name` is the name
    shown either way, as it was when the owner was assigned: it outlives a deleted account or
    workshop, and an imported action's owner is a name only (an export names people, it does
    not link accounts or workshop places, which mean nothing on another instance).
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DOING = "doing", "In progress"
        DONE = "done", "Done"

    # Denormalised from touchpoint.map, as Touchpoint.map is from its stage.
    map = models.ForeignKey(JourneyMap, on_delete=models.CASCADE, related_name="actions")
    # A note's actions go with it: an action is always about one touchpoint.
    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.CASCADE, related_name="actions")
    text = models.CharField(max_length=ACTION_MAX)
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    owner_participant = models.PositiveBigIntegerField(null=True, blank=True)
    owner_name = models.CharField(max_length=NAME_MAX, blank=True)
    due = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # Bumped on every text edit, as a note's: a concurrent second edit is refused, not lost.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            bounded("text", ACTION_MAX, allow_empty=False),
            bounded("owner_name", NAME_MAX),
            models.CheckConstraint(
                condition=Q(status__in=["open", "doing", "done"]), name="action_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(owner_user__isnull=True) | Q(owner_participant__isnull=True),
                name="action_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class MapEvent(models.Model):
    """The map's event log: one row per operation, numbered by the map's revision."""

    map = models.ForeignKey(JourneyMap, on_delete=models.CASCADE, related_name="events")
    revision = models.PositiveBigIntegerField()
    type = models.CharField(max_length=40)
    payload = models.JSONField(default=dict)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=NAME_MAX, blank=True)
    # The workshop participant who made the change, if one did (workshops.Participant's id: the
    # map domain does not depend on the workshop app, so no foreign key). An op_id is only ever
    # the answer to the participant who sent it.
    actor_participant = models.PositiveBigIntegerField(null=True, blank=True)
    # The client-generated id of the operation that caused this event: resends are idempotent.
    op_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001 (unique when set)
    # What an inverse needs: the state before of every object the operation changed
    # (maps.operations.states), null for what cannot be undone (respacing, imports). Never
    # broadcast: it holds a deleted note's votes, which are no map event (docs/voting.md).
    before = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["map", "revision"]
        indexes = [
            # A person's undo and redo walk their own events newest first (operations.undo).
            models.Index(fields=["map", "actor", "-revision"], name="event_person_user"),
            models.Index(
                fields=["map", "actor_participant", "-revision"], name="event_person_guest"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["map", "revision"], name="event_revision_unique"),
            models.UniqueConstraint(
                fields=["map", "op_id"],
                condition=Q(op_id__isnull=False),
                name="event_op_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.map_id}@{self.revision} {self.type}"

    def as_message(self) -> dict:
        """The event as broadcast to clients (see docs/protocol.md)."""
        return {
            "type": "event",
            "event": self.type,
            "map": self.map_id,
            "revision": self.revision,
            "payload": self.payload,
            "actor": self.actor_name,
            "op_id": self.op_id,
        }


class MapVersion(models.Model):
    """A named copy of the whole map at one revision (maps.operations.versions): taken by hand,
    or automatically when a workshop opens or closes and before a restore. `snapshot` is
    maps.operations.versions.version_snapshot: the map snapshot, plus customer feedback."""

    class Kind(models.TextChoices):
        NAMED = "named", "Named"
        WORKSHOP_OPENED = "workshop_opened", "Workshop opened"
        WORKSHOP_CLOSED = "workshop_closed", "Workshop closed"
        BEFORE_RESTORE = "before_restore", "Before a restore"

    map = models.ForeignKey(JourneyMap, on_delete=models.CASCADE, related_name="versions")
    name = models.CharField(max_length=NAME_MAX)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.NAMED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by_name = models.CharField(max_length=NAME_MAX, blank=True)
    created_at = models.DateTimeField()
    revision = models.PositiveBigIntegerField()
    # An imported version's ids are another instance's: a restore never matches them by id.
    imported = models.BooleanField(default=False)
    snapshot = models.JSONField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            bounded("name", NAME_MAX, allow_empty=False),
            bounded("created_by_name", NAME_MAX),
            models.CheckConstraint(
                condition=Q(
                    kind__in=["named", "workshop_opened", "workshop_closed", "before_restore"]
                ),
                name="version_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


# The conversation on the map (issue 19) lives in its own module; imported here so that
# Django finds its models in the maps app.
from .discussion_models import Comment, Notification, Reaction, Thread  # noqa: E402, F401
