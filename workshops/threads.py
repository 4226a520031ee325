"""Where the live board's database work runs: worker threads, reached in one hop.

The consumer's ORM work cannot run on the event loop (Django forbids it there, and it would
stall every socket of the process), so each piece of it is handed to a thread. asgiref's
SyncToAsync does that with a copied context, a thread-sensitivity check and Channels' health
check of the connections before and after every call: per call, more CPU than a heartbeat's
query (bench/capacity.py's profile, 2,000 sockets). Here a call is one run_in_executor with the
connection housekeeping the consumer needs, and no more:

- after a call, a connection that had an error or outlived CONN_MAX_AGE is closed (the next
  call opens a fresh one), as Django does at the end of a request;
- after a connection error, every call checks its thread's connection first for
  CAREFUL_SECONDS: a restart or failover of PostgreSQL cut the other threads' connections too
  (bench/faults.py, fault c); the consumer retries the failed operation once;
- a call publishes through the calling connection's event loop (journeymap.realtime
  .publishing_on): in commit order, without waiting for the loop.
"""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections, connections

from journeymap.realtime import publishing_on

P = ParamSpec("P")
R = TypeVar("R")

# After a database connection error, connections are health-checked before use this long.
CAREFUL_SECONDS = 30.0


class Careful:
    """Until when every call checks its connection first (monotonic seconds)."""

    until = 0.0


# Reads and gate checks run in a pool of threads of their own: a slow sync of one connection
# does not hold up everyone else's messages, and the loop's default executor stays free.
READS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="reads")

# Operations on one map wait for each other anyway (SQLite has one writer; PostgreSQL queues on
# the map's row lock). Run from a pool, they also took turns at the GIL around every query and a
# burst of moves crawled (bench/live_room.py). So each map's operations run one after another
# on one thread of this process; on PostgreSQL other maps' go on in parallel on the others.
_OPERATION_THREADS = [
    ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"operations-{n}")
    for n in range(1 if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") else 4)
]


def operation_thread(map_id: int) -> ThreadPoolExecutor:
    return _OPERATION_THREADS[map_id % len(_OPERATION_THREADS)]


def _housekept(loop: asyncio.AbstractEventLoop, call: Callable[[], R], retry: bool) -> R:
    if time.monotonic() < Careful.until:
        close_old_connections()  # re-arms the health check of this thread's connections
    try:
        with publishing_on(loop):
            try:
                return call()
            except (OperationalError, InterfaceError):
                Careful.until = time.monotonic() + CAREFUL_SECONDS
                if not retry:
                    raise
                # A read is safe to repeat, on a fresh connection: the first read of each
                # thread after a database restart would fail otherwise.
                _close_broken_connections()
                return call()
    finally:
        _close_broken_connections()


def _close_broken_connections() -> None:
    now = time.monotonic()
    for conn in connections.all(initialized_only=True):
        if conn.errors_occurred or (conn.close_at is not None and now >= conn.close_at):
            conn.close_if_unusable_or_obsolete()


async def run_in(executor: Executor, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """`fn(*args, **kwargs)` in a thread of `executor`, awaited. A connection error is raised:
    the caller decides whether to try again (the consumer does, once, for operations: their
    op_id makes it safe)."""
    return await _hop(executor, functools.partial(fn, *args, **kwargs), retry=False)


def in_db_thread(fn: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    """Decorate a function (or method) that only reads to run in a READS thread when awaited;
    tried once more on a fresh connection after a connection error."""

    @functools.wraps(fn)
    async def hop(*args: P.args, **kwargs: P.kwargs) -> R:
        return await _hop(READS, functools.partial(fn, *args, **kwargs), retry=True)

    return hop


async def _hop(executor: Executor, call: Callable[[], R], *, retry: bool) -> R:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor, _housekept, loop, call, retry)


def close_all_connections() -> None:
    """Every worker thread closes its database connections, each on its own thread (Django's
    connections belong to their thread): before a test run drops its database."""
    for executor in _OPERATION_THREADS:
        executor.submit(connections.close_all).result(timeout=10)
    workers = READS._max_workers
    # Each task waits for the others, so each runs on a thread of its own: all of them.
    together = threading.Barrier(workers)

    def close() -> None:
        together.wait(timeout=10)
        connections.close_all()

    for done in [READS.submit(close) for _ in range(workers)]:
        done.result(timeout=20)
