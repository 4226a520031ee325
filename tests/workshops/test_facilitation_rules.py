"""workshops.facilitation at its edges: the limits of the budget and the timer, what a
participant's own vote summary says, and what each phase change tells whom."""

from __future__ import annotations

import pytest

from maps.models import Touchpoint
from maps.operations import OperationError
from workshops import facilitation
from workshops.facilitation import (
    BUDGET_MAX,
    BUDGET_MIN,
    TIMER_MAX_SECONDS,
    current_state,
    extend_timer,
    my_votes,
    pause_timer,
    resume_timer,
    revealed_heat,
    set_locked,
    set_phase,
    set_vote,
    set_vote_budget,
    start_timer,
    toggle_vote,
    vote_ack,
)
from workshops.models import Participant, Phase, Vote, Workshop
from workshops.tally import heat_for_map, latest_voted_workshop

pytest_plugins = ["tests.workshops.conftest_live"]
pytestmark = pytest.mark.django_db


def refused_code(fn, *args) -> str:
    with pytest.raises(OperationError) as refused:
        fn(*args)
    # docs/protocol.md: `message` is for people, a sentence the board shows as it is.
    message = refused.value.message
    assert isinstance(message, str) and message[:1].isupper() and message.endswith(".")
    assert message != message.upper()
    return refused.value.code


@pytest.mark.parametrize("budget", [BUDGET_MIN, BUDGET_MAX])
def test_the_budget_may_be_set_to_either_limit(workshop, budget):
    set_vote_budget(workshop, budget)
    assert Workshop.objects.get(pk=workshop.pk).vote_budget == budget == workshop.vote_budget


@pytest.mark.parametrize("budget", [BUDGET_MIN - 1, BUDGET_MAX + 1, True, 2.0, "3", None])
def test_a_budget_outside_the_limits_or_not_a_whole_number_is_refused(workshop, budget):
    assert refused_code(set_vote_budget, workshop, budget) == "invalid"
    assert Workshop.objects.get(pk=workshop.pk).vote_budget == 10


@pytest.mark.parametrize("seconds", [1, TIMER_MAX_SECONDS])
def test_the_timer_may_run_from_one_second_to_the_maximum(workshop, seconds):
    start_timer(workshop, seconds)
    assert Workshop.objects.get(pk=workshop.pk).timer_ends_at is not None


@pytest.mark.parametrize("seconds", [0, TIMER_MAX_SECONDS + 1, True, 1.5, "60"])
def test_a_timer_length_outside_the_limits_is_refused(workshop, seconds):
    assert refused_code(start_timer, workshop, seconds) == "invalid"
    assert Workshop.objects.get(pk=workshop.pk).timer_ends_at is None


def test_a_lowered_budget_shows_no_remaining_votes_rather_than_a_negative_count(
    workshop, ann, journey_map, actor, stages
):
    from maps import operations as ops

    set_phase(workshop, Phase.VOTE)
    notes = [
        ops.add_touchpoint(actor, journey_map, stage=stages[0], text=f"n{i}").payload["touchpoint"][
            "id"
        ]
        for i in range(3)
    ]
    for note in notes:
        set_vote(ann, journey_map.touchpoints.get(pk=note), "pain", True)
    set_vote_budget(workshop, 1)
    summary = my_votes(ann, Workshop.objects.get(pk=workshop.pk))
    assert (summary["budget"], summary["used"], summary["remaining"]) == (1, 3, 0)
    assert summary["votes"] == [{"touchpoint": note, "tag": "pain"} for note in sorted(notes)]
    assert summary["type"] == "votes.mine" and summary["workshop"] == workshop.pk


# --- what each change tells whom ------------------------------------------------------------


class Told:
    """What the facilitation module sends: (to whom, message), in order."""

    def __init__(self, monkeypatch, workshop) -> None:
        self.sent: list[tuple[str, dict]] = []
        # Messages to this workshop are marked "workshop"; to any other id, by that id.
        monkeypatch.setattr(
            facilitation,
            "notify_workshop",
            lambda pk, m: self.sent.append(("workshop" if pk == workshop.pk else f"w{pk}", m)),
        )
        monkeypatch.setattr(
            facilitation, "notify_participant", lambda pk, m: self.sent.append((f"p{pk}", m))
        )

    def types(self) -> list[tuple[str, str]]:
        return [(to, m["type"]) for to, m in self.sent]

    def take(self) -> list[tuple[str, str]]:
        types, self.sent = self.types(), []
        return types


@pytest.fixture
def told(monkeypatch, workshop) -> Told:
    return Told(monkeypatch, workshop)


@pytest.fixture
def voted(workshop, ann, journey_map, actor, stages):
    """Ann's pain vote and the facilitator's delight vote on one note, in the vote phase."""
    from maps import operations as ops

    note = ops.add_touchpoint(actor, journey_map, stage=stages[0], text="Signs up").payload[
        "touchpoint"
    ]["id"]
    set_phase(workshop, Phase.VOTE)
    facilitator = workshop.participants.get(role="facilitator")
    set_vote(ann, note, "pain", True)
    set_vote(facilitator, note, "delight", True)
    return note


def test_no_phase_change_before_the_reveal_tells_anyone_counts(workshop, told):
    for phase in (Phase.GROUP, Phase.VOTE, Phase.GATHER, Phase.VOTE):
        set_phase(workshop, phase)
        assert told.take() == [("workshop", "workshop.state")], phase


def test_the_reveal_tells_everyone_the_state_then_the_counts_once(workshop, voted, told):
    set_phase(workshop, Phase.REVEAL)
    assert told.take() == [("workshop", "workshop.state"), ("workshop", "heat.revealed")]
    set_phase(workshop, Phase.DISCUSS)
    set_phase(workshop, Phase.CLOSED)
    assert told.take() == [("workshop", "workshop.state")] * 2


def test_going_back_to_vote_after_the_reveal_tells_everyone_the_heat_is_hidden(
    workshop, voted, told
):
    set_phase(workshop, Phase.REVEAL)
    told.take()
    set_phase(workshop, Phase.VOTE)
    assert told.sent[1] == ("workshop", {"type": "heat.hidden", "workshop": workshop.pk})
    assert told.types() == [("workshop", "workshop.state"), ("workshop", "heat.hidden")]


def test_a_vote_tells_only_the_voter_and_only_their_own_votes(workshop, ann, voted, told):
    set_vote(ann, voted, "truth", True)
    [(to, message)] = told.sent
    assert to == f"p{ann.pk}"
    assert message["votes"] == [
        {"touchpoint": voted, "tag": "pain"},
        {"touchpoint": voted, "tag": "truth"},
    ]


def test_the_lock_tells_everyone_the_new_state(workshop, told):
    set_locked(workshop, True)
    [(to, message)] = told.sent
    assert (to, message["type"], message["locked"]) == ("workshop", "workshop.state", True)
    assert workshop.locked is True
    assert Workshop.objects.get(pk=workshop.pk).locked is True


def test_the_revealed_heat_counts_each_tag_per_note_and_the_voters(workshop, voted):
    set_phase(workshop, Phase.REVEAL)
    heat = revealed_heat(workshop)
    assert (heat["type"], heat["workshop"], heat["voters"]) == ("heat.revealed", workshop.pk, 2)
    entry = heat["heat"][str(voted)]
    assert entry["counts"] == {"pain": 1, "delight": 1, "truth": 0}
    assert set(entry["levels"]) == {"pain", "delight", "truth"}
    assert entry["levels"]["truth"] == 0 < entry["levels"]["pain"]
    assert entry["inconsistent"] is True
    assert entry["top"] in {"pain", "delight"}


def test_a_reconnecting_client_gets_the_heat_only_once_revealed(workshop, ann, voted):
    before = current_state(Participant.objects.get(pk=ann.pk))
    assert before["heat"] is None
    assert before["workshop"]["revealed"] is False
    assert [v["tag"] for v in before["my_votes"]["votes"]] == ["pain"]
    set_phase(workshop, Phase.REVEAL)
    after = current_state(Participant.objects.get(pk=ann.pk))
    assert after["heat"]["heat"][str(voted)]["counts"]["delight"] == 1
    assert after["workshop"]["revealed"] is True


def test_the_vote_ack_says_whether_the_tag_is_on_and_what_is_left(workshop, ann, voted):
    assert vote_ack(True, Participant.objects.get(pk=ann.pk)) == {
        "on": True,
        "remaining": 9,
        "used": 1,
    }


# --- votes ----------------------------------------------------------------------------------


def test_a_vote_may_name_its_note_by_id_but_only_on_this_map(workshop, ann, voted, other_map):
    assert set_vote(ann, voted, "delight", True) is True
    assert refused_code(set_vote, ann, other_map["touchpoint"], "pain", True) == "not_found"


def test_taking_a_tag_back_leaves_the_others(workshop, ann, voted):
    set_vote(ann, voted, "truth", True)
    assert set_vote(ann, voted, "pain", False) is False
    assert list(Vote.objects.filter(participant=ann).values_list("tag", flat=True)) == ["truth"]


def test_toggling_a_tag_puts_it_on_then_takes_it_back(workshop, ann, voted):
    note = Touchpoint.objects.get(pk=voted)
    assert toggle_vote(ann, note, "truth") is True
    assert toggle_vote(ann, note, "truth") is False
    assert not Vote.objects.filter(participant=ann, tag="truth").exists()


@pytest.mark.parametrize("phase", [Phase.GATHER, Phase.GROUP, Phase.REVEAL, Phase.DISCUSS])
def test_nobody_votes_outside_the_vote_phase_not_even_the_facilitator(
    workshop, facilitator, voted, phase
):
    set_phase(workshop, phase)
    assert refused_code(set_vote, facilitator, voted, "truth", True) == "wrong_phase"
    assert refused_code(set_vote, facilitator, voted, "delight", False) == "wrong_phase"


def test_a_participant_cannot_vote_while_the_board_is_locked(workshop, ann, voted):
    set_locked(workshop, True)
    assert refused_code(set_vote, ann, voted, "truth", True) == "locked"


def test_the_last_vote_of_the_budget_may_be_cast_and_no_more(workshop, ann, voted):
    set_vote_budget(workshop, 2)
    assert set_vote(ann, voted, "truth", True) is True
    assert refused_code(set_vote, ann, voted, "delight", True) == "budget_spent"


# --- the caller's instance ------------------------------------------------------------------


def test_each_change_shows_on_the_callers_own_workshop_instance(workshop):
    set_phase(workshop, Phase.CLOSED)
    saved = Workshop.objects.get(pk=workshop.pk)
    for name in ("phase", "revealed_at", "closed_at"):
        assert getattr(workshop, name) == getattr(saved, name), name
    assert workshop.closed_at is not None and workshop.revealed_at is not None


def test_closing_again_keeps_the_first_end_and_a_second_reveal_is_stamped_anew(workshop):
    set_phase(workshop, Phase.CLOSED)
    closed_at, revealed_at = workshop.closed_at, workshop.revealed_at
    set_phase(workshop, Phase.DISCUSS)
    set_phase(workshop, Phase.CLOSED)
    assert workshop.closed_at == closed_at
    assert workshop.revealed_at == revealed_at
    set_phase(workshop, Phase.VOTE)
    set_phase(workshop, Phase.REVEAL)
    assert workshop.revealed_at > revealed_at
    assert Workshop.objects.get(pk=workshop.pk).revealed_at == workshop.revealed_at


# --- the count behind the reveal (workshops.tally) ------------------------------------------


def test_the_map_shows_the_latest_revealed_workshop_and_an_explicit_one_even_unrevealed(
    workshop, ann, voted, owner, journey_map, actor, stages
):
    from workshops.operations import join_workshop, open_workshop

    assert latest_voted_workshop(journey_map) is None  # voting, not revealed
    assert latest_voted_workshop(journey_map, revealed_only=False) == workshop
    assert heat_for_map(journey_map)[voted].counts == {"pain": 0, "delight": 0, "truth": 0}
    assert heat_for_map(journey_map)[voted].voters == 0
    assert heat_for_map(journey_map, workshop)[voted].counts["pain"] == 1
    set_phase(workshop, Phase.REVEAL)
    later = open_workshop(owner, journey_map)
    assert latest_voted_workshop(journey_map) == workshop  # the later one has no votes
    set_phase(later, Phase.VOTE)
    bob = join_workshop(later, display_name="Bob")
    set_vote(bob, voted, "truth", True)
    set_phase(later, Phase.DISCUSS)
    assert latest_voted_workshop(journey_map) == later
    assert heat_for_map(journey_map)[voted].counts == {"pain": 0, "delight": 0, "truth": 1}


def test_the_heat_counts_each_voter_once_and_leaves_internal_notes_out(
    workshop, ann, voted, journey_map, actor, stages
):
    from maps import operations as ops

    hidden = ops.add_touchpoint(
        actor, journey_map, stage=stages[0], text="CRM sync", internal=True
    ).payload["touchpoint"]["id"]
    set_vote(ann, voted, "truth", True)  # Ann now has two votes: still one voter
    heat = heat_for_map(journey_map, workshop)
    assert hidden not in heat
    assert heat[voted].voters == 2
    assert heat[voted].counts == {"pain": 1, "delight": 1, "truth": 1}


def revealed_with_a_vote(owner, journey_map, note: int, name: str, tag: str = "pain"):
    from workshops.operations import join_workshop, open_workshop

    workshop = open_workshop(owner, journey_map)
    set_phase(workshop, Phase.VOTE)
    set_vote(join_workshop(workshop, display_name=name), note, tag, True)
    set_phase(workshop, Phase.REVEAL)
    return workshop


def test_a_map_shows_its_own_workshops_only_and_only_those_with_votes(
    owner, journey_map, actor, stages, other_map
):
    from workshops.operations import open_workshop

    other = journey_map.__class__.objects.get(stages__pk=other_map["stage"])
    note = journey_map.touchpoints.create(stage_id=stages[0], text="Mine", position="i").pk
    mine = revealed_with_a_vote(owner, journey_map, note, "Ann")
    revealed_with_a_vote(owner, other, other_map["touchpoint"], "Bob")
    set_phase(open_workshop(owner, journey_map), Phase.REVEAL)  # later, revealed, no votes
    assert latest_voted_workshop(journey_map) == mine


def test_the_latest_workshop_is_the_latest_created_and_the_later_one_on_a_tie(
    owner, journey_map, stages
):
    from datetime import timedelta

    note = journey_map.touchpoints.create(stage_id=stages[0], text="Mine", position="i").pk
    first = revealed_with_a_vote(owner, journey_map, note, "Ann")
    second = revealed_with_a_vote(owner, journey_map, note, "Bob")
    Workshop.objects.filter(pk=first.pk).update(created_at=second.created_at)
    assert latest_voted_workshop(journey_map) == second  # same instant: the later one
    Workshop.objects.filter(pk=first.pk).update(created_at=second.created_at + timedelta(1))
    assert latest_voted_workshop(journey_map) == first  # created later, whatever its id


def test_a_vote_on_a_note_made_internal_later_no_longer_counts_nor_its_voter(
    workshop, ann, voted, journey_map, actor, stages
):
    from maps import operations as ops

    later_hidden = ops.add_touchpoint(actor, journey_map, stage=stages[0], text="Sync").payload[
        "touchpoint"
    ]["id"]
    bob = join_workshop_as(workshop, "Bob")
    set_vote(bob, later_hidden, "pain", True)
    Touchpoint.objects.filter(pk=later_hidden).update(internal=True)
    heat = heat_for_map(journey_map, workshop)
    assert later_hidden not in heat
    assert heat[voted].voters == 2  # Ann and the facilitator; Bob voted only on the hidden note


def join_workshop_as(workshop, name: str):
    from workshops.operations import join_workshop

    return join_workshop(workshop, display_name=name)


# --- malformed values name their field; the timer at its edges --------------------------------


def refused_field(fn, *args) -> tuple[str, str | None]:
    with pytest.raises(OperationError) as refused:
        fn(*args)
    return refused.value.code, refused.value.details.get("field")


def test_a_lock_or_a_tag_that_is_not_one_names_its_field(workshop, ann, voted):
    assert refused_field(set_locked, workshop, "yes") == ("invalid", "locked")
    note = Touchpoint.objects.get(pk=voted)
    assert refused_field(toggle_vote, ann, note, "love") == ("invalid", "tag")


def test_toggling_looks_at_ones_own_tag_not_another_persons(workshop, ann, voted):
    # The facilitator put "delight" on the note; Ann's toggle puts hers on.
    assert toggle_vote(ann, Touchpoint.objects.get(pk=voted), "delight") is True


class Clock:
    def __init__(self, monkeypatch) -> None:
        from datetime import UTC, datetime

        self.now = datetime(2026, 1, 5, 9, 0, 0, tzinfo=UTC)
        monkeypatch.setattr(facilitation.timezone, "now", lambda: self.now)

    def advance(self, seconds: int) -> None:
        from datetime import timedelta

        self.now += timedelta(seconds=seconds)


def ends_in(workshop) -> tuple:
    saved = Workshop.objects.get(pk=workshop.pk)
    return saved.timer_ends_at, saved.timer_paused_remaining


def test_a_timer_that_reaches_its_end_is_over_extending_it_starts_it_again(workshop, monkeypatch):
    from datetime import timedelta

    clock = Clock(monkeypatch)
    start_timer(workshop, 60)
    clock.advance(60)  # exactly at the end: not running any more
    assert refused_code(pause_timer, workshop) == "invalid"
    extend_timer(workshop, 30)
    assert ends_in(workshop) == (clock.now + timedelta(seconds=30), None)


def test_extending_a_running_timer_moves_its_end_and_may_reach_the_maximum_exactly(
    workshop, monkeypatch
):
    from datetime import timedelta

    clock = Clock(monkeypatch)
    start_timer(workshop, 60)
    clock.advance(10)
    extend_timer(workshop, 30)
    assert ends_in(workshop) == (clock.now + timedelta(seconds=80), None)
    extend_timer(workshop, TIMER_MAX_SECONDS - 80)
    assert ends_in(workshop)[0] == clock.now + timedelta(seconds=TIMER_MAX_SECONDS)
    assert refused_code(extend_timer, workshop, 1) == "invalid"


def test_resuming_a_timer_that_is_not_paused_is_refused(workshop):
    assert refused_code(resume_timer, workshop) == "invalid"
    start_timer(workshop, 60)
    assert refused_code(resume_timer, workshop) == "invalid"


def test_extending_a_stopped_timer_starts_it(workshop, monkeypatch):
    from datetime import timedelta

    clock = Clock(monkeypatch)
    extend_timer(workshop, 45)
    assert ends_in(workshop) == (clock.now + timedelta(seconds=45), None)


def test_the_budget_and_the_timer_tell_the_workshop_their_new_state(workshop, told):
    set_vote_budget(workshop, 3)
    start_timer(workshop, 60)
    assert [(to, m["type"]) for to, m in told.sent] == [("workshop", "workshop.state")] * 2
    assert told.sent[0][1]["vote_budget"] == 3
    assert told.sent[1][1]["timer"]["state"] == "running"


def test_a_phase_that_is_not_one_names_its_field(workshop):
    assert refused_field(set_phase, workshop, "brainstorm") == ("invalid", "phase")


def test_a_timer_too_long_says_the_limit_in_minutes(workshop):
    with pytest.raises(OperationError) as refused:
        start_timer(workshop, TIMER_MAX_SECONDS + 1)
    assert f"{TIMER_MAX_SECONDS // 60} minutes." in refused.value.message


def test_each_workshops_reveal_shows_its_own_counts_even_when_a_later_one_is_revealed(
    owner, journey_map, stages
):
    note = journey_map.touchpoints.create(stage_id=stages[0], text="Mine", position="i").pk
    first = revealed_with_a_vote(owner, journey_map, note, "Ann")
    second = revealed_with_a_vote(owner, journey_map, note, "Bob", tag="truth")
    assert revealed_heat(first)["heat"][str(note)]["counts"] == {
        "pain": 1,
        "delight": 0,
        "truth": 0,
    }
    assert revealed_heat(second)["heat"][str(note)]["counts"]["truth"] == 1


def test_a_reveal_on_a_map_without_visible_notes_has_no_voters(owner, journey_map):
    from workshops.operations import open_workshop

    workshop = open_workshop(owner, journey_map)
    set_phase(workshop, Phase.REVEAL)
    assert revealed_heat(workshop)["voters"] == 0
    assert revealed_heat(workshop)["heat"] == {}


def test_a_vote_names_the_field_it_cannot_read(workshop, ann, voted):
    assert refused_field(set_vote, ann, voted, "love", True) == ("invalid", "tag")
    assert refused_field(set_vote, ann, voted, "pain", "yes") == ("invalid", "on")


def test_a_note_of_another_map_or_an_internal_one_is_refused_with_a_sentence(
    workshop, ann, voted, other_map, journey_map, actor, stages
):
    from maps import operations as ops

    elsewhere = Touchpoint.objects.get(pk=other_map["touchpoint"])
    assert refused_code(set_vote, ann, elsewhere, "pain", True) == "not_found"
    internal = ops.add_touchpoint(
        actor, journey_map, stage=stages[0], text="CRM sync", internal=True
    ).payload["touchpoint"]["id"]
    assert refused_code(set_vote, ann, internal, "pain", True) == "invalid"


def test_ones_own_votes_are_listed_by_note_then_tag(
    workshop, ann, voted, journey_map, actor, stages
):
    from maps import operations as ops

    later = ops.add_touchpoint(actor, journey_map, stage=stages[0], text="Later").payload[
        "touchpoint"
    ]["id"]
    set_vote(ann, later, "delight", True)
    set_vote(ann, voted, "truth", True)  # Ann's "pain" on `voted` came first
    listed = [(v["touchpoint"], v["tag"]) for v in my_votes(ann, workshop)["votes"]]
    assert listed == [(voted, "pain"), (voted, "truth"), (later, "delight")]


def test_a_workshop_deleted_meanwhile_is_not_found(workshop):
    Workshop.objects.filter(pk=workshop.pk).delete()
    assert refused_code(set_locked, workshop, True) == "not_found"


def test_the_workshop_state_every_screen_reads(workshop):
    from workshops.facilitation import PHASE_HINTS, workshop_state

    set_phase(workshop, Phase.VOTE)
    state = workshop_state(workshop)
    timer = state.pop("timer")
    gates = state.pop("gates")
    assert state == {
        "type": "workshop.state",
        "workshop": workshop.pk,
        "phase": "vote",
        "phase_label": "Vote",
        "phase_hint": PHASE_HINTS[Phase.VOTE],
        "locked": False,
        "vote_budget": 10,
        "revealed": False,
        "votes_per_persona": False,
        "closed": None,
    }
    assert timer["state"] == "stopped"
    # Why each role's controls are off now (maps.permissions.workshop_gates, tested there).
    assert gates["edit"] == {
        "facilitator": None,
        "participant": "Adding and changing notes opens again in the Discuss phase.",
        "observer": "Observers can watch, not edit.",
    }
    assert gates["vote"]["participant"] is None


def test_extending_past_the_maximum_says_the_limit_in_minutes(workshop):
    start_timer(workshop, TIMER_MAX_SECONDS)
    with pytest.raises(OperationError) as refused:
        extend_timer(workshop, 60)
    assert f"{TIMER_MAX_SECONDS // 60} minutes." in refused.value.message


def test_toggling_a_tag_on_one_note_ignores_the_same_tag_on_another(
    workshop, ann, voted, journey_map, actor, stages
):
    from maps import operations as ops

    other = ops.add_touchpoint(actor, journey_map, stage=stages[0], text="Other").payload[
        "touchpoint"
    ]["id"]
    # Ann has "pain" on `voted`; on the other note it is not on yet.
    assert toggle_vote(ann, Touchpoint.objects.get(pk=other), "pain") is True
