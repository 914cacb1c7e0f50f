"""Print pip constraints that pin every direct dependency at its floor in pyproject.toml.

    python scripts/lowest_constraints.py > lowest.txt
    python -m pip install -c lowest.txt -e ".[test]"

The floors are written once, in pyproject.toml; this turns each ``name>=X`` into ``name==X``
so CI can prove the suite passes at them. A dependency without a ``>=`` floor is an error.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
FLOOR = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*>=\s*([^,;\s]+)\s*$")


def lowest_constraints(pyproject: Path = PYPROJECT) -> list[str]:
    """``name==floor`` for every direct dependency, extras included, in order, once each."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    requirements = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    pins: dict[str, str] = {}
    for requirement in requirements:
        if requirement.startswith(project["name"] + "["):
            continue  # an extra reusing another of this project's extras
        match = FLOOR.match(requirement)
        if match is None:
            raise SystemExit(
                f"{pyproject}: {requirement!r} has no plain '>=' floor to pin"
            )
        pins.setdefault(match[1].lower(), f"{match[1]}=={match[2]}")
    return list(pins.values())


if __name__ == "__main__":
    sys.stdout.write("".join(pin + "\n" for pin in lowest_constraints()))
