"""Shared fixtures: users in each role, maps built through the operations layer, and the rule
for real services: a test that needs PostgreSQL, Redis or Chromium skips on a laptop without
them, and fails in CI (CI=true), where they must be there."""

from __future__ import annotations

import os
import threading
import time
import uuid
import weakref

import pytest
from django.conf import settings
from django.db.backends.signals import connection_created

from maps import operations as ops
from maps.models import JourneyMap, MapMembership

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
# .ci/run's second pass: the suite on the embedded defaults (SQLite, in-memory layer), after a
# first pass in which every test that needs PostgreSQL or Redis ran. Those skip here.
EMBEDDED_PASS = os.environ.get("CI_EMBEDDED_PASS", "") == "true"

# Each test run talks to Redis under its own prefix, so runs never read each other's messages.
_run_prefix = f"test-{uuid.uuid4().hex[:8]}"
for _layer in settings.CHANNEL_LAYERS.values():
    if "prefix" in _layer.get("CONFIG", {}):
        _layer["CONFIG"]["prefix"] = _run_prefix


# Rate limits count per address, and every test client is 127.0.0.1: tests that check a limit
# set it themselves (see tests/test_accounts.py).
settings.LOGIN_RATE_LIMIT = settings.SIGNUP_RATE_LIMIT = settings.JOIN_RATE_LIMIT = 10_000
settings.CODE_GUESS_LIMIT = 10_000

# Password hashing is deliberately slow; tests create many users and log them in.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def require_service(name: str, available: bool, why: str) -> None:
    """Skip (locally) or fail (in CI) when a real service a test needs is missing."""
    if available:
        return
    message = f"{name} is not available: {why}"
    if IN_CI and not EMBEDDED_PASS:
        pytest.fail(f"CI must run this test, but {message}")
    pytest.skip(message)


def require_postgres() -> None:
    url = os.environ.get("DATABASE_URL", "")
    require_service(
        "PostgreSQL",
        url.startswith(("postgres://", "postgresql://")),
        "DATABASE_URL is not a postgres:// URL",
    )


def require_redis() -> None:
    require_service("Redis", bool(os.environ.get("REDIS_URL")), "REDIS_URL is not set")


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    require_service("Chromium", os.path.exists(path), f"{path} does not exist")
    return path


@pytest.fixture
def make_user(django_user_model):
    def make(username: str, password: str = "a-long-password-1"):
        return django_user_model.objects.create_user(
            username=username, password=password, email=f"{username}@example.com"
        )

    return make


@pytest.fixture
def owner(make_user):
    return make_user("owner")


@pytest.fixture
def editor(make_user):
    return make_user("editor")


@pytest.fixture
def viewer(make_user):
    return make_user("viewer")


@pytest.fixture
def outsider(make_user):
    return make_user("outsider")


@pytest.fixture
def journey_map(owner, editor, viewer) -> JourneyMap:
    """A three-stage map owned by `owner`, with `editor` and `viewer` as members."""
    jm = ops.create_map(
        ops.Actor.for_user(owner), title="Onboarding", stage_names=["Sign up", "First use", "Habit"]
    )
    MapMembership.objects.create(map=jm, user=editor, role="editor")
    MapMembership.objects.create(map=jm, user=viewer, role="viewer")
    return jm


@pytest.fixture
def actor(owner) -> ops.Actor:
    return ops.Actor.for_user(owner)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last: they are the slowest, and keep an event loop in the main thread."""
    items.sort(key=lambda item: "/e2e/" in str(item.path))


# Every database connection the run opens, and the thread that opened it (see below).
_opened_connections: list[tuple[threading.Thread, weakref.ref]] = []


def _remember_connection(sender, connection, **kwargs) -> None:
    _opened_connections.append((threading.current_thread(), weakref.ref(connection)))


connection_created.connect(_remember_connection, weak=False)


@pytest.fixture(scope="session", autouse=True)
def _every_thread_lets_go_of_the_test_database(django_db_setup, django_db_blocker):
    """At the end of the run no connection but the main thread's is open, so the test database
    can be dropped: a leftover one (PostgreSQL refuses DROP DATABASE while anyone is connected)
    fails the run here instead of a warning that leaves the database behind.

    Who holds connections: the consumer's threads (workshops.threads: each map's operations
    thread and the reads) and asgiref's one thread for thread-sensitive sync_to_async keep
    theirs between calls, as in production; they close them on their own thread. Threads of
    event loops' default executors end with the test's loop but leave their connections open
    until the garbage collector finds them; so do request and test threads. Those are closed
    here. Daphne processes (e2e, scale-out) are stopped by their fixtures before this runs."""
    yield
    from asgiref.sync import SyncToAsync
    from django.db import connections

    from workshops.threads import close_all_connections

    close_all_connections()
    SyncToAsync.single_thread_executor.submit(connections.close_all).result(timeout=10)
    main = threading.main_thread()
    still_open = []
    for thread, ref in _opened_connections:
        wrapper = ref()
        if thread is main or wrapper is None or wrapper.connection is None:
            continue
        if thread.is_alive():
            still_open.append(f"{thread.name} ({wrapper.alias})")
            continue
        # Its thread has ended, so nothing else can be using it.
        wrapper.inc_thread_sharing()
        wrapper.close()
    if still_open:
        pytest.fail(f"Threads still hold database connections: {', '.join(still_open)}")
    with django_db_blocker.unblock():
        _no_other_sessions_on_the_test_database()


def _no_other_sessions_on_the_test_database() -> None:
    """On PostgreSQL, the server's own view: nobody else (another thread, a daphne process
    that was not stopped) is connected to the test database. A backend whose client just
    closed may take a moment to end, so this waits a little for them."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    query = (
        "SELECT pid, application_name, backend_start, left(query, 80) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    deadline = time.monotonic() + 5
    while True:
        with connection.cursor() as cursor:
            cursor.execute(query)
            others = cursor.fetchall()
        if not others or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    if others:
        pytest.fail(f"Other sessions are still connected to the test database: {others}")


@pytest.fixture(autouse=True)
def _a_channel_layer_per_test():
    """Channels keeps one layer object per process, and channels-redis keeps receive locks in
    it that belong to the event loop that took them. Every test runs its own event loop, so
    each test gets its own layer: a lock left by an earlier test's loop failed later tests
    ("bound to a different event loop"). A server has one loop and never meets this."""
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()
