"""Where a checkout keeps its files, relative to its root: every path is written here once."""

from __future__ import annotations

from pathlib import Path

SCHEMA_DIR = Path("schema")
CSV_DIR = Path("dataset") / "csv"
PARQUET_DIR = Path("dataset") / "parquet"
SOURCES_DIR = Path("dataset") / "sources"
DATAPACKAGE = Path("datapackage.json")
# Tables the build derives from the others; never edited, and without a file in schema/.
DERIVED_DIR = Path("dataset") / "derived"
PARTNERS_BY_YEAR = DERIVED_DIR / "partners_by_year.csv"

# Inside an installed package (a wheel), under nzdefence/data/: where pyproject's force-include
# puts the published files, so that an installed user can check every quote offline.
PACKAGED_DATA = Path("data")
PACKAGED_PARQUET = Path("parquet")
PACKAGED_SOURCES = Path("sources")
PACKAGED_SCHEMA = Path("schema")
PACKAGED_DATAPACKAGE = Path("datapackage.json")
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
# The tables of the dataset, each defined by its schema file, in the order the README, the data
# dictionary and datapackage.json list them: referenced tables before those pointing at them.
TABLES = ("sources", "actors", *FACT_TABLES, "evidence", "exclusions")


def schema_path(name: str) -> Path:
    return SCHEMA_DIR / f"{name}.schema.json"


def csv_path(name: str) -> Path:
    return CSV_DIR / f"{name}.csv"


def parquet_path(name: str) -> Path:
    return PARQUET_DIR / f"{name}.parquet"


def source_path(source_id: str) -> Path:
    return SOURCES_DIR / f"{source_id}.txt"
