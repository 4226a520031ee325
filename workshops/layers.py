"""The embedded (single-process) channel layer, tuned for a live room.

Channels' InMemoryChannelLayer costs O(tabs) per message to each tab, which a room of 50 felt
(bench/live_room.py):

- it sweeps every channel's queue for expired messages on every receive. Sweeping once a second
  keeps the same expiry guarantees (messages live `expiry` seconds, give or take one);
- its group_send starts one task per member channel and deep-copies the message for each. Here
  the message is copied once per group_send and put straight into each member's queue: the
  sender can still change its dict afterwards, and receivers only read what they get
  (BoardConsumer never changes an incoming message).

A full channel misses the group message, as with channels-redis: clients heal from revisions.
"""

from __future__ import annotations

import asyncio
import time
from copy import deepcopy
from typing import Any

from channels.layers import InMemoryChannelLayer
from channels_redis.core import RedisChannelLayer
from redis.exceptions import RedisError

from .fanout import trouble

SWEEP_INTERVAL = 1.0


class RoomChannelLayer(InMemoryChannelLayer):
    _last_sweep = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._last_sweep < SWEEP_INTERVAL:
            return
        self._last_sweep = now
        super()._clean_expired()

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        if not isinstance(message, dict):
            raise TypeError("A channel layer message is a dict.")
        self.require_valid_group_name(group)
        self._clean_expired()
        shared = (time.time() + self.expiry, deepcopy(message))
        for channel in list(self.groups.get(group, ())):
            queue = self.channels.setdefault(
                channel, asyncio.Queue(maxsize=self.get_capacity(channel))
            )
            try:
                queue.put_nowait(shared)
            except asyncio.QueueFull:
                continue


# After a failed receive from Redis, a connection's channel is read again this much later
# (doubling up to RECEIVE_RETRY_MAX).
RECEIVE_RETRY = 0.25
RECEIVE_RETRY_MAX = 2.0


class SteadyRedisChannelLayer(RedisChannelLayer):
    """channels-redis' list-based layer, whose receive outlives a Redis restart.

    Each connection reads its own channel through the layer (Channels' consumer loop). When
    Redis went away, that read raised, Channels ended the connection with a traceback, and
    every browser of the process reconnected at once (bench/faults.py, fault b: 19 of 19).
    Here the read waits and tries again; what was sent meanwhile is lost with Redis's lists,
    and heals from revisions and the pings' group renewal (docs/protocol.md)."""

    async def _brpop_with_clean(self, index: int, channel: str, timeout: int) -> Any:
        """channels-redis' blocking pop, which ends once its task has been asked to end.

        Before Python 3.12, asyncio.wait_for (redis-py's every socket write) swallows a
        cancel that lands as its write finishes. channels-redis then pops again, every 5 s,
        forever: a connection that closed never finished, and the test run's event loop hung
        at close (CI of stop 23). A task asked to end still counts the request (cancelling()),
        so the next pop does not start."""
        member = await super()._brpop_with_clean(index, channel, timeout)
        _end_if_cancelled(None)
        return member

    async def receive(self, channel: str) -> dict[str, Any]:
        delay = RECEIVE_RETRY
        while True:
            try:
                return await super().receive(channel)
            except (RedisError, OSError, TimeoutError) as error:
                # The connection is ending: redis-py may turn the read's cancel into
                # "Connection closed by server". Retrying kept the task reading a dead
                # channel forever.
                _end_if_cancelled(error)
                trouble.report("Receiving a connection's messages", error)
                await asyncio.sleep(delay)
                delay = min(RECEIVE_RETRY_MAX, delay * 2)


def _end_if_cancelled(error: BaseException | None) -> None:
    """Raise the cancel this task was sent, if something below swallowed or disguised it:
    Channels' consumer waits for its cancelled read to end with a CancelledError."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError from error
