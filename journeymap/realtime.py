"""Publishing to channel-layer groups after commit: the transport under every live update.

It knows nothing of maps or workshops: callers name a group and hand over a message (a dict
that becomes the websocket's text). What it does know is where the send can run:

- from a request or a script (no event loop in this thread): the send is run to completion
  with async_to_sync;
- from a websocket's worker thread (see `publishing_on`): the send is handed to the
  connection's event loop and not waited for, in commit order;
- from a thread that runs an event loop itself (a test driving a browser): it is scheduled on
  that loop.

A failed send loses no data: clients notice the revision gap on the next event (or on
reconnect) and fetch what they missed (docs/protocol.md, "Nothing lost").
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from typing import Any

from asgiref.sync import async_to_sync
from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

# The channel layer that carries room events when settings configure one (with Redis:
# pub/sub), else the default layer.
ROOMS = "rooms"

_pending_sends: set[asyncio.Task] = set()
# The event loop that publishes from this thread are handed to (see publishing_on).
_publisher = threading.local()


def to_wire(message: dict[str, Any]) -> str:
    """A message as the websocket carries it: compact JSON, encoded once however many
    connections receive it."""
    return json.dumps(message, separators=(",", ":"))


def room_layer() -> Any:
    return get_channel_layer(ROOMS if ROOMS in settings.CHANNEL_LAYERS else DEFAULT_CHANNEL_LAYER)


@contextmanager
def publishing_on(loop: asyncio.AbstractEventLoop) -> Iterator[None]:
    """In a worker thread of `loop`: publishes are handed to `loop` and not waited for.

    The websocket consumer runs operations in worker threads. Waiting for each send
    (async_to_sync) held the thread, and on SQLite the one writer's turn, until the busy event
    loop got round to it: the room's moves queued behind its own deliveries
    (bench/live_room.py). Handed over in commit order, they are sent in that order."""
    previous = getattr(_publisher, "loop", None)
    _publisher.loop = loop
    try:
        yield
    finally:
        _publisher.loop = previous


def publish_on_commit(
    group: str,
    message: dict[str, Any],
    envelope_type: str,
    *,
    rooms: bool = False,
    extra: dict[str, Any] | None = None,
) -> None:
    """Publish `message` to `group` once the current transaction commits (never on rollback).
    `rooms`: on the room layer (map events), else on the default layer."""
    transaction.on_commit(lambda: publish(group, message, envelope_type, rooms=rooms, extra=extra))


def publish(
    group: str,
    message: dict[str, Any],
    envelope_type: str,
    *,
    rooms: bool = False,
    extra: dict[str, Any] | None = None,
) -> None:
    """Send `message` to a channel-layer group now, encoded once as the websocket's text: the
    receiving consumer forwards the text as it is, without decoding or encoding it again per
    connection. `extra`: fields for the receiver beside the text (a map event's revision).
    Failures are logged, never raised."""
    layer = room_layer() if rooms else get_channel_layer()
    if layer is None:
        return
    envelope = {"type": envelope_type, "text": to_wire(message), **(extra or {})}
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    try:
        if running is not None:
            # Called from a thread that runs an event loop: async_to_sync cannot be used there,
            # so the send is scheduled on that loop.
            _spawn(layer.group_send(group, envelope))
        elif getattr(_publisher, "loop", None) is not None:
            _publisher.loop.call_soon_threadsafe(_spawn, layer.group_send(group, envelope))
        else:
            async_to_sync(layer.group_send)(group, envelope)
    except Exception:
        logger.exception("Publishing to %s failed: %s", group, message.get("type"))


def _spawn(send: Coroutine[Any, Any, None]) -> None:
    """Run a group send on the running loop, keeping a reference until it is done."""
    task = asyncio.get_running_loop().create_task(send)
    _pending_sends.add(task)
    task.add_done_callback(_sent)


def _sent(task: asyncio.Task) -> None:
    _pending_sends.discard(task)
    if not task.cancelled() and task.exception() is not None:
        logger.error("Publishing failed", exc_info=task.exception())
