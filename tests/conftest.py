"""Shared fixtures: a scratch copy of the real checkout that a test may break."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def copy_checkout(target: Path) -> Path:
    for folder in (
        "schema",
        "dataset/csv",
        "dataset/sources",
        "dataset/parquet",
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
