"""A pytest plugin loaded only under mutation testing (pyproject.toml [tool.mutmut]
pytest_add_cli_args; see scripts/mutation and docs/testing.md).

mutmut runs two mutants at once, each one's tests in a process of its own. The SQLite test
database is a file (journeymap.settings: WAL and locking as in production), so two processes
with the same file would create and drop each other's database mid-test: each process takes a
file (or a PostgreSQL database) of its own, named after its process id.

Creating a test database runs every migration, about as long as the tests a mutant needs. So
the first run that passes (mutmut's clean run) leaves its migrated SQLite file behind as a
template, and each later process starts from a copy of it (pytest-django's --reuse-db).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db import connections


@cache
def _configured_test_name() -> str:
    # Read once, in mutmut's fork server (every test process forks from it), before any
    # process has renamed it.
    database = settings.DATABASES["default"]
    return database.get("TEST", {}).get("NAME") or f"test_{database['NAME']}"


def _sqlite() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")


def _template() -> Path:
    path = Path(_configured_test_name())
    return path.with_stem(f"{path.stem}_template")


def _mine() -> Path:
    path = Path(_configured_test_name())
    return path.with_stem(f"{path.stem}_{os.getpid()}")


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(f"{path}{suffix}")


def pytest_sessionstart(session) -> None:
    test = settings.DATABASES["default"].setdefault("TEST", {})
    if not _sqlite():
        test["NAME"] = f"{_configured_test_name()}_{os.getpid()}"
        return
    mine = _mine()
    mine.parent.mkdir(parents=True, exist_ok=True)
    _remove(mine)
    test["NAME"] = str(mine)
    if _template().exists():
        shutil.copyfile(_template(), mine)
    # Kept at the end (not dropped), so that a passing run can become the template; removed
    # in pytest_sessionfinish either way.
    session.config.option.reuse_db = True


def pytest_sessionfinish(session, exitstatus) -> None:
    if not _sqlite():
        return
    mine = _mine()
    if exitstatus == 0 and not _template().exists() and mine.exists():
        with contextlib.suppress(Exception), connections["default"].cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connections.close_all()
        os.replace(mine, _template())
    _remove(mine)
