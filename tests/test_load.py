"""nzdefence.load and nzdefence.tables, in this checkout and from an installed wheel."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
from conftest import REPO, TABLES

import nzdefence


def test_tables_lists_every_table():
    assert nzdefence.tables() == sorted(TABLES)


def test_load_gives_typed_frames_with_descriptions():
    exercises = nzdefence.load("exercises")
    assert str(exercises["date_start"].dtype).startswith("datetime64")
    assert isinstance(exercises["kind"].dtype, pd.CategoricalDtype)
    assert list(exercises["kind"].cat.categories) == [
        "exercise",
        "transit",
        "patrol",
        "port_visit",
        "surveillance",
    ]
    assert isinstance(exercises["participants"].dtype, pd.ArrowDtype)
    assert any(
        "NZL" in participants for participants in exercises["participants"].dropna()
    )
    assert exercises.attrs["descriptions"]["lead"].startswith("ISO 3166-1 alpha-3")
    deployments = nzdefence.load("deployments")
    assert deployments["personnel"].dtype == pd.Int64Dtype()
    assert (
        deployments["personnel"].isna().any() and deployments["personnel"].notna().any()
    )
    assert nzdefence.load("budgets")["value"].dtype == pd.Float64Dtype()


def test_loaded_rows_match_the_csvs():
    for name in TABLES:
        csv = pd.read_csv(
            REPO / "dataset/csv" / f"{name}.csv", dtype=str, keep_default_na=False
        )
        assert len(nzdefence.load(name)) == len(csv), name


def test_unknown_table_names_the_valid_ones():
    with pytest.raises(KeyError, match="the tables are: actors, agreements"):
        nzdefence.load("treaties")


def test_import_does_not_load_validation_libraries():
    code = "import sys, nzdefence; nzdefence.load('statements'); print(sorted(m for m in ('pandera', 'frictionless') if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
