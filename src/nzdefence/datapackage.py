"""Frictionless's own check of ``datapackage.json``: the package and schema descriptors.

Rows are checked by our vectorised checks (``validate``), which cover every Table Schema
constraint; Frictionless does here what only it does, and takes the same time however many
rows there are. The full row-by-row ``frictionless validate datapackage.json`` passes too (the
interoperability tests run it).

Importing frictionless costs a fixed ~0.4 s of one core, as much as the rest of validating the
real dataset. So unless the calling process has already imported it, the check runs in a
process of its own (``python -m nzdefence.datapackage ROOT``), on the other core, while the
caller reads and checks the tables. This module imports nothing heavy itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from .layout import DATAPACKAGE
from .problems import NOT_A_ROW, Problem


def datapackage_problems(root: Path) -> list[Problem]:
    """Frictionless's check of ``root/datapackage.json``, in this process."""
    descriptor = Path(root) / DATAPACKAGE
    if not descriptor.is_file():
        return [_problem("file is missing; run nzdefence build")]
    import frictionless

    try:
        report = frictionless.Package.validate_descriptor(str(descriptor))
    except (frictionless.FrictionlessException, OSError, ValueError) as error:
        return [_problem(f"frictionless cannot read it: {error}")]
    return [_problem(f"frictionless: {error.message}") for error in report.errors]


def start_datapackage_check(root: Path) -> Callable[[], list[Problem]]:
    """Start the check of ``root/datapackage.json``; the returned function waits for its
    problems. In a process of its own unless frictionless is already imported here."""
    root = Path(root)
    if "frictionless" in sys.modules or not (root / DATAPACKAGE).is_file():
        # Nothing to gain from another process: the check is quick, and runs when asked.
        return lambda: datapackage_problems(root)
    process = subprocess.Popen(
        # -P: not the working directory first on the module path, where a file named like
        # a module frictionless imports would take its place (the console script has none).
        [sys.executable, "-P", "-m", __name__, str(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
    )

    def result() -> list[Problem]:
        output, errors = process.communicate()
        try:
            return [Problem(*fields) for fields in json.loads(output)]
        except (ValueError, TypeError):
            last = (errors.strip().splitlines() or ["no output"])[-1]
            return [_problem(f"the frictionless check did not finish: {last}")]

    return result


def _problem(message: str) -> Problem:
    return Problem(DATAPACKAGE.as_posix(), NOT_A_ROW, "", message)


def main(argv: list[str]) -> int:
    (root,) = argv
    problems = datapackage_problems(Path(root))
    json.dump([[p.path, p.row, p.column, p.message] for p in problems], sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
