"""maps.permissions as a table: what each role may do, and what a non-member is told."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from maps.models import Persona
from maps.operations import OperationError
from maps.permissions import (
    When,
    Who,
    can,
    check_workshop,
    get_map_for_user,
    need_on_map,
    role_for,
    why_not,
    workshop_gates,
)

pytestmark = pytest.mark.django_db

# role → the needs it meets
MAY = {
    "owner": {"view", "edit", "own"},
    "editor": {"view", "edit"},
    "viewer": {"view"},
    None: set(),
}


@pytest.mark.parametrize("role", list(MAY))
@pytest.mark.parametrize("need", ["view", "edit", "own"])
def test_each_role_meets_exactly_its_own_needs_and_those_below(role, need):
    assert can(role, need) is (need in MAY[role])


def test_a_members_role_is_read_from_its_membership(journey_map, owner, editor, viewer, outsider):
    assert role_for(owner, journey_map) == "owner"
    assert role_for(editor, journey_map) == "editor"
    assert role_for(viewer, journey_map) == "viewer"
    assert role_for(outsider, journey_map) is None
    assert role_for(AnonymousUser(), journey_map) is None


@pytest.mark.parametrize("member", ["owner", "editor", "viewer"])
def test_every_member_may_view_by_default_and_gets_the_map_with_the_persona(
    journey_map, member, request, django_assert_num_queries
):
    journey_map.persona = Persona.objects.create(owner=journey_map.created_by, name="Pat")
    journey_map.save(update_fields=["persona"])
    user = request.getfixturevalue(member)
    found, role = get_map_for_user(user, journey_map.pk)
    assert (found.pk, role) == (journey_map.pk, member)
    with django_assert_num_queries(0):
        assert found.persona.name == "Pat"  # loaded with the map: no query per page


def test_a_missing_map_and_a_stranger_get_the_same_404(journey_map, outsider):
    with pytest.raises(Http404):
        get_map_for_user(outsider, journey_map.pk, "view")
    with pytest.raises(Http404):
        get_map_for_user(outsider, journey_map.pk + 1000, "view")
    with pytest.raises(Http404):
        get_map_for_user(AnonymousUser(), journey_map.pk, "view")


def test_a_member_below_the_need_is_refused_not_hidden(journey_map, viewer, editor):
    with pytest.raises(PermissionDenied):
        get_map_for_user(viewer, journey_map.pk, "edit")
    with pytest.raises(PermissionDenied):
        get_map_for_user(editor, journey_map.pk, "own")


# --- in a live workshop (check_workshop) ----------------------------------------------------

WORKSHOP_ROLES = ("facilitator", "participant", "observer")
PHASES = ("gather", "group", "vote", "reveal", "discuss", "closed")
LABELS = {p: p.capitalize() for p in PHASES}


def workshop_refusal(who: Who, when: When, role: str, phase: str, locked: bool):
    try:
        check_workshop(who, when, role, phase, locked)
    except OperationError as refused:
        return refused
    return None


def expected_code(who: Who, when: When, role: str, phase: str, locked: bool) -> str | None:
    """The rules of docs/protocol.md and docs/voting.md, written out plainly."""
    roles = {
        Who.EDITORS: {"facilitator", "participant"},
        Who.FACILITATOR: {"facilitator"},
        Who.VOTERS: {"facilitator", "participant"},
        Who.EVERYONE: set(WORKSHOP_ROLES),
    }[who]
    if role not in roles:
        return "forbidden"
    if phase == "closed":
        return "closed"
    if when == When.VOTING and phase != "vote":
        return "wrong_phase"  # for the facilitator too
    if role == "facilitator" or when == When.ALWAYS:
        return None
    if locked:
        return "locked"
    if when == When.EDITING and phase not in {"gather", "group", "discuss"}:
        return "wrong_phase"
    if when == When.DISCUSSING and phase != "discuss":
        return "wrong_phase"
    if when == When.GROUPING and phase != "group":
        return "wrong_phase"
    return None


def every_case():
    for who in Who:
        for when in When:
            for role in WORKSHOP_ROLES:
                for phase in PHASES:
                    for locked in (False, True):
                        yield who, when, role, phase, locked


def test_every_workshop_member_is_gated_by_role_then_closing_then_phase_and_lock():
    for case in every_case():
        refused = workshop_refusal(*case)
        assert (refused.code if refused else None) == expected_code(*case), case


def test_every_refusal_is_a_sentence_for_people_naming_the_phase_when_it_is_the_reason():
    """docs/protocol.md: `message` is for people (the board shows it); `code` is for programs."""
    for case in every_case():
        refused = workshop_refusal(*case)
        if refused is None:
            continue
        message = refused.message
        assert isinstance(message, str) and message[:1].isupper() and message.endswith("."), case
        assert message != message.upper(), case  # not shouted
        if refused.code == "wrong_phase":
            assert f"the {LABELS[case[3]]} phase" in message, case


def test_an_observer_asking_to_vote_is_told_observers_do_not_vote():
    refused = workshop_refusal(Who.VOTERS, When.VOTING, "observer", "vote", False)
    assert refused.code == "forbidden" and "vote" in refused.message.lower()
    other = workshop_refusal(Who.EDITORS, When.EDITING, "observer", "gather", False)
    assert other.code == "forbidden" and "vote" not in other.message.lower()


@pytest.mark.parametrize(
    ("who", "need"),
    [
        (Who.EDITORS, "edit"),
        (Who.FACILITATOR, "edit"),
        (Who.VOTERS, "edit"),
        (Who.EVERYONE, "view"),
    ],
)
def test_on_the_maps_own_pages_an_operation_needs_edit_unless_it_is_for_everyone(who, need):
    assert need_on_map(who) == need


def test_the_refusal_pages_say_why_in_the_same_words_for_missing_and_foreign_maps(
    client, journey_map, viewer, outsider
):
    """A viewer asking to edit is told their role does not allow it (403); an outsider and a
    missing map get the same 404 words, so a stranger learns nothing."""
    client.force_login(viewer)
    refused = client.post(reverse("note_delete", args=[journey_map.pk]), {"touchpoint": 1})
    assert refused.status_code == 403
    assert "<p>Your role on this map does not allow that.</p>" in refused.content.decode()
    client.force_login(outsider)
    foreign = client.get(reverse("board", args=[journey_map.pk]))
    missing = client.get(reverse("board", args=[journey_map.pk + 1000]))
    assert foreign.status_code == missing.status_code == 404
    assert "<p>No such map.</p>" in foreign.content.decode()
    assert "<p>No such map.</p>" in missing.content.decode()


# --- what the live page's disabled controls say (workshop_gates) ---------------------------------

PHASES = ["gather", "group", "vote", "reveal", "discuss", "closed"]
ROLES = ["facilitator", "participant", "observer"]
ACTIVITIES = {
    "edit": (Who.EDITORS, When.EDITING),
    "vote": (Who.VOTERS, When.VOTING),
    "act": (Who.EDITORS, When.DISCUSSING),
}


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("locked", [False, True])
def test_the_gates_disable_exactly_what_the_server_refuses(phase, locked):
    """A control is disabled (a reason) if and only if check_workshop refuses its operations:
    the page never offers what would be refused, nor hides what would be accepted."""
    gates = workshop_gates(phase, locked)
    assert set(gates) == set(ACTIVITIES)
    for activity, (who, when) in ACTIVITIES.items():
        assert set(gates[activity]) == set(ROLES)
        for role in ROLES:
            try:
                check_workshop(who, when, role, phase, locked)
                refused = False
            except OperationError:
                refused = True
            reason = gates[activity][role]
            assert (reason is not None) is refused, (activity, role, phase, locked, reason)
            assert reason is None or reason.strip()


@pytest.mark.parametrize(
    ("activity", "role", "phase", "locked", "sentence"),
    [
        ("edit", "participant", "gather", True, "The facilitator has locked the board."),
        (
            "edit",
            "participant",
            "vote",
            False,
            "Adding and changing notes opens again in the Discuss phase.",
        ),
        (
            "edit",
            "participant",
            "reveal",
            False,
            "Adding and changing notes opens again in the Discuss phase.",
        ),
        ("edit", "observer", "gather", False, "Observers can watch, not edit."),
        ("vote", "participant", "gather", False, "Voting opens in the Vote phase."),
        ("vote", "facilitator", "discuss", False, "Voting is over: the votes are revealed."),
        ("vote", "observer", "vote", False, "Observers watch; they do not vote."),
        ("act", "participant", "vote", False, "Action items open in the Discuss phase."),
        ("act", "participant", "closed", False, "This workshop has ended; the board is read-only."),
        ("edit", "facilitator", "closed", True, "This workshop has ended; the board is read-only."),
    ],
)
def test_a_disabled_control_says_what_the_person_can_expect(
    activity, role, phase, locked, sentence
):
    assert why_not(activity, role, phase, locked) == sentence
