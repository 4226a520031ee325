"""The embedded (single-process) channel layer, tuned for a live room.

Channels' InMemoryChannelLayer sweeps every channel's queue for expired messages on every
receive. With one channel per open board tab, each event then costs O(tabs) per tab: a room of
50 spent more time sweeping than sending (bench/live_room.py). Sweeping once a second keeps
the same expiry guarantees (messages live `expiry` seconds, give or take one) at a fraction of
the cost.
"""

from __future__ import annotations

import time

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
