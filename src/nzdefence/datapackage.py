"""``datapackage.json``: the Frictionless Data Package descriptor, written by the build, and
Frictionless's own check of it.

Rows are checked by our vectorised checks (``validate``), which cover every Table Schema
constraint; Frictionless checks here what only it does, the package and its schema descriptors.
It checks the descriptor as the build writes it, so that nothing a contribution puts in a
hand-edited ``datapackage.json`` (a link, a URL) is followed: the committed file is only compared
with what the build writes. The full row-by-row
``frictionless validate datapackage.json`` passes too (the interoperability tests run it).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from . import files
from ._version import __version__
from .citation import ABSTRACT, AUTHOR, LICENSE, TITLE
from .layout import DATAPACKAGE, PARTNERS_BY_YEAR, TABLES, csv_path, schema_path
from .partners import descriptor as partners_descriptor
from .problems import NOT_A_ROW, Problem
from .provenance import MAX_SOURCE_BYTES
from .schemas import TableSchema

TABLE_LICENSE = {
    "name": LICENSE,
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0 International",
}
SOURCE_RIGHTS = (
    "The source documents are third-party publications, stored unchanged only so that every "
    "quote can be checked; their copyright stays with their authors and publishers and the "
    f"{LICENSE} licence of the tables does not extend to them."
)


def descriptor(
    root: Path, sources: pd.DataFrame, schemas: dict[str, TableSchema]
) -> dict:
    """The Frictionless Data Package descriptor for the checkout at ``root``."""
    resources = []
    for name in TABLES:
        resources.append(
            {
                "name": name,
                "title": schemas[name].title,
                "description": schemas[name].description,
                "path": csv_path(name).as_posix(),
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": schema_path(name).as_posix(),
                "licenses": [TABLE_LICENSE],
            }
        )
    derived = partners_descriptor()
    resources.append(
        {
            "name": derived["name"],
            "title": derived["title"],
            "description": derived["description"],
            "path": PARTNERS_BY_YEAR.as_posix(),
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": derived,  # inline: a derived table has no file in schema/
            "licenses": [TABLE_LICENSE],
        }
    )
    package_sources = []
    for row in sources.itertuples(index=False):
        raw = files.read_bytes(root, row.path, limit=MAX_SOURCE_BYTES)
        title = (
            row.title
            if isinstance(row.title, str)
            else f"Untitled source {row.source_id}"
        )
        resources.append(
            {
                "name": row.source_id.lower(),
                "title": title,
                "path": row.path,
                "format": "txt",
                "mediatype": "text/plain",
                "encoding": "utf-8",
                "bytes": len(raw),
                "hash": f"sha256:{row.sha256}",
                "rights": SOURCE_RIGHTS,
            }
        )
        package_sources.append({"title": title, "path": row.path})
    return {
        "name": "nzdefence",
        "title": TITLE,
        "description": ABSTRACT,
        "version": __version__,
        "licenses": [TABLE_LICENSE],
        "contributors": [{"title": AUTHOR, "role": "author"}],
        "sources": package_sources,
        "resources": resources,
    }


def datapackage_text(
    root: Path, sources: pd.DataFrame, schemas: dict[str, TableSchema]
) -> bytes:
    """``datapackage.json`` as the build writes it."""
    text = (
        json.dumps(descriptor(root, sources, schemas), ensure_ascii=False, indent=2)
        + "\n"
    )
    return text.encode("utf-8")


def datapackage_problems(
    root: Path, sources: pd.DataFrame, schemas: dict[str, TableSchema]
) -> list[Problem]:
    """Frictionless's check of the descriptor the build writes, and whether the committed
    ``datapackage.json`` is that descriptor."""
    import frictionless

    built = datapackage_text(root, sources, schemas)
    # The descriptor as the build writes it, its schemas named by path: Frictionless checks the
    # package and does not read them (read_schemas has checked each already), nor anything a
    # hand-edited datapackage.json might name.
    report = frictionless.Package.validate_descriptor(json.loads(built))
    problems = [_problem(f"frictionless: {error.message}") for error in report.errors]
    try:
        committed = files.read_bytes(root, DATAPACKAGE.as_posix(), limit=4 * len(built))
    except FileNotFoundError:
        return problems + [_problem("file is missing; run nzdefence build")]
    except files.UnsafePath as error:
        return problems + [_problem(error.reason)]
    if committed != built:
        problems.append(
            _problem("differs from what nzdefence build writes; run nzdefence build")
        )
    return problems


def _problem(message: str) -> Problem:
    return Problem(DATAPACKAGE.as_posix(), NOT_A_ROW, "", message)
