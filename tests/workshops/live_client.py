"""Test helpers for the live board: a websocket client that keeps a board state the way
static/js/board.js does (snapshot + events applied in revision order, outbox, sync on gaps),
and the pure replay function both the tests and the benchmark use."""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
from typing import Any

from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from journeymap.asgi import application
from maps.models import JourneyMap
from maps.serializers import map_snapshot
from tests.workshops.segments_state import apply_segment_event, segments_state
from workshops.access import cookie_name
from workshops.models import Participant

ORIGIN = b"http://127.0.0.1"
_op_numbers = itertools.count(1)


def new_op_id(prefix: str = "op") -> str:
    return f"{prefix}-{next(_op_numbers)}"


# --- the board state and replay ---------------------------------------------------------------


def state_from_snapshot(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The parts of a snapshot that events keep up to date, keyed by id."""
    return {
        "revision": snapshot["revision"],
        "map": dict(snapshot["map"]),
        "stages": {s["id"]: dict(s) for s in snapshot["stages"]},
        "touchpoints": {t["id"]: dict(t) for t in snapshot["touchpoints"]},
        "groups": {g["id"]: dict(g) for g in snapshot["groups"]},
        "actions": {a["id"]: dict(a) for a in snapshot["actions"]},
        "threads": {t["id"]: dict(t) for t in snapshot["threads"]},
        "comments": {c["id"]: dict(c) for c in snapshot["comments"]},
        "reactions": {f"{r['target']}:{r['id']}": dict(r["counts"]) for r in snapshot["reactions"]},
        **segments_state(snapshot),
    }


def fresh_state(journey_map: JourneyMap) -> dict[str, Any]:
    journey_map.refresh_from_db()
    return state_from_snapshot(map_snapshot(journey_map))


def apply_event(state: dict[str, Any], message: dict[str, Any]) -> None:
    """Apply one event message (MapEvent.as_message()) to `state`, as the browser does."""
    kind, payload = message["event"], message["payload"]
    stages, notes, groups = state["stages"], state["touchpoints"], state["groups"]
    actions = state["actions"]
    if kind in ("map.created", "map.updated"):
        state["map"] = dict(payload)
    elif kind in ("stage.added", "stage.updated"):
        stages[payload["stage"]["id"]] = dict(payload["stage"])
    elif kind == "stage.moved":
        stages[payload["id"]]["position"] = payload["position"]
    elif kind == "spine.rebalanced":
        for stage_id, position in payload["positions"]:
            stages[stage_id]["position"] = position
    elif kind == "stage.rebalanced":
        for note_id, position in payload["positions"]:
            notes[note_id]["position"] = position
    elif kind == "stage.deleted":
        stages.pop(payload["id"], None)
        for stage in stages.values():
            if stage.get("loops_back_to") == payload["id"]:
                stage["loops_back_to"] = None
        for moved in payload["moved_touchpoints"]:
            notes[moved["id"]].update(stage=moved["stage"], position=moved["position"])
        for note_id in payload["deleted_touchpoints"]:
            notes.pop(note_id, None)
        drop_actions_of(actions, payload["deleted_touchpoints"])
        drop_discussion_of(state, payload["deleted_touchpoints"], stage=payload["id"])
    elif kind in ("touchpoint.added", "touchpoint.updated"):
        notes[payload["touchpoint"]["id"]] = dict(payload["touchpoint"])
    elif kind == "touchpoint.moved":
        notes[payload["id"]].update(stage=payload["stage"], position=payload["position"])
    elif kind == "touchpoint.deleted":
        notes.pop(payload["id"], None)
        drop_actions_of(actions, [payload["id"]])  # a note's actions go with it
        drop_discussion_of(state, [payload["id"]])  # and its thread
    elif kind in ("group.added", "group.renamed"):
        groups[payload["group"]["id"]] = dict(payload["group"])
        for note_id in payload.get("touchpoints", []):
            notes[note_id]["group"] = payload["group"]["id"]
    elif kind == "group.deleted":
        groups.pop(payload["id"], None)
        for note_id in payload["touchpoints"]:
            if note_id in notes:
                notes[note_id]["group"] = None
    elif kind in ("action.added", "action.updated"):
        actions[payload["action"]["id"]] = dict(payload["action"])
    elif kind == "action.deleted":
        actions.pop(payload["id"], None)
    elif kind in ("undo", "redo"):
        apply_changes(state, payload)
    elif kind.startswith(("comment.", "thread.", "reaction.")):
        apply_discussion(state, kind, payload)
    apply_segment_event(state, kind, payload)
    state["revision"] = message["revision"]


def apply_changes(state: dict[str, Any], payload: dict[str, Any]) -> None:
    """An undo or redo: every object it put back, whole, and the ids of those it removed."""
    if "map" in payload:
        state["map"] = dict(payload["map"])
    for kind, rows in payload["changes"].items():
        for row in rows:
            state[kind][row["id"]] = dict(row)
    for kind, ids in payload["removed"].items():
        for pk in ids:
            state[kind].pop(pk, None)
    removed_notes = payload["removed"].get("touchpoints", [])
    drop_actions_of(state["actions"], removed_notes)
    drop_discussion_of(state, removed_notes)
    for stage in state["stages"].values():
        if stage.get("loops_back_to") in payload["removed"].get("stages", []):
            stage["loops_back_to"] = None


def apply_discussion(state: dict[str, Any], kind: str, payload: dict[str, Any]) -> None:
    """The conversation's events (docs/protocol.md, "Comments and reactions")."""
    threads, comments, reactions = state["threads"], state["comments"], state["reactions"]
    if kind == "reaction.changed":
        key = f"{payload['target']}:{payload['id']}"
        if payload["counts"]:
            reactions[key] = dict(payload["counts"])
        else:
            reactions.pop(key, None)
        return
    if kind == "comment.deleted":
        comments.pop(payload["id"], None)
        reactions.pop(f"comment:{payload['id']}", None)
    elif kind in ("comment.added", "comment.updated"):
        comments[payload["comment"]["id"]] = dict(payload["comment"])
    thread = payload["thread"]
    if thread["count"]:
        threads[thread["id"]] = dict(thread)
    else:
        threads.pop(thread["id"], None)


def drop_discussion_of(
    state: dict[str, Any], note_ids: list[int], stage: int | None = None
) -> None:
    """A deleted note's (or stage's) thread, its comments and reactions go with it."""
    gone = set(note_ids)
    threads = [
        t
        for t, thread in state["threads"].items()
        if thread["touchpoint"] in gone or (stage is not None and thread["stage"] == stage)
    ]
    for comment_id in [
        c for c, comment in state["comments"].items() if comment["thread"] in threads
    ]:
        del state["comments"][comment_id]
        state["reactions"].pop(f"comment:{comment_id}", None)
    for thread_id in threads:
        del state["threads"][thread_id]
    for note_id in gone:
        state["reactions"].pop(f"touchpoint:{note_id}", None)


def drop_actions_of(actions: dict[int, dict[str, Any]], note_ids: list[int]) -> None:
    gone = set(note_ids)
    for action_id in [a for a, action in actions.items() if action["touchpoint"] in gone]:
        del actions[action_id]


def replay(state: dict[str, Any], messages: list[dict[str, Any]]) -> dict[str, Any]:
    result = copy.deepcopy(state)
    for message in messages:
        apply_event(result, message)
    return result


def note_order(state: dict[str, Any]) -> dict[int, list[int]]:
    """Each stage's notes in board order (position, then id), as every screen shows them."""
    order: dict[int, list[int]] = {stage_id: [] for stage_id in state["stages"]}
    for note in sorted(state["touchpoints"].values(), key=lambda n: (n["position"], n["id"])):
        order.setdefault(note["stage"], []).append(note["id"])
    return order


# --- a websocket client -----------------------------------------------------------------------


def cookie_header(participant: Participant) -> tuple[bytes, bytes]:
    return (b"cookie", f"{cookie_name(participant.workshop_id)}={participant.token}".encode())


def communicator(
    code: str, participant: Participant | None = None, origin: bytes | None = ORIGIN
) -> WebsocketCommunicator:
    headers = []
    if origin is not None:
        headers.append((b"origin", origin))
    if participant is not None:
        headers.append(cookie_header(participant))
    return WebsocketCommunicator(application, f"/ws/w/{code}/", headers=headers)


class LiveClient:
    """One board tab: hello, state, events in order, outbox resent on reconnect."""

    def __init__(
        self, participant: Participant, state: dict[str, Any], drop_events: float = 0.0, rng=None
    ) -> None:
        self.participant = participant
        # Drop this share of broadcast events, as an over-capacity channel layer would.
        self.drop_events = drop_events
        self.rng = rng
        self.code = participant.workshop.join_code
        self.state = state
        self.outbox: dict[str, dict[str, Any]] = {}
        self.acks: dict[str, dict[str, Any]] = {}
        self.errors: list[dict[str, Any]] = []
        self.pending: dict[int, dict[str, Any]] = {}
        self.seen: list[dict[str, Any]] = []
        self.comm: WebsocketCommunicator | None = None
        self.sync_wanted = False
        self.snapshot_wanted = False
        self.map_id = participant.workshop.map_id

    async def connect(self) -> dict[str, Any]:
        self.comm = communicator(self.code, self.participant)
        connected, _ = await self.comm.connect(timeout=10)
        assert connected
        hello = await self.comm.receive_json_from(timeout=5)
        assert hello["type"] == "hello"
        # As the browser does on (re)connect: ask for what it missed, resend what is unacked.
        await self.send({"type": "sync", "since": self.state["revision"]})
        for message in self.outbox.values():
            await self.send(message)
        return hello

    async def disconnect(self) -> None:
        if self.comm is not None:
            await self.comm.disconnect()
            self.comm = None

    async def send(self, message: dict[str, Any]) -> None:
        assert self.comm is not None
        await self.comm.send_to(text_data=json.dumps(message))

    async def operate(self, kind: str, **fields: Any) -> str:
        op_id = new_op_id(f"p{self.participant.pk}")
        message = {"type": kind, "op_id": op_id, **fields}
        self.outbox[op_id] = message
        if self.comm is not None:
            await self.send(message)
        return op_id

    def handle(self, message: dict[str, Any]) -> None:
        self.seen.append(message)
        kind = message["type"]
        if kind == "events":
            for event in message["events"]:
                self.handle(event)
            return
        if kind == "event" and self.drop_events and self.rng.random() < self.drop_events:
            return
        if kind == "event":
            self.pending[message["revision"]] = message
        elif kind == "ack":
            self.outbox.pop(message["op_id"], None)
            self.acks[message["op_id"]] = message
            if "event" in message:
                self.pending[message["revision"]] = message["event"]
        elif kind == "error":
            self.errors.append(message)
            if message.get("op_id"):
                self.outbox.pop(message["op_id"], None)
        elif kind == "sync":
            for event in message["events"]:
                self.pending[event["revision"]] = event
            self.sync_wanted = message.get("more", False)
        elif kind == "snapshot" and "url" in message:
            self.snapshot_wanted = True  # too big for a frame: loaded as over HTTP, below
        elif kind == "snapshot":
            self.take_snapshot(message["snapshot"])
        self._apply_pending()

    def take_snapshot(self, snapshot: dict[str, Any]) -> None:
        self.state = state_from_snapshot(snapshot)
        self.pending = {r: e for r, e in self.pending.items() if r > self.state["revision"]}

    async def follow_up(self) -> None:
        """As the browser does after a `sync` with `more` (ask again) or a snapshot given as a
        URL (load it; here straight from the database, as the URL's view does)."""
        if self.snapshot_wanted:
            self.snapshot_wanted = False
            journey_map = await sync_to_async(JourneyMap.objects.get)(pk=self.map_id)
            self.take_snapshot(await sync_to_async(map_snapshot)(journey_map))
            self._apply_pending()
        if self.sync_wanted:
            self.sync_wanted = False
            await self.send({"type": "sync", "since": self.state["revision"]})

    def _apply_pending(self) -> None:
        for revision in sorted(self.pending):
            if revision <= self.state["revision"]:
                del self.pending[revision]
            elif revision == self.state["revision"] + 1:
                event = self.pending.pop(revision)
                apply_event(self.state, event)
                if event["event"] == "map.restored":
                    # The whole board changed: load it, as the page re-fetches its board.
                    self.snapshot_wanted = True
            else:
                break

    async def next_message(self, timeout: float) -> dict[str, Any] | None:
        """The next message, or None after `timeout` seconds of silence. (The communicator's
        own timeout would cancel the consumer, i.e. hang up.)"""
        assert self.comm is not None
        if await self.comm.receive_nothing(timeout=timeout, interval=0.005):
            return None
        output = await self.comm.output_queue.get()
        if output["type"] == "websocket.close":
            raise ConnectionError(f"closed with {output.get('code')}")
        return json.loads(output["text"])

    async def drain(self, quiet: float = 0.3) -> None:
        """Receive until nothing arrives for `quiet` seconds (then heal any gap, like the JS)."""
        while True:
            message = await self.next_message(quiet)
            if message is None:
                if self.pending:
                    await self.send({"type": "sync", "since": self.state["revision"]})
                    continue
                return
            self.handle(message)
            await self.follow_up()

    async def settle(self, revision: int | None = None, timeout: float = 15) -> None:
        """Receive until the outbox is empty, no gap is pending and (if given) `revision` is
        applied; then drain briefly. Unlike a fixed quiet period, this holds on a slow machine."""
        deadline = asyncio.get_running_loop().time() + timeout
        while (
            self.outbox
            or self.pending
            or (revision is not None and self.state["revision"] < revision)
        ):
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise AssertionError(
                    f"not settled in {timeout} s: outbox {list(self.outbox)}, "
                    f"revision {self.state['revision']} (want {revision})"
                )
            message = await self.next_message(min(left, 0.5))
            if message is not None:
                self.handle(message)
                await self.follow_up()
            elif self.pending or (revision is not None and self.state["revision"] < revision):
                # A gap, or a lost last event that no later event will reveal: ask, as the JS
                # does when an ack carries a revision it has not seen.
                await self.send({"type": "sync", "since": self.state["revision"]})
        await self.drain(0.05)

    async def take_arrived(self) -> None:
        """Handle whatever has already arrived, without waiting."""
        assert self.comm is not None
        while not self.comm.output_queue.empty():
            output = self.comm.output_queue.get_nowait()
            if output["type"] == "websocket.close":
                raise ConnectionError(f"closed with {output.get('code')}")
            self.handle(json.loads(output["text"]))

    async def receive(self, timeout: float = 5) -> dict[str, Any]:
        message = await self.next_message(timeout)
        if message is None:
            raise AssertionError(f"nothing received within {timeout} s")
        self.handle(message)
        await self.follow_up()
        return message

    async def probe(self, timeout: float = 15) -> list[dict[str, Any]]:
        """Everything this connection received up to the answer to a probe, for "nothing
        (more) arrived" checks. The consumer answers a connection's frames one after another,
        so the answers to all earlier frames come before the probe's. The probe is a type no
        handler knows, echoed back in its unknown_type error; a rate limit may drop it, so it
        is sent again until answered."""
        assert self.comm is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        start = len(self.seen)
        sent: set[str] = set()
        while True:
            probe = f"probe.{next(_op_numbers)}"
            sent.add(probe)
            await self.send({"type": probe})
            resend_at = min(deadline, loop.time() + 0.2)
            while loop.time() < resend_at:
                message = await self.next_message(max(0.0, resend_at - loop.time()))
                if message is None:
                    break
                if message.get("code") == "unknown_type" and message.get("message_type") in sent:
                    return [m for m in self.seen[start:] if m.get("message_type") not in sent]
                self.handle(message)
            if loop.time() >= deadline:
                raise AssertionError(f"no probe answered within {timeout} s")

    async def receive_until(self, predicate, timeout: float = 5) -> dict[str, Any]:
        while True:
            message = await self.receive(timeout)
            if predicate(message):
                return message
