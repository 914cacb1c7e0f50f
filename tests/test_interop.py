"""The dataset in the tools its users work with: frictionless, DuckDB, Polars, pandas, a fresh venv."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import REPO, TABLES, read_rows, schema_fields

PARQUET = REPO / "dataset" / "parquet"


def is_enum(field: dict) -> bool:
    return "enum" in field.get("constraints", {})


def test_frictionless_cli_validates_the_package_row_by_row():
    frictionless = Path(sys.executable).parent / "frictionless"
    result = subprocess.run(
        [str(frictionless), "validate", "datapackage.json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "VALID" in result.stdout and "INVALID" not in result.stdout


DUCKDB_TYPES = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "number": "DOUBLE",
    "date": "DATE",
    "list": "VARCHAR[]",
}


@pytest.mark.parametrize("name", TABLES)
def test_duckdb_reads_every_parquet_file(name):
    import duckdb

    described = (
        duckdb.connect()
        .sql(f"DESCRIBE SELECT * FROM '{PARQUET / name}.parquet'")
        .fetchall()
    )
    expected = [
        (
            field["name"],
            "VARCHAR" if is_enum(field) else DUCKDB_TYPES[field["type"]],
        )
        for field in schema_fields(name)
    ]
    assert [(row[0], row[1]) for row in described] == expected
    ((count,),) = (
        duckdb.connect()
        .sql(f"SELECT count(*) FROM '{PARQUET / name}.parquet'")
        .fetchall()
    )
    assert count == pq.read_metadata(PARQUET / f"{name}.parquet").num_rows


@pytest.mark.parametrize("name", TABLES)
def test_polars_reads_every_parquet_file(name):
    import polars as pl

    frame = pl.read_parquet(PARQUET / f"{name}.parquet")
    types = {
        "string": pl.String,
        "integer": pl.Int64,
        "number": pl.Float64,
        "date": pl.Date,
        "list": pl.List(pl.String),
    }
    for field in schema_fields(name):
        expected = pl.Categorical if is_enum(field) else types[field["type"]]
        assert frame.schema[field["name"]] == expected, field["name"]


# A CSV cell as the value its schema type says it is, read independently of nzdefence.
READ_AS = {
    "string": str,
    "integer": int,
    "number": float,
    "date": date.fromisoformat,
    "list": lambda cell: cell.split(";"),
}


@pytest.mark.parametrize("name", TABLES)
def test_csv_in_pandas_equals_parquet(name):
    csv = pd.read_csv(
        REPO / "dataset/csv" / f"{name}.csv", dtype=str, keep_default_na=False
    )
    parquet = pq.read_table(PARQUET / f"{name}.parquet")
    assert list(csv.columns) == parquet.column_names
    for field in schema_fields(name):
        read = READ_AS[field["type"]]
        column = field["name"]
        # An empty cell is missing, except in a list, where it is a list of no items.
        empty = [] if field["type"] == "list" else None
        assert [read(cell) if cell else empty for cell in csv[column]] == parquet[
            column
        ].to_pylist(), column


def run_from(folder: Path, command: list[str]) -> str:
    """What ``command`` prints, run from ``folder`` (outside the checkout); it must succeed."""
    result = subprocess.run(
        command, cwd=folder, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_wheel_in_a_fresh_virtual_environment_loads_every_table(
    installed_wheel, tmp_path
):
    """Build the wheel and install it in a new virtual environment, offline: no index, no
    configured wheel folders, no build isolation. The new environment gets its
    dependencies by seeing this one's site-packages, added after its own."""
    python = installed_wheel
    code = textwrap.dedent(
        """
        import nzdefence
        import sys
        assert nzdefence.__file__.startswith(sys.prefix + "/lib/"), nzdefence.__file__
        print(nzdefence.cite())
        print(",".join(f"{name}={len(nzdefence.load(name))}" for name in nzdefence.tables()))
        """
    )
    cited, counts = run_from(tmp_path, [str(python), "-c", code]).strip().splitlines()
    assert "version" in cited
    loaded = dict(item.split("=") for item in counts.split(","))
    assert sorted(loaded) == sorted(TABLES)
    for name, rows in loaded.items():
        assert int(rows) == pq.read_metadata(PARQUET / f"{name}.parquet").num_rows


def test_a_wheel_installed_without_the_checkout_checks_every_quote_offline(
    installed_wheel, tmp_path
):
    """Build the wheel, install it in a new virtual environment offline (dependencies seen
    through this environment's site-packages), and from outside the checkout check every
    evidence quote against the packaged sources and run ``nzdefence show``."""
    python = installed_wheel
    code = textwrap.dedent(
        """
        import json, sys
        import nzdefence
        from nzdefence.published import data_folders
        assert nzdefence.__file__.startswith(sys.prefix + "/lib/"), nzdefence.__file__
        folders = data_folders()
        assert folders.checkout is None, folders
        assert folders.datapackage.is_file() and folders.schema.is_dir()
        rows = nzdefence.evidence()
        checked = sum(
            nzdefence.passage(r.source_id, r.quote_start, r.quote_end).quote == r.quote
            for r in rows.itertuples()
        )
        print(json.dumps([checked, len(rows)]))
        """
    )
    checked, total = json.loads(run_from(tmp_path, [str(python), "-c", code]))
    evidence = read_rows(REPO / "dataset/csv/evidence.csv")
    assert checked == total == len(evidence)
    first = evidence[0]
    shown = run_from(
        tmp_path,
        [
            str(python.parent / "nzdefence"),
            "show",
            first["record_table"],
            first["record_id"],
        ],
    )
    assert f"»{first['quote']}«" in shown
