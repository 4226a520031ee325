"""A pytest plugin loaded only under mutation testing (pyproject.toml [tool.mutmut]
pytest_add_cli_args; see scripts/mutation and docs/testing.md).

mutmut runs two mutants at once, each one's tests in a process of its own. The SQLite test
database is a file (journeymap.settings: WAL and locking as in production), so two processes
with the same file would create and drop each other's database mid-test. Each process takes a
file (or a PostgreSQL database) of its own, named after its process id.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from django.conf import settings


@cache
def _configured_test_name() -> str:
    # Read once, in mutmut's fork server (every test process forks from it), before any
    # process has renamed it.
    database = settings.DATABASES["default"]
    return database.get("TEST", {}).get("NAME") or f"test_{database['NAME']}"


def pytest_sessionstart(session) -> None:
    database = settings.DATABASES["default"]
    name = _configured_test_name()
    test = database.setdefault("TEST", {})
    if database["ENGINE"].endswith("sqlite3"):
        path = Path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        test["NAME"] = str(path.with_stem(f"{path.stem}_{os.getpid()}"))
    else:
        test["NAME"] = f"{name}_{os.getpid()}"
