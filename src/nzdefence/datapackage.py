"""Frictionless's own check of ``datapackage.json``: the package and schema descriptors.

Rows are checked by our vectorised checks (``validate``), which cover every Table Schema
constraint; Frictionless does here what only it does. The full row-by-row
``frictionless validate datapackage.json`` passes too (the interoperability tests run it).
"""

from __future__ import annotations

from pathlib import Path

from .layout import DATAPACKAGE
from .problems import NOT_A_ROW, Problem


def datapackage_problems(root: Path) -> list[Problem]:
    """Frictionless's check of ``root/datapackage.json``."""
    descriptor = Path(root) / DATAPACKAGE
    if not descriptor.is_file():
        return [_problem("file is missing; run nzdefence build")]
    import frictionless

    try:
        report = frictionless.Package.validate_descriptor(str(descriptor))
    except (frictionless.FrictionlessException, OSError, ValueError) as error:
        return [_problem(f"frictionless cannot read it: {error}")]
    return [_problem(f"frictionless: {error.message}") for error in report.errors]


def _problem(message: str) -> Problem:
    return Problem(DATAPACKAGE.as_posix(), NOT_A_ROW, "", message)
