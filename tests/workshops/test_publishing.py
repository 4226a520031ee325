"""Operations run in worker threads hand their broadcasts to the event loop without waiting
for it (journeymap.realtime.publishing_on), in commit order; each map's operations run on one
thread of the process (workshops.threads.operation_thread)."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
from channels.layers import channel_layers

from journeymap import realtime
from journeymap.realtime import publish, publishing_on
from workshops.layers import RoomChannelLayer
from workshops.threads import operation_thread


@pytest.mark.asyncio
async def test_broadcasts_from_a_worker_thread_are_handed_over_in_order_without_waiting(
    monkeypatch,
):
    layer = RoomChannelLayer()
    monkeypatch.setitem(channel_layers.backends, "default", layer)
    await layer.group_add("map.9", "board.x")
    loop = asyncio.get_running_loop()
    returned = threading.Event()

    def operations_in_a_thread() -> None:
        with publishing_on(loop):
            for revision in range(1, 21):
                publish("map.9", {"revision": revision}, "map.event")
        returned.set()

    worker = threading.Thread(target=operations_in_a_thread)
    worker.start()
    # The loop is not running callbacks while this waits: the thread returns all the same.
    assert returned.wait(timeout=5)
    worker.join()
    received = [json.loads((await layer.receive("board.x"))["text"]) for _ in range(20)]
    assert [m["revision"] for m in received] == list(range(1, 21))


def test_publishing_on_is_undone_after_the_block():
    loop = asyncio.new_event_loop()
    try:
        with publishing_on(loop):
            pass
        assert getattr(realtime._publisher, "loop", None) is None
    finally:
        loop.close()


def test_each_map_has_one_operations_thread():
    assert operation_thread(7) is operation_thread(7)
    assert operation_thread(7)._max_workers == 1
