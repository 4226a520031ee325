"""The layout the team agreed (../shared/ARCHITECTURE.md, docs/design.md): imports run
downwards only (reports -> workshops -> maps -> journeymap.realtime), the domain holds no
transport code, no module imports itself round a cycle, and no file needs scrolling to find
its point. Read from the source, so a function-local import counts too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = ("journeymap", "maps", "workshops", "reports")
MAX_LINES = 600
# Where the apps are put together: the URLs and the ASGI application may import any of them.
COMPOSITION = {"journeymap.urls", "journeymap.asgi"}


def modules() -> dict[str, Path]:
    found = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imports_of(name: str, path: Path) -> set[str]:
    """The project modules `name` imports, anywhere in its source."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    known = modules()
    return {module for module in found if module in known and module != name}


def test_the_domain_imports_neither_workshops_nor_reports():
    for name, path in modules().items():
        layer = name.split(".")[0]
        for imported in imports_of(name, path):
            target = imported.split(".")[0]
            if layer == "maps":
                assert target not in ("workshops", "reports"), f"{name} imports {imported}"
            if layer == "workshops":
                assert target != "reports", f"{name} imports {imported}"
            if layer == "journeymap" and name not in COMPOSITION:
                assert target not in ("maps", "workshops", "reports"), f"{name} imports {imported}"


@pytest.mark.parametrize("word", ["asyncio", "get_channel_layer", "call_soon_threadsafe"])
def test_the_domain_holds_no_transport_code(word):
    for name, path in modules().items():
        if name.startswith("maps"):
            assert word not in path.read_text(), f"{name} uses {word}"


def test_no_import_cycles():
    graph = {name: imports_of(name, path) for name, path in modules().items()}
    # A package's __init__ re-exporting its modules is not a cycle with them.
    for name in graph:
        graph[name] = {m for m in graph[name] if not name.startswith(f"{m}.")}
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = [*path[path.index(nxt) :], nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


def test_no_file_of_the_apps_is_over_600_lines():
    for name, path in modules().items():
        lines = len(path.read_text().splitlines())
        assert lines <= MAX_LINES, f"{name} has {lines} lines"
