"""The dataset in the tools its users work with: frictionless, DuckDB, Polars, pandas, a fresh venv."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import REPO

from nzdefence.csvio import cell_text
from nzdefence.schemas import TABLES, enum_values, read_schemas

SCHEMAS = read_schemas(REPO / "schema")
PARQUET = REPO / "dataset" / "parquet"


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
    duckdb = pytest.importorskip("duckdb")
    described = (
        duckdb.connect()
        .sql(f"DESCRIBE SELECT * FROM '{PARQUET / name}.parquet'")
        .fetchall()
    )
    expected = [
        (
            field["name"],
            "VARCHAR"
            if enum_values(field) is not None
            else DUCKDB_TYPES[field["type"]],
        )
        for field in SCHEMAS[name].fields
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
    pl = pytest.importorskip("polars")
    frame = pl.read_parquet(PARQUET / f"{name}.parquet")
    types = {
        "string": pl.String,
        "integer": pl.Int64,
        "number": pl.Float64,
        "date": pl.Date,
        "list": pl.List(pl.String),
    }
    for field in SCHEMAS[name].fields:
        expected = (
            pl.Categorical if enum_values(field) is not None else types[field["type"]]
        )
        assert frame.schema[field["name"]] == expected, field["name"]


@pytest.mark.parametrize("name", TABLES)
def test_csv_in_pandas_equals_parquet(name):
    csv = pd.read_csv(
        REPO / "dataset/csv" / f"{name}.csv", dtype=str, keep_default_na=False
    )
    parquet = pq.read_table(PARQUET / f"{name}.parquet")
    assert list(csv.columns) == parquet.column_names
    for column in csv.columns:
        assert csv[column].tolist() == [
            cell_text(value) for value in parquet[column].to_pylist()
        ], column


def test_wheel_in_a_fresh_virtual_environment_loads_every_table(tmp_path):
    wheels, venv = tmp_path / "wheels", tmp_path / "venv"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "-w",
            str(wheels),
            str(REPO),
        ],
        check=True,
    )
    (wheel,) = wheels.glob("nzdefence-*.whl")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(wheel)],
        check=True,
        cwd=tmp_path,
    )
    code = textwrap.dedent(
        """
        import nzdefence
        assert "site-packages" in nzdefence.__file__, nzdefence.__file__
        print(nzdefence.cite())
        print(",".join(f"{name}={len(nzdefence.load(name))}" for name in nzdefence.tables()))
        """
    )
    result = subprocess.run(
        [str(python), "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    cited, counts = result.stdout.strip().splitlines()
    assert "version" in cited
    loaded = dict(item.split("=") for item in counts.split(","))
    assert sorted(loaded) == sorted(TABLES)
    for name, rows in loaded.items():
        assert int(rows) == pq.read_metadata(PARQUET / f"{name}.parquet").num_rows
