"""Browser tests: Playwright (Python) driving Debian's Chromium against a real daphne server.

`server` is one daphne process for the session, serving HTTP and websockets on a free port and
using the test database, so tests must commit their data: mark them
`pytest.mark.django_db(transaction=True)`. `new_page()` opens a page in a fresh browser context:
each context is a separate person (own cookies, own websocket).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import chromium_path

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls there
# unless told that this test process knows what it is doing.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-results" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class PortTaken(RuntimeError):
    """Another process bound the port free_port() found before the server could."""


def on_free_port(start: Callable[[int], subprocess.Popen]) -> tuple[subprocess.Popen, int]:
    """`start(port)` on a free port, and on another if something took that one first."""
    attempts = 3
    for attempt in range(1, attempts + 1):
        port = free_port()
        try:
            return start(port), port
        except PortTaken:
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")


def assert_fits_the_screen(page) -> None:
    """Nothing on the page sticks out past the width it was opened at, and it has not been
    scrolled sideways. Measured against the viewport's own width: on a phone (is_mobile) the
    browser widens its layout viewport to whatever sticks out and zooms out, so innerWidth
    grows with the page and `scrollWidth <= innerWidth` always holds."""
    width = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, body: document.body.scrollWidth,"
        " client: document.documentElement.clientWidth, view: window.innerWidth,"
        " x: window.scrollX})"
    )
    screen = page.viewport_size["width"]
    assert width["view"] == screen and width["client"] <= screen, width
    assert width["scroll"] <= screen and width["body"] <= screen, width
    assert width["x"] == 0, width


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_database_url() -> str:
    """The URL of the database pytest-django created, for the server process."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def start_daphne(
    port: int, extra_env: dict[str, str] | None = None, flags: list[str] | None = None
) -> subprocess.Popen:
    """daphne on 127.0.0.1:`port` with the test database; `flags`: more daphne options."""
    command = [
        *("daphne", "-b", "127.0.0.1", "-p", str(port)),
        *("--websocket-max-message-size", "524288", *(flags or [])),
        "journeymap.asgi:application",
    ]
    return start_server(command, port, extra_env)


def start_server(
    command: list[str], port: int, extra_env: dict[str, str] | None = None
) -> subprocess.Popen:
    """An ASGI server's `command` (its first word the Python module: daphne, uvicorn),
    listening on 127.0.0.1:`port`, with the test database (tests/test_proxies.py starts the
    container's command this way)."""
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": test_database_url(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # Every browser in the suite comes from 127.0.0.1; the limits themselves are unit-tested.
        "LOGIN_RATE_LIMIT": "10000",
        "SIGNUP_RATE_LIMIT": "10000",
        "JOIN_RATE_LIMIT": "10000",
        "CODE_GUESS_LIMIT": "10000",
        **(extra_env or {}),
    }
    env.pop("PYTEST_VERSION", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    # Its output goes to a file: a pipe nobody reads fills up and stops a talkative server.
    log = tempfile.TemporaryFile()  # noqa: SIM115 (the process owns it)
    process = subprocess.Popen(
        [sys.executable, "-m", *command],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            output = log.read().decode(errors="replace")[-2000:]
            if "already in use" in output:
                raise PortTaken(f"{command[0]}: port {port} was taken before it could bind")
            raise RuntimeError(f"{command[0]} exited: {output}")
        # Ready when this process listens on the port, not when the port answers: another
        # server that took the port between free_port() and our bind answers too, and a test
        # would run against it (once: 25 code guesses answered by a server without the
        # limit under test).
        if listening_on(process.pid, port):
            return process
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{command[0]} did not start within 30 s")


def listening_on(pid: int, port: int) -> bool:
    """Whether process `pid` holds a TCP socket listening on `port` (Linux's /proc)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as rows:
            next(rows)
            for row in rows:
                fields = row.split()
                local, state, inode = fields[1], fields[3], fields[9]
                if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                    inodes.add(f"socket:[{inode}]")
    if not inodes:
        return False
    fds = Path(f"/proc/{pid}/fd")
    try:
        return any(os.readlink(fd) in inodes for fd in fds.iterdir())
    except (FileNotFoundError, ProcessLookupError):  # it exited, or closed an fd meanwhile
        return False


@pytest.fixture(scope="session")
def server(django_db_setup, django_db_blocker) -> Iterator[str]:
    process, port = on_free_port(start_daphne)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


# Module scope: Playwright's sync API keeps an event loop running in this thread while it is
# open, which async tests elsewhere cannot share. E2E tests also run last (tests/conftest.py).
@pytest.fixture(scope="module")
def browser():
    path = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=path, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser) -> Iterator[Callable]:
    """new_page(viewport=None, **options) -> a Page in its own context (its own person).

    An uncaught error in any page's JavaScript fails the test that saw it, listed at teardown
    (a console message about a failed request does not: tests refuse requests on purpose)."""
    contexts = []
    page_errors: list[str] = []

    def make(viewport: dict | None = None, **options):
        """`options`: more of the context's, e.g. has_touch=True, is_mobile=True for a phone."""
        context = browser.new_context(
            viewport=viewport or {"width": 1400, "height": 900}, **options
        )
        context.set_default_timeout(10_000)
        context.on("weberror", lambda web_error: page_errors.append(describe(web_error)))
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
    settle_the_server()
    if page_errors:
        pytest.fail("Uncaught errors in the page:\n" + "\n\n".join(page_errors), pytrace=False)


def settle_the_server(timeout: float = 10.0) -> None:
    """Wait until the server process no longer works in the test database. A page closed with a
    request of its still running (an htmx post, a socket leaving) left the server writing while
    the test's flush truncated the tables: on PostgreSQL the two deadlocked, failing the test's
    teardown and leaving its rows to the next test."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return  # SQLite's flush waits for the writer (busy timeout)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction')"
            )
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.05)


def describe(web_error) -> str:
    """A page error for the test report: where, and the browser's message and stack."""
    error = web_error.error
    where = web_error.page.url if web_error.page else "a page"
    return f"{where}: {error.stack or error.message}"


def screenshot(page, name: str) -> Path:
    """Save a screenshot under test-results/screenshots/ (look at them; the README uses some)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def publish_screenshot(path: Path, name: str) -> None:
    """Copy a screenshot to docs/screenshots/<name> for the README, only when asked
    (UPDATE_SCREENSHOTS=1): a normal test run must not change tracked files."""
    if os.environ.get("UPDATE_SCREENSHOTS") != "1":
        return
    target = ROOT / "docs" / "screenshots" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, target)


# Send one operation over a socket of the page's own (its cookies, its origin) and wait for the
# server's answer to it.
SEND_OPERATION = """
async (operation) => {
  const url = location.origin.replace("http", "ws") + location.pathname.replace("/w/", "/ws/w/");
  const socket = new WebSocket(url);
  const answer = new Promise((resolve) => socket.addEventListener("message", (e) => {
    const message = JSON.parse(e.data);
    // The answer, not the broadcast of its event (which carries the op_id too, and may come first).
    if (message.op_id === operation.op_id && ["ack", "error"].includes(message.type)) resolve(message);
  }));
  await new Promise((resolve) => socket.addEventListener("open", resolve));
  socket.send(JSON.stringify(operation));
  const reply = await answer;
  socket.close();
  if (reply.type !== "ack") throw new Error(`${operation.type} was refused: ${reply.code} ${reply.message}`);
}
"""


def send_operation(page, operation: dict) -> None:
    """Send `operation` (with its op_id) from a live page as a second tab of the same person
    would, and wait for its ack (the page's own connection receives its event too)."""
    page.evaluate(SEND_OPERATION, operation)


def log_in(page, server: str, username: str, password: str = "a-long-password-1") -> None:
    page.goto(f"{server}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{server}/")


@pytest.fixture(autouse=True)
def server_compatible_passwords(settings):
    """The server process verifies passwords with the real hashers, not the tests' fast one."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
