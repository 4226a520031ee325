"""Scale out: two real daphne processes on one Redis channel layer and one PostgreSQL database
serve one workshop; a participant on each sees the other's changes and presence."""

from __future__ import annotations

import json
import os
import subprocess
import time

import pytest
from django.conf import settings

from maps import operations as ops
from tests.conftest import require_postgres, require_redis
from workshops.access import cookie_name
from workshops.operations import join_workshop, open_workshop

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def receive_until(ws, predicate, timeout: float = 10.0) -> dict:
    while True:
        message = json.loads(ws.recv(timeout=timeout))
        if predicate(message):
            return message


@pytest.fixture
def two_servers():
    require_postgres()
    require_redis()
    from tests.e2e.conftest import on_free_port, start_daphne

    # Both processes use this test run's own prefix (tests/conftest.py): they share groups
    # with each other and with this process, and with no other run.
    prefix = settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]
    env = {"REDIS_URL": os.environ["REDIS_URL"], "CHANNEL_PREFIX": prefix}
    started = [on_free_port(lambda port: start_daphne(port, env)) for _ in range(2)]
    processes, ports = [process for process, _ in started], [port for _, port in started]
    yield ports
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def connect(port: int, participant):
    from websockets.sync.client import connect as ws_connect

    return ws_connect(
        f"ws://127.0.0.1:{port}/ws/w/{participant.workshop.join_code}/",
        origin=f"http://127.0.0.1:{port}",
        additional_headers={
            "Cookie": f"{cookie_name(participant.workshop_id)}={participant.token}"
        },
        open_timeout=10,
    )


def test_two_daphne_processes_serve_one_workshop(two_servers, owner, journey_map, actor):
    workshop = open_workshop(owner, journey_map)
    ann = join_workshop(workshop, display_name="Ann")
    bob = join_workshop(workshop, display_name="Bob")
    stages = list(journey_map.stages.order_by("position").values_list("pk", flat=True))
    first, second = two_servers

    with connect(first, ann) as on_first, connect(second, bob) as on_second:
        assert (
            receive_until(on_first, lambda m: m["type"] == "hello")["participant"]["name"] == "Ann"
        )
        receive_until(on_second, lambda m: m["type"] == "hello")
        # Presence crosses processes: Ann's process tells Bob she is here.
        here = receive_until(on_second, lambda m: m["type"] == "presence")
        assert here["op"] == "here" and here["participant"]["name"] == "Ann"

        on_first.send(
            json.dumps(
                {
                    "type": "touchpoint.add",
                    "op_id": "scale-1",
                    "stage": stages[0],
                    "text": "From process one",
                }
            )
        )
        ack = receive_until(on_first, lambda m: m["type"] == "ack")
        seen = receive_until(on_second, lambda m: m["type"] == "event")
        assert seen["revision"] == ack["revision"]
        assert seen["payload"]["touchpoint"]["text"] == "From process one"
        note = seen["payload"]["touchpoint"]["id"]

        on_second.send(
            json.dumps(
                {
                    "type": "touchpoint.move",
                    "op_id": "scale-2",
                    "touchpoint": note,
                    "stage": stages[2],
                    "index": 0,
                }
            )
        )
        moved = receive_until(
            on_first, lambda m: m["type"] == "event" and m["event"] == "touchpoint.moved"
        )
        assert moved["payload"]["stage"] == stages[2]
        assert moved["revision"] == ack["revision"] + 1

        # Quiet for longer than the channel layer's blocking read (5 s): connections stay up.
        time.sleep(6)
        # A change made outside both (an htmx form, a script) reaches both processes' clients.
        ops.add_touchpoint(actor, journey_map, stage=stages[1], text="From a form")
        for ws in (on_first, on_second):
            event = receive_until(
                ws, lambda m: m["type"] == "event" and m["event"] == "touchpoint.added"
            )
            assert event["payload"]["touchpoint"]["text"] == "From a form"
