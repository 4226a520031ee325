"""The servers the tests start are the ones they talk to: a port another process took between
free_port() and the server's bind is not mistaken for ours (a CI run once sent 25 code guesses
to a server without the limit under test, and saw no limit)."""

from __future__ import annotations

import socket
import subprocess

import pytest

from tests.e2e import conftest as servers
from tests.e2e.conftest import PortTaken, free_port, on_free_port, start_daphne


@pytest.fixture
def taken_port():
    """A port some other process listens on, as if it got there first."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield other.getsockname()[1]


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def test_a_server_whose_port_someone_else_holds_does_not_count_as_started(
    django_db_setup, taken_port
):
    with pytest.raises(PortTaken):
        stop(start_daphne(taken_port))


def test_on_a_taken_port_the_server_starts_again_on_another(
    django_db_setup, taken_port, monkeypatch
):
    ports = iter([taken_port, free_port()])
    monkeypatch.setattr(servers, "free_port", lambda: next(ports))
    process, port = on_free_port(start_daphne)
    try:
        assert port != taken_port
        assert servers.listening_on(process.pid, port)
    finally:
        stop(process)
