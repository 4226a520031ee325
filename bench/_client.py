"""A simulated board tab over a real websocket, for bench/faults.py and bench/soak.py.

It behaves like static/js/board.js (docs/protocol.md): on every (re)connect it asks for the
events it missed (`sync` since its revision) and resends its whole outbox with the same op_ids;
it applies events strictly in revision order and asks again when a revision stays missing; an
error for one of its operations removes it from the outbox (reported to the user as failed).
It keeps the books the fault run checks: every op_id sent, acknowledged, refused, and every
event applied.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
import uuid
from typing import Any

import websockets

from tests.workshops.live_client import apply_event, state_from_snapshot

GAP_WAIT = 0.8  # as board.js: a missing revision may be on its way
PING_EVERY = 10.0  # as board.js (PING_EVERY_MS / 2)
RECONNECT_MIN, RECONNECT_MAX = 0.5, 5.0
CLOSE_CODES_FINAL = {4403, 4404}


class BenchClient:
    def __init__(
        self, name: str, port: int, code: str, cookie: str, snapshot: dict[str, Any]
    ) -> None:
        self.name = name
        self.port = port
        self.url = f"ws://127.0.0.1:{port}/ws/w/{code}/"
        self.origin = f"http://127.0.0.1:{port}"
        self.cookie = cookie
        self.state = state_from_snapshot(snapshot)
        self.pending: dict[int, dict[str, Any]] = {}
        self.outbox: dict[str, dict[str, Any]] = {}
        self.sent: dict[str, dict[str, Any]] = {}  # every operation ever made
        self.acked: dict[str, int] = {}  # op_id -> revision
        self.failed: dict[str, str] = {}  # op_id -> error code reported to the sender
        self.applied_ops: set[str] = set()  # op_ids of the events applied to the board
        self.took_snapshot = False
        self.sent_at: dict[str, float] = {}
        self.latencies: list[float] = []  # seconds from operate() to its ack
        self.other_errors: list[dict[str, Any]] = []
        self.ws: Any = None
        self.connected = asyncio.Event()
        self.stopped = False
        self.connects = 0
        self.resent = 0  # operations sent again after a reconnect
        self.gap_since: float | None = None
        self._task: asyncio.Task | None = None

    # --- life cycle -----------------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.name)
        self._heartbeat = asyncio.create_task(self.heartbeat())

    async def stop(self) -> None:
        self.stopped = True
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()
        self._heartbeat.cancel()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task

    def drop(self) -> None:
        """Lose the connection without a close frame, as a laptop lid or a dead Wi-Fi does."""
        if self.ws is not None:
            self.ws.transport.abort()

    async def _run(self) -> None:
        delay = RECONNECT_MIN
        while not self.stopped:
            try:
                async with websockets.connect(
                    self.url,
                    origin=self.origin,
                    additional_headers={"Cookie": self.cookie},
                    open_timeout=5,
                    ping_interval=5,
                    ping_timeout=5,
                    max_size=2**23,
                ) as ws:
                    self.ws = ws
                    async for raw in ws:
                        delay = RECONNECT_MIN
                        self.handle(json.loads(raw))
            except websockets.ConnectionClosed as closed:
                if closed.rcvd is not None and closed.rcvd.code in CLOSE_CODES_FINAL:
                    self.other_errors.append({"closed": closed.rcvd.code})
                    return
            except (TimeoutError, OSError, websockets.InvalidHandshake):
                pass
            self.ws = None
            self.connected.clear()
            if self.stopped:
                return
            await asyncio.sleep(delay / 2 + random.random() * delay / 2)
            delay = min(RECONNECT_MAX, delay * 2)

    async def send(self, message: dict[str, Any]) -> None:
        ws = self.ws
        if ws is None:
            return  # stays in the outbox: resent on reconnect
        with contextlib.suppress(websockets.ConnectionClosed, OSError):
            await ws.send(json.dumps(message))

    # --- operations -----------------------------------------------------------------------

    async def operate(self, kind: str, **fields: Any) -> str:
        op_id = f"{self.name}-{uuid.uuid4().hex[:12]}"
        message = {"type": kind, "op_id": op_id, **fields}
        self.outbox[op_id] = message
        self.sent[op_id] = message
        self.sent_at[op_id] = time.monotonic()
        if self.connected.is_set():
            await self.send(message)
        return op_id

    async def sync(self) -> None:
        await self.send({"type": "sync", "since": self.state["revision"]})

    # --- server → client ------------------------------------------------------------------

    def handle(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "hello":
            self.connects += 1
            self.connected.set()
            self._hello_task = asyncio.ensure_future(self._on_hello())
        elif kind == "event":
            self._receive(message)
        elif kind == "ack":
            op_id = message["op_id"]
            self.outbox.pop(op_id, None)
            if op_id not in self.acked and op_id in self.sent_at:
                self.latencies.append(time.monotonic() - self.sent_at[op_id])
            self.acked[op_id] = message.get("revision", 0)
            if message.get("event"):
                self._receive(message["event"])
        elif kind == "error":
            op_id = message.get("op_id")
            if op_id and op_id in self.outbox:
                self.outbox.pop(op_id)
                self.failed[op_id] = message.get("code", "?")
            else:
                self.other_errors.append(message)
        elif kind in ("sync", "events"):  # "events": a batch the server gathered in one tick
            for event in message["events"]:
                self._receive(event)
        elif kind == "pong":
            # As board.js: the server is ahead and nothing is pending (a lost broadcast).
            revision = message.get("revision")
            if isinstance(revision, int) and revision > self.state["revision"] and not self.pending:
                self._sync_task = asyncio.ensure_future(self.sync())
        elif kind == "snapshot":
            self.took_snapshot = True
            self.state = state_from_snapshot(message["snapshot"])
            self.pending = {r: e for r, e in self.pending.items() if r > self.state["revision"]}
            self._drain()

    async def _on_hello(self) -> None:
        await self.sync()
        self.resent += len(self.outbox)
        for message in list(self.outbox.values()):
            await self.send(message)

    def _receive(self, event: dict[str, Any]) -> None:
        if event["revision"] <= self.state["revision"]:
            return
        self.pending[event["revision"]] = event
        self._drain()

    def _drain(self) -> None:
        while self.state["revision"] + 1 in self.pending:
            event = self.pending.pop(self.state["revision"] + 1)
            apply_event(self.state, event)
            if event.get("op_id"):
                self.applied_ops.add(event["op_id"])
        for revision in [r for r in self.pending if r <= self.state["revision"]]:
            del self.pending[revision]
        self.gap_since = (self.gap_since or time.monotonic()) if self.pending else None

    async def heartbeat(self) -> None:
        """As board.js: a ping every 10 s while connected (renews the server's groups)."""
        while not self.stopped:
            await asyncio.sleep(PING_EVERY)
            if self.connected.is_set():
                await self.send({"type": "ping"})

    async def heal_gaps(self) -> None:
        """Call every few hundred ms: ask for a revision that stayed missing (board.js does)."""
        if self.gap_since is not None and time.monotonic() - self.gap_since > GAP_WAIT:
            self.gap_since = time.monotonic()
            await self.sync()


def board_view(state: dict[str, Any]) -> dict[str, Any]:
    """What a screen shows, for comparing two boards: notes (stage, order, text), stages."""
    notes = {
        tid: (t["stage"], t["position"], t["text"], t.get("group"))
        for tid, t in state["touchpoints"].items()
    }
    stages = {sid: (s["name"], s["position"]) for sid, s in state["stages"].items()}
    return {"revision": state["revision"], "notes": notes, "stages": stages}
