"""A voting room for tests: a facilitator and three participants, each listening on the
channel-layer groups a board connection joins (map.<id>, workshop.<id>, participant.<id>, and
the facilitator's workshop.<id>.facilitator), and
sending messages through the declared operations behind the same role / phase / lock gate as
the consumer. Every message each person receives is recorded."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from maps import operations as ops
from maps.operations import group_name
from workshops.facilitation import set_phase
from workshops.gate import Context, check, find, run
from workshops.models import Participant, Workshop
from workshops.notify import facilitator_group, participant_group, workshop_group
from workshops.operations import join_workshop, open_workshop


@dataclass
class Person:
    participant: Participant
    channel: str
    received: list[dict[str, Any]] = field(default_factory=list)
    acks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.participant.display_name


IN_MEMORY_LAYER = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


class Room:
    """Handler-level tests: the channel layer is the in-memory one, so what each person
    received is exact and immediate. (Polling Redis with short timeouts can cancel a blocking
    read mid-pop and lose the message; the real consumer over Redis is tested in
    test_votes_live.py and test_scale_out.py.) Pass the pytest-django `settings` fixture."""

    def __init__(self, owner, journey_map, actor, capture, settings, phase: str = "vote") -> None:
        settings.CHANNEL_LAYERS = IN_MEMORY_LAYER
        self.layer = get_channel_layer()
        self.capture = capture
        self.map = journey_map
        stage = journey_map.stages.order_by("position").first()
        self.notes = []
        for i in range(6):
            event = ops.add_touchpoint(actor, journey_map, stage=stage.pk, text=f"Touchpoint {i}")
            self.notes.append(event.payload["touchpoint"]["id"])
        self.workshop = open_workshop(owner, journey_map, vote_budget=3)
        set_phase(self.workshop, phase)
        facilitator = self.workshop.participants.get(role=Participant.Role.FACILITATOR)
        self.people = {"Facilitator": self._listen(facilitator)}
        for name in ("Ann", "Bob", "Cy"):
            self.people[name] = self._listen(join_workshop(self.workshop, display_name=name))
        self.drain()

    def _listen(self, participant: Participant) -> Person:
        # A plain channel name (no "!"): the Redis layer then reads it directly, with no
        # receive buffer tied to one event loop (each async_to_sync call runs its own loop).
        channel = f"voting-room.{uuid.uuid4().hex}"
        groups = [
            group_name(self.map.pk),
            workshop_group(self.workshop.pk),
            participant_group(participant.pk),
        ]
        if participant.role == Participant.Role.FACILITATOR:  # as a facilitator's connection
            groups.append(facilitator_group(self.workshop.pk))
        for group in groups:
            async_to_sync(self.layer.group_add)(group, channel)
        return Person(participant, channel)

    def send(self, name: str, message_type: str, **fields: Any) -> dict[str, Any]:
        """Send as the consumer does: fresh context, gate, handler; broadcasts after commit."""
        person = self.people[name]
        participant = Participant.objects.select_related("workshop__map").get(
            pk=person.participant.pk
        )
        workshop = Workshop.objects.get(pk=participant.workshop_id)
        ctx = Context(
            workshop=workshop,
            participant=participant,
            journey_map=workshop.map,
            role=participant.role,
        )
        operation = find(message_type)
        with self.capture(execute=True):
            check(operation, ctx)
            ack = run(operation, ctx, {"type": message_type, "op_id": "x", **fields})
        person.acks.append(ack)
        return ack

    def drain(self) -> None:
        """Record everything each person has been sent so far. Broadcasts go out on commit,
        before send() returns, so a probe put on each channel now arrives after all of them:
        everything before it is what that person received."""
        for person in self.people.values():
            person.received.extend(async_to_sync(_receive_until_probe)(self.layer, person.channel))


async def _receive_until_probe(layer, channel: str) -> list[dict[str, Any]]:
    probe = {"type": "probe", "id": uuid.uuid4().hex}
    await layer.send(channel, {"type": "workshop.event", "text": json.dumps(probe)})
    messages = []
    while True:
        envelope = await asyncio.wait_for(layer.receive(channel), timeout=5)
        # The envelope carries the text a websocket client gets.
        message = json.loads(envelope["text"])
        if message == probe:
            return messages
        messages.append(message)


def pairs_in(message) -> set[tuple[int, str]]:
    """Every (touchpoint, tag) a message mentions, wherever it is nested."""
    found: set[tuple[int, str]] = set()

    def walk(value) -> None:
        if isinstance(value, dict):
            if "touchpoint" in value and "tag" in value:
                found.add((value["touchpoint"], value["tag"]))
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(message)
    return found
