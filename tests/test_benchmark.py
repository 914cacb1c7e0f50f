"""scripts/benchmark.py still starts: it is run by hand, so nothing else notices when the code
it imports is renamed or removed. (It measures speed; the tests do not.)"""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO


def test_benchmark_script_starts():
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts/benchmark.py"), "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: ")
