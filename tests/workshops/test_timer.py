"""The timer: a server end time every screen derives the same remaining time from; start,
extend, pause, resume, stop; and the same state after a reload or reconnect."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from maps.operations import OperationError
from tests.workshops.voting_room import Room
from workshops import facilitation
from workshops.facilitation import (
    TIMER_MAX_SECONDS,
    extend_timer,
    hello_state,
    pause_timer,
    resume_timer,
    start_timer,
    stop_timer,
    timer_state,
)
from workshops.models import Workshop
from workshops.operations import join_workshop, open_workshop

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 1, 5, 9, 0, 0, tzinfo=UTC)


class Clock:
    """The server's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(facilitation.timezone, "now", clock)
    return clock


@pytest.fixture
def workshop(owner, journey_map):
    return open_workshop(owner, journey_map)


def reloaded(workshop: Workshop) -> Workshop:
    return Workshop.objects.get(pk=workshop.pk)


def test_a_started_timer_ends_at_a_server_time(workshop, clock):
    start_timer(workshop, 300)
    state = timer_state(reloaded(workshop), clock.now)
    assert state["state"] == "running"
    assert state["ends_at"] == (T0 + timedelta(seconds=300)).isoformat()
    assert state["remaining"] == 300


def test_every_screen_is_sent_the_end_time_and_the_servers_clock(
    owner, journey_map, actor, clock, django_capture_on_commit_callbacks, settings
):
    """What each screen needs to show the same countdown: the same end time, and the server's
    clock at the moment of sending, so a client can correct its own clock's offset (the
    browser's side of it is tested in the browser's code)."""
    room = Room(owner, journey_map, actor, django_capture_on_commit_callbacks, settings)
    started = room.send("Facilitator", "timer.start", seconds=300)["workshop"]["timer"]
    clock.advance(100)
    paused = room.send("Facilitator", "timer.pause")["workshop"]["timer"]
    clock.advance(30)
    resumed = room.send("Facilitator", "timer.resume")["workshop"]["timer"]
    room.drain()
    assert started == {
        "state": "running",
        "ends_at": (T0 + timedelta(seconds=300)).isoformat(),
        "remaining": 300,
        "now": T0.isoformat(),
    }
    assert paused == {
        "state": "paused",
        "ends_at": None,
        "remaining": 200,
        "now": (T0 + timedelta(seconds=100)).isoformat(),
    }
    assert resumed == {
        "state": "running",
        "ends_at": (T0 + timedelta(seconds=330)).isoformat(),
        "remaining": 200,
        "now": (T0 + timedelta(seconds=130)).isoformat(),
    }
    for name, person in room.people.items():
        timers = [m["timer"] for m in person.received if m["type"] == "workshop.state"]
        assert timers == [started, paused, resumed], name


def test_the_timer_survives_a_reload(workshop, owner, clock):
    start_timer(workshop, 600)
    clock.advance(45)
    participant = join_workshop(workshop, display_name="Ann")
    hello = hello_state(reloaded(workshop), participant)
    assert hello["workshop"]["timer"]["remaining"] == 555
    assert hello["workshop"]["timer"]["ends_at"] == (T0 + timedelta(seconds=600)).isoformat()


def test_extend_adds_to_a_running_timer(workshop, clock):
    start_timer(workshop, 60)
    clock.advance(30)
    extend_timer(workshop, 120)
    assert timer_state(reloaded(workshop), clock.now)["remaining"] == 150


def test_pause_keeps_the_remaining_time_and_resume_restarts_it(workshop, clock):
    start_timer(workshop, 300)
    clock.advance(100)
    pause_timer(workshop)
    clock.advance(1000)
    paused = timer_state(reloaded(workshop), clock.now)
    assert (paused["state"], paused["remaining"], paused["ends_at"]) == ("paused", 200, None)
    extend_timer(workshop, 60)
    assert timer_state(reloaded(workshop), clock.now)["remaining"] == 260
    resume_timer(workshop)
    clock.advance(10)
    assert timer_state(reloaded(workshop), clock.now)["remaining"] == 250


def test_time_up_is_the_same_moment_for_everyone(workshop, clock):
    start_timer(workshop, 60)
    clock.advance(59)
    assert timer_state(reloaded(workshop), clock.now)["state"] == "running"
    clock.advance(1)
    expired = timer_state(reloaded(workshop), clock.now)
    assert (expired["state"], expired["remaining"]) == ("expired", 0)


def test_extending_an_expired_timer_starts_it_again(workshop, clock):
    start_timer(workshop, 60)
    clock.advance(600)
    extend_timer(workshop, 30)
    assert timer_state(reloaded(workshop), clock.now)["remaining"] == 30


def test_stop_clears_the_timer(workshop, clock):
    start_timer(workshop, 60)
    stop_timer(workshop)
    state = timer_state(reloaded(workshop), clock.now)
    assert (state["state"], state["remaining"], state["ends_at"]) == ("stopped", None, None)


def test_pausing_a_stopped_timer_is_refused(workshop, clock):
    with pytest.raises(OperationError) as refused:
        pause_timer(workshop)
    assert refused.value.code == "invalid"


def test_resuming_a_running_timer_is_refused(workshop, clock):
    start_timer(workshop, 60)
    with pytest.raises(OperationError):
        resume_timer(workshop)


@pytest.mark.parametrize("seconds", [0, -5, TIMER_MAX_SECONDS + 1, 1.5, "60", True, None])
def test_bad_durations_are_refused(workshop, clock, seconds):
    with pytest.raises(OperationError) as refused:
        start_timer(workshop, seconds)
    assert refused.value.code == "invalid"
    assert reloaded(workshop).timer_ends_at is None


@pytest.mark.parametrize("seconds", [1, TIMER_MAX_SECONDS])
def test_durations_from_a_second_to_two_hours_are_accepted(workshop, clock, seconds):
    start_timer(workshop, seconds)
    assert timer_state(reloaded(workshop), clock.now)["remaining"] == seconds


def test_extending_up_to_the_maximum_is_accepted(workshop, clock):
    start_timer(workshop, TIMER_MAX_SECONDS - 60)
    extend_timer(workshop, 60)
    assert timer_state(reloaded(workshop), clock.now)["remaining"] == TIMER_MAX_SECONDS


def test_extending_past_the_maximum_is_refused(workshop, clock):
    start_timer(workshop, TIMER_MAX_SECONDS - 10)
    with pytest.raises(OperationError):
        extend_timer(workshop, 60)
    assert timer_state(reloaded(workshop), clock.now)["remaining"] == TIMER_MAX_SECONDS - 10
