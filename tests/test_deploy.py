"""Production settings pass Django's deployment checklist and send the security headers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from workshops import catchup, consumers

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "a-production-secret-key-that-is-long-and-random-enough-0123456789",
    "ALLOWED_HOSTS": "maps.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://maps.example.com",
    "SECURE_SSL": "1",
}


def test_check_deploy_is_clean_with_production_settings():
    env = {"PATH": os.environ["PATH"], **PRODUCTION_ENV}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_pages_send_security_headers(client):
    response = client.get(reverse("login"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_pages_send_a_content_security_policy_without_inline_scripts(client):
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"


# --- the servers' command lines -------------------------------------------------------------

FRAME_BYTES = 524288  # both servers' websocket message limit (docs/protocol.md, "Frame sizes")


def option(command: list[str], name: str) -> str:
    assert name in command, f"{name} missing from {command}"
    return command[command.index(name) + 1]


def test_the_container_serves_with_uvicorn_bounded_uncompressed_and_without_proxy_headers():
    from tests.test_proxies import container_command

    command = container_command()
    assert command[0] == "uvicorn" and command[-1] == "journeymap.asgi:application"
    # Frames bounded just above what the app accepts and sends.
    limit = int(option(command, "--ws-max-size"))
    assert limit == FRAME_BYTES
    assert limit > consumers.MAX_MESSAGE_CHARS and limit > catchup.FRAME_LIMIT
    assert option(command, "--ws") == "websockets-sansio"
    assert option(command, "--ws-per-message-deflate") == "false"
    # Client addresses come from the app's TRUSTED_PROXIES, never from uvicorn's own rules.
    assert "--no-proxy-headers" in command
    assert not any(arg.startswith(("--proxy-headers", "--forwarded-allow-ips")) for arg in command)


def test_the_compose_file_runs_the_container_s_command():
    compose = (ROOT / "docker-compose.yml").read_text()
    app = compose.split("\n  app:\n", 1)[1].split("\n\n", 1)[0]
    assert "command:" not in app, "the app service runs the Dockerfile's CMD"


def test_scripts_serve_keeps_daphne_with_the_same_frame_bound():
    serve = (ROOT / "scripts" / "serve").read_text()
    assert ".venv/bin/daphne" in serve
    assert f"--websocket-max-message-size {FRAME_BYTES}" in serve
    assert "--proxy-headers" not in serve


@pytest.mark.django_db(transaction=True)
def test_the_container_s_server_closes_an_oversized_frame_clearly_and_refuses_a_long_one(
    container_server,  # noqa: F811 (the fixture, imported below)
    owner,
    journey_map,
):
    """A message the app refuses gets `too_large` on a socket that stays open; one over the
    server's own bound closes with 1009 (message too big), never a dropped connection
    (1006) that the browser would take for a network failure and resend into for ever."""
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    from workshops.operations import join_workshop, open_workshop

    workshop = open_workshop(owner, journey_map)
    guest = join_workshop(workshop, display_name="Guest")
    port = container_server()
    with connect(
        f"ws://127.0.0.1:{port}/ws/w/{workshop.join_code}/",
        origin=f"http://127.0.0.1:{port}",
        additional_headers={"Cookie": f"jm_participant_{workshop.pk}={guest.token}"},
        max_size=2**23,
        open_timeout=20,
    ) as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "hello"
        ws.send(json.dumps({"type": "ping", "pad": "x" * 40_000}))
        assert answer(ws)["code"] == "too_large"
        ws.send(json.dumps({"type": "ping", "pad": "x" * (FRAME_BYTES + 1)}))
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


def answer(ws) -> dict:
    """The next message that is not presence (the server announces the guest to itself)."""
    while True:
        message = json.loads(ws.recv(timeout=10))
        if message["type"] != "presence":
            return message


from tests.test_proxies import container_server  # noqa: E402, F401 (a fixture)
