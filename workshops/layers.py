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
