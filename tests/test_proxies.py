"""Client addresses behind proxies: X-Forwarded-For counts only when the peer is a proxy we
trust (TRUSTED_PROXIES), and then only its rightmost untrusted hop, so a client cannot pick a
new address per request and walk past the rate limits (issue 14, item 6).

The end-to-end tests run the server exactly as the container does (the Dockerfile's CMD) and
send what the hostile sweep sent: a new X-Forwarded-For on every request."""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from journeymap.ratelimit import forwarded_client
from workshops.operations import open_workshop

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 10


def container_command() -> list[str]:
    """The server command of the Dockerfile's CMD (exec form)."""
    text = (ROOT / "Dockerfile").read_text()
    match = re.search(r"^CMD\s+(\[.*\])\s*$", text, re.MULTILINE)
    assert match, "the Dockerfile has an exec-form CMD"
    return json.loads(match.group(1))


def start_container_server(extra_env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    """The container's server with its own flags, on loopback and a free port, on the test
    database."""
    from tests.e2e.conftest import on_free_port, start_server

    return on_free_port(lambda port: start_server(container_on(port), port, limits(extra_env)))


def container_on(port: int) -> list[str]:
    """The container's command, listening on 127.0.0.1:`port`."""
    command, args = [], iter(container_command())
    for arg in args:
        if arg in ("-b", "--bind", "--host"):  # our own address and port instead
            command += [arg, "127.0.0.1"]
            next(args)
        elif arg in ("-p", "--port"):
            command += [arg, str(port)]
            next(args)
        else:
            command.append(arg)
    assert str(port) in command, "the container's command names its port"
    return command


def limits(extra_env: dict[str, str]) -> dict[str, str]:
    return {
        # Our own cache keys: the limits count per address, and Redis is shared.
        "CHANNEL_PREFIX": f"test-proxy-{uuid.uuid4().hex[:8]}",
        "LOGIN_RATE_LIMIT": str(LIMIT),
        "JOIN_RATE_LIMIT": str(LIMIT),
        "CODE_GUESS_LIMIT": str(LIMIT),
        **extra_env,
    }


@pytest.fixture
def container_server(django_db_setup) -> Iterator:
    started: list[subprocess.Popen] = []

    def start(**extra_env: str) -> int:
        process, port = start_container_server(extra_env)
        started.append(process)
        return port

    yield start
    for process in started:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


class Browser:
    """Plain HTTP to the server, keeping Django's CSRF cookie like a browser would."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.csrf = ""

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None, xff: str | None = None
    ) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        headers = {"Host": "127.0.0.1"}
        if xff is not None:
            headers["X-Forwarded-For"] = xff
        body = None
        if self.csrf:
            headers["Cookie"] = f"csrftoken={self.csrf}"
        if form is not None:
            body = urlencode({**form, "csrfmiddlewaretoken": self.csrf})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode(errors="replace")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie" and value.startswith("csrftoken="):
                self.csrf = value.split(";", 1)[0].split("=", 1)[1]
        connection.close()
        return response.status, text

    def get_form(self, path: str) -> None:
        """Load a form page, as a browser does before posting it (the CSRF cookie)."""
        status, _ = self.request("GET", path)
        assert status == 200, path


def new_address() -> str:
    n = uuid.uuid4().int
    return f"198.51.{n % 250}.{(n >> 8) % 250 + 1}"


def statuses(send, count: int = 25) -> list[int]:
    return [send(n) for n in range(count)]


def limited_after_the_limit(codes: list[int]) -> bool:
    return 429 not in codes[:LIMIT] and set(codes[LIMIT:]) == {429}


# --- the shipped server, end to end ---------------------------------------------------------


def test_a_new_forwarded_address_per_login_does_not_escape_the_limit(container_server):
    browser = Browser(container_server())
    browser.get_form("/accounts/login/")
    codes = statuses(
        lambda n: browser.request(
            "POST", "/accounts/login/", {"username": "nobody", "password": "x"}, new_address()
        )[0]
    )
    assert limited_after_the_limit(codes), codes


def test_a_new_forwarded_address_per_code_guess_does_not_escape_the_limit(container_server):
    browser = Browser(container_server())
    codes = statuses(
        lambda n: browser.request("GET", f"/join/?code=NOPE{n:02d}", xff=new_address())[0]
    )
    assert limited_after_the_limit(codes), codes


@pytest.mark.django_db(transaction=True)
def test_a_new_forwarded_address_per_guest_join_does_not_escape_the_limit(
    container_server, owner, journey_map
):
    workshop = open_workshop(owner, journey_map)
    browser = Browser(container_server())
    path = f"/w/{workshop.join_code}/join/"
    browser.get_form(path)
    codes = statuses(
        lambda n: browser.request("POST", path, {"display_name": f"Guest {n}"}, new_address())[0]
    )
    assert limited_after_the_limit(codes), codes
    assert workshop.participants.filter(display_name__startswith="Guest").count() == LIMIT


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(container_server):
    browser = Browser(container_server(TRUSTED_PROXIES="127.0.0.1"))
    # The proxy appends the address it saw: every request is a different person.
    codes = statuses(
        lambda n: browser.request("GET", f"/join/?code=NOPE{n:02d}", xff=new_address())[0]
    )
    assert 429 not in codes, codes


def test_behind_a_trusted_proxy_what_the_client_put_in_front_is_ignored(container_server):
    browser = Browser(container_server(TRUSTED_PROXIES="127.0.0.1"))
    client = new_address()
    # The client sends its own X-Forwarded-For; the proxy appends the client's real address.
    codes = statuses(
        lambda n: browser.request(
            "GET", f"/join/?code=NOPE{n:02d}", xff=f"{new_address()}, {client}"
        )[0]
    )
    assert limited_after_the_limit(codes), codes


# --- the rule -----------------------------------------------------------------------------

TRUSTED = ["10.0.0.0/8", "192.0.2.7"]


@pytest.mark.parametrize(
    ("peer", "header", "expected"),
    [
        # Not from a trusted proxy: the header is whatever the client says.
        ("203.0.113.5", "198.51.100.1", "203.0.113.5"),
        ("203.0.113.5", None, "203.0.113.5"),
        # From a trusted proxy: the rightmost hop it does not vouch for.
        ("10.1.2.3", "198.51.100.1", "198.51.100.1"),
        ("10.1.2.3", "6.6.6.6, 198.51.100.1", "198.51.100.1"),
        ("10.1.2.3", "6.6.6.6, 198.51.100.1, 10.9.9.9", "198.51.100.1"),
        ("192.0.2.7", "6.6.6.6,198.51.100.1,192.0.2.7", "198.51.100.1"),
        # A trusted proxy that forwarded nothing (its own health check): the proxy itself.
        ("10.1.2.3", None, "10.1.2.3"),
        ("10.1.2.3", "", "10.1.2.3"),
        # Every hop is a trusted proxy: the one furthest away.
        ("10.1.2.3", "10.0.0.9, 10.0.0.8", "10.0.0.9"),
        # Ports and IPv6 brackets, as some proxies write them.
        ("10.1.2.3", "198.51.100.1:4711", "198.51.100.1"),
        ("10.1.2.3", "[2001:db8::1]:4711", "2001:db8::1"),
        ("10.1.2.3", "2001:db8::1", "2001:db8::1"),
        # Garbage after the proxy's own hop is not an address; it is still what is counted.
        ("10.1.2.3", "not-an-address", "not-an-address"),
    ],
)
def test_the_client_address_is_the_rightmost_untrusted_hop(peer, header, expected):
    assert forwarded_client(peer, header, TRUSTED) == expected


def test_a_huge_forwarded_header_is_bounded():
    header = ", ".join(["10.0.0.1"] * 5000 + ["x" * 500])
    assert len(forwarded_client("10.1.2.3", header, TRUSTED)) <= 64


def test_the_app_s_limits_count_the_resolved_address(settings, mine_workshop_code):
    settings.CODE_GUESS_LIMIT = 3
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    proxy = f"10.{uuid.uuid4().int % 250}.0.1"
    client_one, client_two = new_address(), new_address()
    via_proxy = Client(REMOTE_ADDR=proxy)
    url = reverse("workshop_enter_code")

    def guess(client_address: str, n: int) -> int:
        return via_proxy.get(
            url, {"code": f"NOPE{n}"}, HTTP_X_FORWARDED_FOR=f"{new_address()}, {client_address}"
        ).status_code

    assert [guess(client_one, n) for n in range(5)] == [404, 404, 404, 429, 429]
    assert guess(client_two, 0) == 404  # another person behind the same proxy
    # Straight from a client: its header changes nothing.
    direct = Client(REMOTE_ADDR=new_address())
    codes = [
        direct.get(url, {"code": f"NOPE{n}"}, HTTP_X_FORWARDED_FOR=new_address()).status_code
        for n in range(5)
    ]
    assert codes == [404, 404, 404, 429, 429]


@pytest.fixture
def mine_workshop_code(db, owner, journey_map) -> str:
    return open_workshop(owner, journey_map).join_code


def test_the_compose_file_publishes_the_app_on_loopback_only():
    compose = (ROOT / "docker-compose.yml").read_text()
    ports = re.findall(r'^\s*-\s*"([^"]+:8000)"\s*$', compose, re.MULTILINE)
    assert ports, "the app publishes port 8000"
    for mapping in ports:
        # Loopback, or a variable whose default is loopback.
        assert mapping.startswith(("127.0.0.1:", "${BIND_ADDRESS:-127.0.0.1}:")), mapping


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("trusted", [False, True])
async def test_websocket_code_guesses_count_the_forwarded_client_only_behind_a_trusted_proxy(
    settings, trusted
):
    from tests.workshops.live_client import communicator

    settings.CODE_GUESS_LIMIT = 3
    peer = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.1"
    settings.TRUSTED_PROXIES = [peer] if trusted else []

    async def close_code(n: int) -> int:
        comm = communicator(f"NOPE{n:02d}")
        comm.scope["client"] = (peer, 50000 + n)
        comm.scope["headers"].append((b"x-forwarded-for", new_address().encode()))
        await comm.connect()
        closed = (await comm.receive_output())["code"]
        await comm.disconnect()
        return closed

    codes = [await close_code(n) for n in range(6)]
    # Each guess from its own client behind the proxy; one client hiding behind made-up
    # addresses otherwise (past the limit, unknown codes close like known ones: 4403).
    assert codes == ([4404] * 6 if trusted else [4404] * 3 + [4403] * 3), codes
