from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from maps.models import JourneyMap, MapEvent, Persona, Stage, Touchpoint
from reports.demo import DEMO_PASSWORD, DEMO_USERNAME
from workshops.models import Participant, Vote, Workshop

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        m.__name__: m.objects.count()
        for m in (JourneyMap, Persona, Stage, Touchpoint, MapEvent, Workshop, Participant, Vote)
    }


def test_seed_demo_builds_the_car_purchase_map():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    jm = JourneyMap.objects.get()
    assert jm.persona.name == "Sarah Mitchell"
    stages = list(jm.stages.order_by("position"))
    assert [s.name for s in stages] == [
        "Discovery",
        "Comparing",
        "Considering",
        "Purchase",
        "Post-purchase",
    ]
    for stage in stages:
        assert (
            stage.actions and stage.thoughts and stage.feelings and stage.goals and stage.personnel
        )
        assert stage.emotion_now is not None and stage.emotion_aspiration is not None
    assert jm.touchpoints.count() >= 12
    assert jm.touchpoints.values("channel").distinct().count() >= 5
    assert Vote.objects.exists()
    assert Workshop.objects.get().is_open
    assert jm.revision == MapEvent.objects.filter(map=jm).count()
    assert authenticate(username=DEMO_USERNAME, password=DEMO_PASSWORD) is not None
    printed = out.getvalue()
    assert f"/maps/{jm.pk}/" in printed and DEMO_PASSWORD in printed


def test_seed_demo_is_idempotent():
    call_command("seed_demo", stdout=StringIO())
    before = counts()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert counts() == before
    assert "Kept the existing" in out.getvalue()


def test_the_demos_notes_are_written_by_the_workshops_people_in_their_colours():
    call_command("seed_demo", stdout=StringIO())
    workshop = Workshop.objects.get()
    colours = dict(workshop.participants.values_list("display_name", "colour"))
    authors = set(Touchpoint.objects.values_list("author_name", "author_colour"))
    assert {name for name, _ in authors} == {
        "facilitator",
        "Alex (Marketing)",
        "Priya (Sales)",
        "Tom (Finance)",
    }
    assert all(colour == colours[name] for name, colour in authors)


def test_the_demo_has_a_thread_with_a_mention_and_reactions():
    from maps.discussion_models import Comment, Notification, Reaction

    call_command("seed_demo", stdout=StringIO())
    comments = list(Comment.objects.order_by("id"))
    assert len(comments) == 2
    assert comments[0].thread.touchpoint.text == "Negotiates the price and APR"
    assert comments[0].mentions[0]["name"] == "Tom (Finance)"
    assert comments[1].mentions == [
        {"key": f"member:{comments[1].map.created_by_id}", "name": DEMO_USERNAME}
    ]
    # The demo's own account has the mention in its inbox.
    assert Notification.objects.get().user.username == DEMO_USERNAME
    assert Reaction.objects.count() == 3
