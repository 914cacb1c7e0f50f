"""Where a checkout keeps its files, relative to its root: every path is written here once."""

from __future__ import annotations

from pathlib import Path

SCHEMA_DIR = Path("schema")
CSV_DIR = Path("dataset") / "csv"
PARQUET_DIR = Path("dataset") / "parquet"
SOURCES_DIR = Path("dataset") / "sources"
DATAPACKAGE = Path("datapackage.json")


def schema_path(name: str) -> Path:
    return SCHEMA_DIR / f"{name}.schema.json"


def csv_path(name: str) -> Path:
    return CSV_DIR / f"{name}.csv"


def parquet_path(name: str) -> Path:
    return PARQUET_DIR / f"{name}.parquet"


def source_path(source_id: str) -> Path:
    return SOURCES_DIR / f"{source_id}.txt"
