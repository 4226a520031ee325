"""Own servers for the fault run, the soak and the capacity run, on loopback: a Redis, a
PostgreSQL database and server processes (daphne, or uvicorn / granian to compare). Nothing
here touches anyone else's Redis or database: the Redis is started on a free port, the
database is created under its own name and dropped at the end."""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
LOGS = ROOT / "var" / "bench"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {port} within {seconds} s")


def psql(sql: str, database: str = "postgres") -> str:
    result = subprocess.run(
        ["psql", f"{PG}/{database}", "-tAc", sql], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


class Redis:
    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--daemonize", "no"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, self.process, "redis-server")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def client_count(self) -> int:
        out = subprocess.run(
            ["redis-cli", "-p", str(self.port), "CLIENT", "LIST"], capture_output=True, text=True
        ).stdout
        return len([line for line in out.splitlines() if line.strip()])


class Database:
    def __init__(self, name: str) -> None:
        self.name = name

    @property
    def url(self) -> str:
        return f"{PG}/{self.name}"

    def create(self) -> None:
        psql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        psql(f'CREATE DATABASE "{self.name}"')
        env = {**os.environ, "DATABASE_URL": self.url, "DEBUG": "1"}
        env.pop("REDIS_URL", None)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )

    def drop(self) -> None:
        psql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def terminate_backends(self) -> int:
        """End every server connection to this database (not the server: others use it)."""
        where = f"datname = '{self.name}' AND pid <> pg_backend_pid()"
        out = psql(f"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE {where}")  # noqa: S608
        return int(out or 0)

    def connection_count(self) -> int:
        return int(
            psql(f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{self.name}'")  # noqa: S608
            or 0
        )


# The ASGI servers a bench can run the app under (--server). Each is started with the
# container's flags (the Dockerfile's CMD is uvicorn's) or their equivalents: frames bounded
# at 512 KiB (docs/protocol.md, "Frame sizes"), proxy headers left to the app
# (TRUSTED_PROXIES), no compression.
SERVER_KINDS = ("daphne", "uvicorn", "granian")
FRAME_BYTES = 524288


def server_command(kind: str, port: int) -> list[str]:
    """The command line of one server process of `kind` on 127.0.0.1:`port`."""
    app = "journeymap.asgi:application"
    if kind == "daphne":
        return [
            *(sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port)),
            *("--websocket-max-message-size", str(FRAME_BYTES), app),
        ]
    if kind == "uvicorn":
        return [
            *(sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--port", str(port)),
            *("--ws", "websockets-sansio", "--ws-max-size", str(FRAME_BYTES)),
            *("--ws-per-message-deflate", "false"),
            *("--no-proxy-headers", "--lifespan", "off", app),
        ]
    if kind == "granian":
        # granian has no websocket message size option: frames are not bounded the same way.
        return [
            *(sys.executable, "-m", "granian", "--interface", "asgi"),
            *("--host", "127.0.0.1", "--port", str(port), "--no-access-log", app),
        ]
    raise ValueError(f"unknown server {kind!r}: one of {', '.join(SERVER_KINDS)}")


class Server:
    """One ASGI server process of the app (daphne unless `kind` says otherwise), its output in
    var/bench/<name>.log."""

    def __init__(self, name: str, env: dict[str, str], kind: str = "daphne") -> None:
        self.name = name
        self.kind = kind
        self.port = free_port()
        self.env = env
        self.process: subprocess.Popen | None = None
        self.starts = 0

    @property
    def log_path(self) -> Path:
        return LOGS / f"{self.name}.log"

    def start(self) -> None:
        LOGS.mkdir(parents=True, exist_ok=True)
        self.starts += 1
        log = open(self.log_path, "a")  # noqa: SIM115 (the process owns it)
        self.process = subprocess.Popen(
            server_command(self.kind, self.port),
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_for_port(self.port, self.process, f"{self.kind} {self.name}")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def pids(self) -> list[int]:
        """The server's process and its descendants (granian serves from a worker process)."""
        if self.process is None:
            return []
        children: dict[int, list[int]] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        found, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo.extend(children.get(pid, []))
        return found

    def rss_mib(self) -> float:
        """Resident memory of the server's processes together (VmRSS)."""
        total = 0
        for pid in self.pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        return total / 1024

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server's processes have used so far."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / ticks

    def tracebacks(self) -> int:
        """Tracebacks the server wrote to its log (stdout and stderr) so far."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return 0
        return sum(1 for line in text.splitlines() if line.startswith("Traceback"))

    def trouble_reports(self) -> int:
        """Channel-layer and send failures the server logged (workshops.fanout.Trouble: once
        per burst, "<what> failed: <error>")."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return 0
        return sum(1 for line in text.splitlines() if " failed: " in line)


# The faults and soak runs, and live_room, start daphne: the name they know it by.
Daphne = Server


def server_env(database: Database, redis: Redis | None, prefix: str) -> dict[str, str]:
    """Production settings on `database`; with `redis` the scaled-out mode, else the embedded
    channel layer (one process). Rate limits are lifted: every bench client is 127.0.0.1."""
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-not-a-secret-" + "x" * 40,
        "DATABASE_URL": database.url,
        "CHANNEL_PREFIX": prefix,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOGIN_RATE_LIMIT": "100000",
        "SIGNUP_RATE_LIMIT": "100000",
        "JOIN_RATE_LIMIT": "100000",
        "CODE_GUESS_LIMIT": "100000",
    }
    for name in ("PYTEST_VERSION", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    env.pop("REDIS_URL", None)
    if redis is not None:
        env["REDIS_URL"] = redis.url
    return env


def run_child(script: str, backend: str, database: str, runs: int) -> list[dict]:
    """Run `script --child --runs N` in a fresh process on `backend` (sqlite: a temporary file;
    postgres: database `database`) with production settings, and return the JSON list it
    prints last. Each backend needs its own process: Django's settings are read once."""
    if backend == "sqlite":
        url = f"sqlite:///{tempfile.mkdtemp()}/{database}.sqlite3"
    else:
        url = f"{PG}/{database}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "journeymap.settings",
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-not-a-secret",
        "ALLOWED_HOSTS": "testserver",
    }
    env.pop("REDIS_URL", None)
    output = subprocess.run(
        [sys.executable, script, "--child", "--runs", str(runs)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def backend_arguments(
    doc: str, runs: int, run_backend: Callable[[int], list[dict]]
) -> argparse.Namespace | None:
    """The command line of a bench that measures each backend in a child process (run_child):
    --runs, --backends, and the hidden --child. In a child this runs `run_backend`, prints its
    rows as JSON and returns None; in the parent it returns the arguments."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--runs", type=int, default=runs)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_backend(args.runs)))
        return None
    return args


def load_average() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{load} on {os.cpu_count()} CPUs"
