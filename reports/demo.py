"""The demo: a car dealership's map for a school teacher buying a family car (PRODUCT.md).

Built through the operations layer like any other map, so its event log is real too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from maps import operations as ops
from maps.models import JourneyMap, Persona
from workshops.models import Workshop
from workshops.operations import join_workshop, open_workshop, set_phase, toggle_vote

DEMO_USERNAME = "facilitator"
DEMO_PASSWORD = "journeymap-demo"  # noqa: S105 -- printed on purpose: it is the demo's login
DEMO_TITLE = "Buying a family car"

PERSONA = {
    "name": "Sarah Mitchell",
    "role": "School teacher, married mother of two",
    "quote": "I need a safe car we can afford, without being talked into a bad deal.",
    "demographics": "38, suburban, two children aged 6 and 9, household income around average.",
    "personality": "Careful, organised, researches before deciding; trusts recommendations.",
    "lifestyle": "School runs, weekend sports, one long holiday drive a year.",
    "social_class": "Middle class",
    "buyer_type": "need_driven",
    "purchase_frequency": "A new car every 8–10 years",
    "purchase_reason": "The old car is unreliable and the family has outgrown it.",
    "goals": "A safe, reliable family car within budget; a fair monthly payment.",
    "expectations": "Honest pricing, no pressure, help with financing, service after the sale.",
}

# The map's second persona (issue 20: segments): the same journey walked by a retired couple
# buying their last car, who part from Sarah at Comparing (lost among websites) and at Purchase
# (paying from savings, nothing to finance).
COUPLE = {
    "name": "Margaret and Bill Okafor",
    "role": "Retired couple buying their last car",
    "quote": "We want something comfortable that will see us out, from people who take time.",
    "demographics": "71 and 74, own their home, pension income, grandchildren nearby.",
    "personality": "Loyal, unhurried, wary of pressure and of screens.",
    "lifestyle": "Visits to the grandchildren, the garden centre, one coast trip a year.",
    "buyer_type": "habitual",
    "purchase_frequency": "Every 12–15 years, probably for the last time",
    "purchase_reason": "Getting in and out of the old car has become hard.",
    "goals": "An easy-to-enter, reliable car; no finance, no surprises.",
    "expectations": "Patience, printed paperwork, a person to call afterwards.",
}

# How the couple feels at each stage, in STAGES' order: (feelings, now, aspiration).
COUPLE_FEELINGS = [
    ("Nostalgic, in no hurry", 1, 2),
    ("Lost among comparison websites and jargon", -2, 1),
    ("Reassured by a patient test drive", 1, 1),
    ("Relieved: paying from savings, no small print", 2, 2),
    ("Wants a person to call, not an app", 0, 2),
]

# Notes on one persona's journey only: (note text, whose: "sarah" or "couple").
ONLY_FOR = [
    ("Test drive with the kids' seats fitted", "sarah"),
    ("Finance advisor explains the options", "sarah"),
    ("Negotiates the price and APR", "sarah"),
    ("Their son checks the history report for them", "couple"),
    ("Pays from savings and asks for a printed summary", "couple"),
]

# name, lanes, touchpoints as (text, channel, department, critical, internal)
STAGES = [
    (
        "Discovery",
        {
            "actions": "Searches online for affordable, safe vehicles; finds local dealerships; "
            "books appointments.",
            "thoughts": "Which cars are safe and in our budget? Who nearby sells them?",
            "feelings": "Hopeful",
            "emotion_now": 1,
            "emotion_aspiration": 2,
            "goals": "Narrow the list, book visits.",
            "personnel": "Marketing (website), Sales (appointments)",
            "value_point": "first_impression",
            "conversion_pct": 40,
            "time_in_stage": "2 weeks",
        },
        [
            ("Finds the dealership through a search ad", "website", "Marketing", False, False),
            ("Reads reviews from other parents", "social", "Marketing", False, False),
            ("Books a visit with the online form", "website", "Sales", True, False),
            ("Lead is routed to a salesperson's queue", "other", "Sales", False, True),
        ],
    ),
    (
        "Comparing",
        {
            "actions": "Meets a salesperson, checks pricing and vehicle history sites.",
            "thoughts": "Is this price fair? Is this car's history clean?",
            "feelings": "Starts to trust the salesperson",
            "emotion_now": 0,
            "emotion_aspiration": 1,
            "goals": "Compare three cars on price, safety and history.",
            "personnel": "Sales",
            "value_point": "first_value",
            "conversion_pct": 55,
            "time_in_stage": "1 week",
        },
        [
            ("First meeting with the salesperson", "store", "Sales", True, False),
            ("Checks the vehicle history report", "website", "Sales", False, False),
            ("Price comparison with other dealers", "website", "Sales", False, False),
            ("Their son checks the history report for them", "word_of_mouth", "", False, False),
        ],
    ),
    (
        "Considering",
        {
            "actions": "Meets the finance advisor, test-drives about three cars.",
            "thoughts": "Can we afford the monthly payment? Which one feels safest?",
            "feelings": "Excited but cautious",
            "emotion_now": 1,
            "emotion_aspiration": 1,
            "goals": "Choose one car and a financing plan.",
            "personnel": "Sales, Finance",
            "value_point": "first_value",
            "conversion_pct": 60,
            "time_in_stage": "1 week",
        },
        [
            ("Test drive with the kids' seats fitted", "store", "Sales", False, False),
            ("Finance advisor explains the options", "store", "Finance", True, False),
        ],
    ),
    (
        "Purchase",
        {
            "actions": "Negotiates price, monthly payments and APR; signs the contract.",
            "thoughts": "Am I signing a bad contract? What is hidden in the small print?",
            "feelings": "Worried",
            "emotion_now": -1,
            "emotion_aspiration": 1,
            "goals": "A fair price and payment she understands.",
            "personnel": "Sales, Finance, Service, Support (all departments)",
            "value_point": "intended_value",
            "conversion_pct": 90,
            "time_in_stage": "2 days",
        },
        [
            ("Negotiates the price and APR", "store", "Finance", True, False),
            ("Signs a long contract", "print", "Finance", True, False),
            ("Car handed over with a walkthrough", "store", "Service", False, False),
            ("Pays from savings and asks for a printed summary", "store", "Sales", True, False),
        ],
    ),
    (
        "Post-purchase",
        {
            "actions": "Uses the car; gets service reminders; recommends the dealer (or not).",
            "thoughts": "Did we make the right choice?",
            "feelings": "Satisfied",
            "emotion_now": 1,
            "emotion_aspiration": 2,
            "goals": "A reliable car and easy servicing.",
            "personnel": "Service, Support",
            "value_point": "extended_value",
            "time_in_stage": "8 years",
        },
        [
            ("Service team checks in after a month", "phone", "Service", False, False),
            ("Service reminder email", "email", "Service", False, False),
            ("Tells friends at the school gate", "word_of_mouth", "Marketing", False, False),
        ],
    ),
]

# (participant name, [(touchpoint text, tag)])
VOTES = [
    (
        "Alex (Marketing)",
        [
            ("Signs a long contract", "pain"),
            ("Test drive with the kids' seats fitted", "delight"),
            ("Negotiates the price and APR", "truth"),
        ],
    ),
    (
        "Priya (Sales)",
        [
            ("Negotiates the price and APR", "pain"),
            ("Negotiates the price and APR", "truth"),
            ("First meeting with the salesperson", "truth"),
        ],
    ),
    (
        "Tom (Finance)",
        [
            ("Signs a long contract", "pain"),
            ("Finance advisor explains the options", "delight"),
            ("Service team checks in after a month", "delight"),
        ],
    ),
]


# (touchpoint text, what to do, owner: a voter's name above or None for the facilitator, due in
# days from the day the demo is made, status): the Discuss phase's outcome, so the demo's PDF
# shows "who does what by when".
ACTIONS = [
    (
        "Signs a long contract",
        "Write a one-page summary of the contract in plain words",
        "Tom (Finance)",
        14,
        "doing",
    ),
    (
        "Negotiates the price and APR",
        "Show the monthly payment and APR side by side on one screen",
        "Priya (Sales)",
        30,
        "open",
    ),
    (
        "Books a visit with the online form",
        "Cut the booking form to three fields",
        None,
        21,
        "open",
    ),
    ("Reads reviews from other parents", "Answer every review within two days", None, None, "done"),
]


@dataclass
class DemoResult:
    journey_map: JourneyMap
    workshop: Workshop
    created: bool


def seed_demo() -> DemoResult:
    """Create the demo once; running it again changes nothing and returns what exists."""
    User = get_user_model()
    with transaction.atomic():
        user, created = User.objects.get_or_create(username=DEMO_USERNAME)
        if created or not user.password:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        existing = JourneyMap.objects.filter(created_by=user, title=DEMO_TITLE).first()
        if existing is not None:
            workshop = existing.workshops.order_by("created_at").first() or open_workshop(
                user, existing
            )
            return DemoResult(existing, workshop, created=False)
        return _build(user)


# Who adds which notes in the demo's workshop, by the note's department: the board shows each
# author's colour on their notes. The facilitator adds the rest.
AUTHORS = {"Marketing": "Alex (Marketing)", "Sales": "Priya (Sales)", "Finance": "Tom (Finance)"}


def _as_author(participant) -> ops.Actor:
    return ops.Actor(
        user=participant.user,
        name=participant.display_name,
        participant_id=participant.pk,
        colour=participant.colour,
    )


def _build(user) -> DemoResult:
    actor = ops.Actor.for_user(user)
    persona = Persona.objects.filter(owner=user, name=PERSONA["name"]).first()
    if persona is None:
        persona = ops.create_persona(ops.Actor.for_user(user), **PERSONA)
    journey_map = ops.create_map(
        actor,
        title=DEMO_TITLE,
        persona=persona,
        scope="End to end: from the first search to life with the car",
        stage_names=[name for name, _, _ in STAGES],
    )
    stages = list(journey_map.stages.order_by("position"))
    # The workshop opens first, as in the room: the team joins and writes the notes.
    workshop = open_workshop(user, journey_map, title="Car purchase kick-off", vote_budget=5)
    people = {name: join_workshop(workshop, display_name=name) for name, _ in VOTES}
    facilitator = _as_author(workshop.participants.get(user=user))
    authors = {department: _as_author(people[name]) for department, name in AUTHORS.items()}
    notes: dict[str, int] = {}
    for stage, (_, lanes, touchpoints) in zip(stages, STAGES, strict=True):
        ops.update_stage(actor, journey_map, stage.pk, **lanes)
        for text, channel, department, critical, internal in touchpoints:
            event = ops.add_touchpoint(
                authors.get(department, facilitator),
                journey_map,
                stage=stage.pk,
                text=text,
                channel=channel,
                department=department,
                critical=critical,
                internal=internal,
            )
            notes[text] = event.payload["touchpoint"]["id"]
    _add_couple(actor, journey_map, persona, stages, notes)
    # Votes are accepted only in the vote phase; the demo stays there, votes still hidden.
    set_phase(workshop, "vote")
    for name, votes in VOTES:
        participant = people[name]
        for text, tag in votes:
            toggle_vote(participant, journey_map.touchpoints.get(pk=notes[text]), tag)
    today = timezone.localdate()
    for text, what, who, days, status in ACTIONS:
        ops.add_action(
            actor,
            journey_map,
            touchpoint=notes[text],
            text=what,
            owner=f"participant:{people[who].pk}" if who else f"member:{user.pk}",
            due=(today + timedelta(days=days)).isoformat() if days is not None else None,
            status=status,
        )
    _discussion(journey_map, notes, people, actor)
    return DemoResult(journey_map, workshop, created=True)


def _discussion(journey_map: JourneyMap, notes: dict[str, int], people: dict, actor) -> None:
    """A thread on the price note in which the room calls in finance and then the map's owner
    (an @mention: the owner's inbox has it), and a few reactions."""
    note = notes["Negotiates the price and APR"]
    priya, tom, alex = (
        _as_author(people[name]) for name in ("Priya (Sales)", "Tom (Finance)", "Alex (Marketing)")
    )
    ops.add_comment(
        priya,
        journey_map,
        touchpoint=note,
        body="@Tom (Finance) could we show the APR before the visit? Half the haggling is about it.",
        mentions=[f"participant:{people['Tom (Finance)'].pk}"],
    )
    reply = ops.add_comment(
        tom,
        journey_map,
        touchpoint=note,
        body=f"Yes, if legal signs the wording off. @{actor.name} can you put it on the agenda?",
        mentions=[f"member:{actor.user.pk}"],
    )
    ops.set_reaction(alex, journey_map, touchpoint=note, reaction="+1", on=True)
    ops.set_reaction(tom, journey_map, touchpoint=note, reaction="idea", on=True)
    ops.set_reaction(
        priya, journey_map, comment=reply.payload["comment"]["id"], reaction="heart", on=True
    )


def _add_couple(actor: ops.Actor, journey_map: JourneyMap, sarah: Persona, stages, notes) -> None:
    """The second persona, its feelings per stage, and the notes on one journey only."""
    couple = Persona.objects.filter(owner=actor.user, name=COUPLE["name"]).first()
    if couple is None:
        couple = ops.create_persona(actor, **COUPLE)
    ops.add_map_persona(actor, journey_map, couple.pk)
    for stage, (feelings, now, aim) in zip(stages, COUPLE_FEELINGS, strict=True):
        ops.feel_stage(
            actor,
            journey_map,
            stage.pk,
            couple.pk,
            feelings=feelings,
            emotion_now=now,
            emotion_aspiration=aim,
        )
    whose = {"sarah": sarah.pk, "couple": couple.pk}
    for text, who in ONLY_FOR:
        ops.scope_touchpoint(actor, journey_map, notes[text], [whose[who]])
