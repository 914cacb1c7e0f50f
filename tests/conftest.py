"""Shared fixtures: a scratch copy of the real checkout that a test may break, the small
checkout of the contribution corpus, and the Hypothesis profiles."""

from __future__ import annotations

import contextlib
import csv
import importlib.util
import io
import json
import os
import re
import shutil
import site
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).parent / "contributions"

# The tables the dataset has, written out here rather than imported: a table added or dropped
# must be a deliberate change to the tests too.
FACT_TABLES = (
    "agreements",
    "milestones",
    "exercises",
    "deployments",
    "budgets",
    "capabilities",
    "documents",
    "offices",
    "engagements",
    "statements",
)
TABLES = ("sources", "actors", *FACT_TABLES, "evidence", "exclusions")

# path:row:column: message, one problem per line.
LOCATED = re.compile(r"[^\s:][^:\n]*:\d+:[^\n]+?: \S.*")

# About 100 examples a property while working; 1,000 in CI (.ci/run sets
# HYPOTHESIS_PROFILE=ci). The "ci" profile keeps Hypothesis's own CI settings (derandomized,
# no example database), which it also loads by itself where it detects a CI service.
# No deadline: a validator run takes as long as the machine's load makes it.
settings.register_profile(
    "default", settings.get_profile("default"), max_examples=100, deadline=None
)
settings.register_profile(
    "ci", settings.get_profile("ci"), max_examples=1000, deadline=None
)
if os.environ.get("HYPOTHESIS_PROFILE"):
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])


def schema_fields(name: str, root: Path = REPO) -> list[dict]:
    """The fields of a table as its Table Schema in schema/ defines them."""
    path = root / "schema" / f"{name}.schema.json"
    return json.loads(path.read_text(encoding="utf-8"))["fields"]


def copy_checkout(target: Path) -> Path:
    for folder in (
        "schema",
        "dataset/csv",
        "dataset/sources",
        "dataset/parquet",
        "dataset/derived",
        "docs",
    ):
        shutil.copytree(REPO / folder, target / folder)
    for name in ("datapackage.json", "README.md", "CITATION.cff"):
        shutil.copy2(REPO / name, target / name)
    return target


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of the real checkout: schemas, data, and every file the build generates."""
    return copy_checkout(tmp_path / "checkout")


@pytest.fixture(scope="session")
def plotted(tmp_path_factory) -> tuple[Path, str]:
    """A copy of the real checkout whose timeline was deleted and drawn again by
    ``nzdefence plot``, and what the command printed: drawing takes a second or two, so the
    tests that read the drawing share this one."""
    from nzdefence.cli import main

    root = copy_checkout(tmp_path_factory.mktemp("plotted") / "checkout")
    for suffix in ("png", "svg"):
        (root / f"docs/timeline.{suffix}").unlink()
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["plot", str(root)]) == 0
    return root, printed.getvalue()


@pytest.fixture(scope="session")
def real_report():
    """``validate`` on the real checkout, once for every test that reads the real data."""
    from nzdefence.validate import validate

    return validate(REPO)


def assemble(target: Path, case: Path | None = None) -> Path:
    """The corpus's small valid checkout (tests/contributions/base) with the real schemas,
    and a broken contribution's files laid over it."""
    shutil.copytree(REPO / "schema", target / "schema")
    shutil.copytree(CORPUS / "base", target, dirs_exist_ok=True)
    if case is not None:
        shutil.copytree(case / "overlay", target, dirs_exist_ok=True)
    return target


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_rows(
    path: Path, rows: list[dict[str, str]], header: list[str] | None = None
) -> None:
    header = header or list(rows[0])
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def edit_table(
    root: Path, table: str, change: Callable[[list[dict[str, str]]], None]
) -> None:
    """Apply ``change`` to the rows of one CSV in place."""
    path = root / "dataset" / "csv" / f"{table}.csv"
    rows = read_rows(path)
    header = list(rows[0]) if rows else None
    change(rows)
    write_rows(path, rows, header)


@pytest.fixture(scope="session")
def installed_wheel(tmp_path_factory) -> Path:
    """The Python of a new virtual environment holding the wheel built from this checkout,
    built and installed offline (no index, no configured wheel folders, no build isolation);
    it sees this environment's site-packages for its dependencies, after its own. Run it from
    outside the checkout."""
    if importlib.util.find_spec("hatchling") is None:
        pytest.fail(
            "building the wheel offline needs hatchling here: pip install hatchling"
        )
    root = tmp_path_factory.mktemp("wheel")
    offline = {**os.environ, "PIP_NO_INDEX": "1", "PIP_CONFIG_FILE": os.devnull}
    offline.pop("PIP_FIND_LINKS", None)
    pip = [sys.executable, "-m", "pip"]
    wheels, venv = root / "wheels", root / "venv"
    subprocess.run(
        [*pip, "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
        + ["-w", str(wheels), str(REPO)],
        check=True,
        env=offline,
    )
    (wheel,) = wheels.glob("nzdefence-*.whl")
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True
    )
    python = venv / "bin" / "python"
    subprocess.run(
        [*pip, "--python", str(python), "install", "--quiet", "--no-deps"]
        + ["--no-index", str(wheel)],
        check=True,
        cwd=root,
        env=offline,
    )
    # Added only now: pip would take this environment's editable nzdefence as installed.
    (own_site,) = (venv / "lib").glob("python3.*/site-packages")
    (own_site / "dependencies.pth").write_text(
        "\n".join(site.getsitepackages()) + "\n", encoding="utf-8"
    )
    return python
