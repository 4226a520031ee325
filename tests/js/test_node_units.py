"""The browser's live modules, unit-tested by Node's own test runner (tests/js/*.test.mjs).

`node --test` runs them with no framework and nothing installed; this test runs it so that the
README's test command covers them, and fails with Node's report when any of them fails."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from tests.conftest import require_service

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def test_the_live_modules_pass_their_node_tests():
    node = shutil.which("node")
    require_service("Node.js", node is not None, "no `node` on PATH")
    result = subprocess.run(
        [node, "--test", "tests/js/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, f"node --test tests/js/ failed:\n{report}"
    # A directory with no test files passes too: make sure the tests actually ran.
    passed = re.search(r"^# pass (\d+)$", result.stdout, re.MULTILINE)
    assert passed and int(passed.group(1)) > 0, f"node ran no tests:\n{report}"
