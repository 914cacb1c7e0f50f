"""``nzdefence site OUT``: a static, self-contained website of the published dataset.

Pages, each at a stable address relative to the site's root:

- ``index.html``: the tables at a glance, the timeline, the sources and their limits;
- ``<table>/index.html``: every record of a table in an HTML table (sortable and filterable
  by ``site.js`` when scripts run, readable without);
- ``<table>/<id>.html``: one record of a table keyed by one column, every field with its
  description, each evidence quote in its paragraph, the records that refer to it, and a
  citation. The records of the sources table are the source pages, ``sources/<id>.html``:
  the full text with every evidence quote and every excluded passage marked.

Rows of tables keyed by several columns (evidence, exclusions) get no page of their own:
each is a span of a source, so its address is its mark in the source page,
``sources/<source_id>.html#<table>-<start>-<end>``, and its row on the table page.

Everything shown comes from untrusted data and is escaped (``html.escape`` of ``visible``
text). No page requests anything from elsewhere: styles, script and images are files of the
site, and each page's Content-Security-Policy allows nothing else. The same data gives the
same bytes; the site is written into a temporary folder that then replaces ``OUT``.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path, PurePosixPath
from urllib.parse import quote as url_quote

from ._version import __version__
from .citation import ABSTRACT, TITLE, cite
from .layout import parquet_path, source_path
from .published import (
    EVIDENCE,
    EXCLUSIONS,
    DataFolders,
    _source_text,
    cell,
    evidence_link,
    excerpt,
    located,
    published_date,
    read_arrow,
    read_schemas,
    source_citation,
    visible,
)
from .schemas import TableSchema

MARKER = ".nzdefence-site"  # in every site this writes, so that OUT is only ever replaced if it is one
ASSETS = ("site.css", "site.js")
TIMELINE = PurePosixPath("timeline.png")
SPAN_FIELDS = ("source_id", "quote_start", "quote_end")
LONG_CELL = 80  # characters: longer text in a table page is clamped to a few lines
# The field that names a record best in a heading or a list, in this order of preference.
LABEL_FIELDS = ("name", "title", "summary", "text", "description", "quote")
# A record id that is also a safe file name: no separators, no leading dot, not too long.
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,150}")
# A value that names a record of another table as table:id (e.g. statements.about).
TABLE_ID = re.compile(r"([a-z][a-z0-9_]*):(\S+)")
CSP = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'"
)


class SiteError(ValueError):
    """The data cannot be made into a site, or OUT cannot be replaced; ``problems`` says why."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def text(value) -> str:
    """Any value as escaped HTML text."""
    return html.escape(visible(cell(value)), quote=True)


def shorten(value: str, limit: int = 140) -> str:
    value = " ".join(value.split())
    if len(value) <= limit:
        return value
    cut = value.rfind(" ", 0, limit)
    return value[: cut if cut > limit // 2 else limit] + "…"


@dataclass(frozen=True)
class Span:
    """A row of a table whose rows are spans of a source (evidence, exclusions)."""

    start: int
    end: int
    table: str
    row: dict

    @property
    def anchor(self) -> str:
        return f"{self.table}-{self.start}-{self.end}"


@dataclass(frozen=True)
class Reference:
    """A row of ``table`` whose ``column`` names another record."""

    table: str
    row: dict
    column: str


@dataclass
class Dataset:
    """The published data, read once, with the indexes every page needs."""

    schemas: dict[str, TableSchema]
    rows: dict[str, list[dict]]
    sources_table: str
    base_url: str | None
    keys: dict[str, str | None] = field(default_factory=dict)  # one key column, or None
    span_tables: set[str] = field(default_factory=set)
    foreign: dict[str, dict[str, str]] = field(default_factory=dict)  # column -> table
    records: dict[str, dict[str, dict]] = field(default_factory=dict)
    spans: dict[str, list[Span]] = field(default_factory=dict)
    evidence: dict[tuple[str, str], list[dict]] = field(default_factory=dict)
    references: dict[tuple[str, str], list[Reference]] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)

    def key_of(self, table: str) -> str | None:
        """The key column of a table keyed by one column, else None."""
        return self.keys[table]

    def is_span_table(self, table: str) -> bool:
        return table in self.span_tables

    def address(self, table: str, row: dict) -> str | None:
        """The row's address relative to the site's root: its page, or its mark in a source."""
        key = self.key_of(table)
        if key is not None:
            return f"{table}/{row[key]}.html"
        if self.is_span_table(table):
            span = Span(row["quote_start"], row["quote_end"], table, row)
            return f"{self.sources_table}/{row['source_id']}.html#{span.anchor}"
        return None

    def label(self, table: str, row: dict) -> str:
        for name in LABEL_FIELDS:
            if row.get(name):
                return shorten(cell(row[name]))
        return ""

    def url(self, address: str) -> str:
        return (self.base_url.rstrip("/") + "/" + address) if self.base_url else address


def read(folders: DataFolders, base_url: str | None = None) -> Dataset:
    """Read every published table and source, and index spans, evidence and references."""
    schemas = read_schemas(folders)
    rows = {
        name: read_arrow(folders, name, schema).to_pylist()
        for name, schema in schemas.items()
    }
    link = evidence_link(schemas)
    sources_table = next(
        key.resource
        for key in schemas[EVIDENCE].foreign_keys
        if key.column == "source_id"
    )
    data = Dataset(schemas, rows, sources_table, base_url)
    for name, schema in schemas.items():
        data.keys[name] = (
            schema.primary_key[0] if len(schema.primary_key) == 1 else None
        )
        if set(SPAN_FIELDS) <= set(schema.field_names):
            data.span_tables.add(name)
        data.foreign[name] = {key.column: key.resource for key in schema.foreign_keys}
    for name in schemas:
        key = data.key_of(name)
        if key is not None:
            data.records[name] = {row[key]: row for row in rows[name]}
    for source_id in data.records[sources_table]:
        try:
            data.texts[source_id] = _source_text(folders, source_id)
        except KeyError:
            raise located(
                folders.shown(source_path(source_id)),
                f"missing, though the {sources_table} table lists it; run nzdefence validate",
            ) from None
        data.spans[source_id] = []
    for name in schemas:
        if data.is_span_table(name):
            for row in rows[name]:
                data.spans.setdefault(row["source_id"], []).append(
                    Span(row["quote_start"], row["quote_end"], name, row)
                )
    for row in rows[EVIDENCE]:
        record = (row[link.table_column], row[link.record_column])
        data.evidence.setdefault(record, []).append(row)
    for quotes in data.evidence.values():
        quotes.sort(key=lambda r: (r["source_id"], r["quote_start"], r["quote_end"]))
    data.references = references(data)
    return data


def references(data: Dataset) -> dict[tuple[str, str], list[Reference]]:
    """For each record, the rows of any table that name it: through a foreign key, through a
    record link (a pair of table and id columns) other than evidence's, or through a value
    ``table:id`` in any text or list column (statements.about, milestones.agreement, …).

    Span rows naming their source are left out: the source page shows them in its text."""
    found: dict[tuple[str, str], list[Reference]] = {}

    def add(target_table: str, target_id, reference: Reference) -> None:
        if target_id in data.records.get(target_table, {}):
            found.setdefault((target_table, target_id), []).append(reference)

    for name, schema in data.schemas.items():
        key_columns = set(schema.primary_key)
        foreign = {fk.column: fk for fk in schema.foreign_keys}
        # Pairs of table and id columns; a one-field link's table:id values are read as free text.
        links = [
            link
            for link in schema.record_links
            if name != EVIDENCE and link.table_column is not None
        ]
        linked_columns = {
            c for link in links for c in (link.table_column, link.record_column)
        }
        free = [
            f.name
            for f in schema.fields
            if f.type in ("string", "list")
            and f.name not in foreign
            and f.name not in key_columns
            and f.name not in linked_columns
        ]
        span_table = data.is_span_table(name)
        for row in data.rows[name]:
            for column, key in foreign.items():
                if span_table and key.resource == data.sources_table:
                    continue
                values = row[column] if isinstance(row[column], list) else [row[column]]
                for value in values:
                    add(key.resource, value, Reference(name, row, column))
            for link in links:
                add(
                    row[link.table_column],
                    row[link.record_column],
                    Reference(name, row, link.record_column),
                )
            for column in free:
                value = row[column]
                values = value if isinstance(value, list) else [value]
                for item in values:
                    if item and ":" in item:
                        match = TABLE_ID.fullmatch(item)
                        if match:
                            add(match[1], match[2], Reference(name, row, column))
    for rows in found.values():
        rows.sort(key=lambda r: (list(data.schemas).index(r.table), _sort_key(data, r)))
    return found


def _sort_key(data: Dataset, reference: Reference) -> tuple:
    return tuple(
        str(reference.row[c]) for c in data.schemas[reference.table].primary_key
    ) + (reference.column,)


def address_problems(data: Dataset) -> list[str]:
    """Record ids that cannot be file names (the validator's id patterns forbid them)."""
    problems = []
    for name in data.records:
        key = data.key_of(name)
        for number, row in enumerate(data.rows[name], 2):
            value = row[key]
            if not isinstance(value, str) or not SAFE_NAME.fullmatch(value):
                problems.append(
                    f"{parquet_path(name).as_posix()}:{number}:{key}: {visible(repr(value))} "
                    "cannot be the name of a page; run nzdefence validate"
                )
    return problems


# Pages


def page(data: Dataset, title: str, body: str, depth: int) -> bytes:
    up = "../" * depth
    tables = "".join(
        f'<li><a href="{up}{name}/index.html">{name}</a></li>' for name in data.schemas
    )
    return (
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{text(title)} · nzdefence</title>\n"
        f'<link rel="stylesheet" href="{up}site.css">\n'
        f'<script src="{up}site.js" defer></script>\n</head>\n<body>\n'
        f'<header><nav><a class="home" href="{up}index.html">nzdefence</a>'
        f'<ul class="tables">{tables}</ul></nav></header>\n'
        f"<main>\n{body}\n</main>\n"
        f"<footer><p>nzdefence {html.escape(__version__)} · tables licensed CC-BY-4.0; "
        "source documents belong to their authors and publishers and are shown only so "
        "that every quote can be checked · generated by <code>nzdefence site</code></p>"
        "</footer>\n</body>\n</html>\n"
    ).encode()


def link(
    data: Dataset, table: str, row: dict, depth: int, label: str | None = None
) -> str:
    """An <a> to a row's address, or its label alone if it has none."""
    address = data.address(table, row)
    shown = text(label if label is not None else _row_name(data, table, row))
    if address is None:
        return shown
    return f'<a href="{html.escape("../" * depth + _href(address))}">{shown}</a>'


def _href(address: str) -> str:
    path, _, fragment = address.partition("#")
    path = "/".join(url_quote(part) for part in path.split("/"))
    return path + ("#" + url_quote(fragment, safe="-") if fragment else "")


def _row_name(data: Dataset, table: str, row: dict) -> str:
    key = data.key_of(table)
    if key is not None:
        return f"{table}/{row[key]}"
    if data.is_span_table(table):
        return f"{table}: {row['source_id']} {row['quote_start']}–{row['quote_end']}"
    return f"{table}: " + ", ".join(
        cell(row[c]) for c in data.schemas[table].primary_key
    )


def value_html(data: Dataset, table: str, column: str, value, depth: int) -> str:
    """A cell: links where the value names a record (foreign key, record link, table:id)."""
    target = data.foreign[table].get(column)
    items = value if isinstance(value, list) else [value]
    shown = []
    for item in items:
        if item is None:
            continue
        if isinstance(item, str):
            linked = None
            if target is not None and item in data.records.get(target, {}):
                linked = (target, item)
            elif ":" in item:
                match = TABLE_ID.fullmatch(item)
                if match and match[2] in data.records.get(match[1], {}):
                    linked = (match[1], match[2])
            if linked is not None:
                row = data.records[linked[0]][linked[1]]
                shown.append(link(data, linked[0], row, depth, item))
                continue
        shown.append(text(item))
    return "; ".join(shown)


def record_cell(
    data: Dataset,
    table: str,
    row: dict,
    column: str,
    depth: int,
    *,
    own_page: bool = False,
) -> str:
    """A cell of a row in a table page or (``own_page``) on the record's page, with the
    links it can carry."""
    key = data.key_of(table)
    if column == key:
        return (
            text(row[column])
            if own_page
            else link(data, table, row, depth, row[column])
        )
    for record_link in data.schemas[table].record_links:
        if column == record_link.record_column and record_link.table_column:
            target = data.records.get(row[record_link.table_column], {}).get(
                row[column]
            )
            if target is not None:
                return link(
                    data, row[record_link.table_column], target, depth, row[column]
                )
    if data.is_span_table(table) and column == "quote":
        return link(data, table, row, depth, row[column])
    return value_html(data, table, column, row.get(column), depth)


def index_page(data: Dataset, has_timeline: bool) -> bytes:
    tables = "".join(
        f'<tr><td><a href="{name}/index.html">{name}</a></td>'
        f'<td class="number">{len(data.rows[name])}</td>'
        f"<td>{text(schema.description)}</td></tr>"
        for name, schema in data.schemas.items()
    )
    review = Counter(row.get("review") for row in data.rows[EVIDENCE])
    states = data.schemas[EVIDENCE].field("review").enum or tuple(review)
    review_text = ", ".join(f"{review[s]} {text(s)}" for s in states if review.get(s))
    timeline = (
        '<figure class="timeline"><img src="timeline.png" alt="The timeline of dated records, '
        'drawn from the tables">'
        "<figcaption>The timeline of dated records, drawn from the tables by "
        "<code>nzdefence plot</code>; each record's page gives its dates and their "
        "precision.</figcaption></figure>"
        if has_timeline
        else ""
    )
    body = (
        f'<h1>{text(TITLE)}</h1>\n<p class="lead">{text(ABSTRACT)}</p>\n'
        "<p>Every record links to the exact words of a source document that support it. "
        "Pick a table below, open a record to see its quotes in context, or read a source "
        "with every quote and every passage left out marked.</p>\n"
        '<h2 id="tables">The tables at a glance</h2>\n'
        '<table class="glance"><thead><tr><th scope="col">table</th>'
        '<th scope="col">rows</th><th scope="col">what a row is</th></tr></thead>'
        f"<tbody>{tables}</tbody></table>\n"
        f"<p>{len(data.rows[EVIDENCE])} evidence rows: {review_text}.</p>\n"
        f"{timeline}\n"
        f"{sources_section(data)}\n"
        f'<h2 id="cite">How to cite</h2>\n<p class="citation">{text(cite())}</p>\n'
        "<p>Each record's page gives a citation of that record, with its sources.</p>"
    )
    return page(data, "Home", body, 0)


def sources_section(data: Dataset) -> str:
    """What the sources are and what they can support, from the sources table alone."""
    name = data.sources_table
    sources = data.rows[name]
    genres = Counter(source.get("genre") or "genre not given" for source in sources)
    outlets = Counter(source["outlet"] for source in sources if source.get("outlet"))
    no_author = [s for s in sources if not s.get("author")]
    no_outlet = [s for s in sources if not s.get("outlet")]
    no_title = [s for s in sources if not s.get("title")]
    undated = [s for s in sources if not s.get("published_start")]
    inferred = [s for s in sources if s.get("published_basis") == "inferred"]
    fields = {f.name: f for f in data.schemas[name].fields}
    genre_descriptions = (
        dict(fields["genre"].enum_descriptions) if "genre" in fields else {}
    )

    def ids(rows: list[dict]) -> str:
        return ", ".join(link(data, name, s, 0, s["source_id"]) for s in rows) or "none"

    facts = [
        f"{len(sources)} documents: "
        + ", ".join(
            f"{count} {text(genre)}"
            + (
                f' <span class="muted">({text(genre_descriptions[genre])})</span>'
                if genre in genre_descriptions
                else ""
            )
            for genre, count in sorted(genres.items(), key=lambda g: (-g[1], g[0]))
        ),
        "outlets named: "
        + (", ".join(f"{text(o)} ({n})" for o, n in sorted(outlets.items())) or "none")
        + f"; no outlet named: {ids(no_outlet)}",
        f"no author named: {ids(no_author)}",
        f"no title: {ids(no_title)}",
        f"date inferred from the text, not stated: {ids(inferred)}; undated: {ids(undated)}",
    ]
    rows = "".join(
        "<tr>"
        f"<td>{link(data, name, s, 0, s['source_id'])}</td>"
        f"<td>{text(s.get('title')) or '<span class=muted>untitled</span>'}</td>"
        f"<td>{text(s.get('author')) or '<span class=muted>none named</span>'}</td>"
        f"<td>{text(s.get('outlet')) or '<span class=muted>none named</span>'}</td>"
        f"<td>{_source_date(s)}</td>"
        f"<td>{text(s.get('genre'))}</td>"
        f'<td class="number">{sum(sp.table == EVIDENCE for sp in data.spans.get(s["source_id"], []))}</td>'
        "</tr>"
        for s in sources
    )
    notes = "".join(
        f"<dt>{link(data, name, s, 0, s['source_id'])}</dt><dd>{text(s.get('note'))}</dd>"
        for s in sources
        if s.get("note")
    )
    return (
        '<h2 id="sources">The sources and their limits</h2>\n'
        f"<p>Every record comes from these {len(sources)} documents, stored unchanged. "
        "The tables record what the documents report, not that it happened as reported, "
        "and they hold only what these documents mention: a partner, event or statement "
        "that is absent here may simply be absent from them, and counts describe the "
        "documents, not the world. A source's own characterisations are not recorded as "
        "facts; opinions are statements of a named speaker.</p>\n"
        f"<ul>{''.join(f'<li>{fact}</li>' for fact in facts)}</ul>\n"
        '<table class="glance"><thead><tr><th scope="col">source</th><th scope="col">title'
        '</th><th scope="col">author</th><th scope="col">outlet</th><th scope="col">'
        'published</th><th scope="col">genre</th><th scope="col">quotes</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>\n"
        "<h3>What each source's record says about it</h3>\n"
        f'<dl class="notes">{notes}</dl>'
    )


def _source_date(source: dict) -> str:
    date = published_date(
        source.get("published_start"),
        source.get("published_end"),
        source.get("published_precision"),
    )
    if not date:
        return '<span class="muted">undated</span>'
    if source.get("published_basis") == "inferred":
        return f'{text(date)} <span class="muted">(inferred)</span>'
    return text(date)


def table_page(data: Dataset, name: str) -> bytes:
    schema = data.schemas[name]
    head = "".join(
        f'<th scope="col" title="{text(f.description)}"'
        + (' data-type="number"' if f.type in ("integer", "number") else "")
        + f">{text(f.name)}</th>"
        for f in schema.fields
    )
    numeric = {f.name for f in schema.fields if f.type in ("integer", "number")}
    # Long text is clamped to a few lines by the style sheet; the record's page (or the
    # source page, for a span) shows it whole, and the filter searches all of it.
    long = {
        f.name
        for f in schema.fields
        if f.type == "string"
        and f.enum is None
        and any(len(row.get(f.name) or "") > LONG_CELL for row in data.rows[name])
    }
    lines = []
    for row in data.rows[name]:
        anchor = "/".join(cell(row[c]) for c in schema.primary_key)
        cells = "".join(
            f'<td class="number">{record_cell(data, name, row, column, 1)}</td>'
            if column in numeric
            else f'<td class="long"><div>{record_cell(data, name, row, column, 1)}</div></td>'
            if column in long
            else f"<td>{record_cell(data, name, row, column, 1)}</td>"
            for column in schema.field_names
        )
        lines.append(f'<tr id="{text(anchor)}">{cells}</tr>')
    columns = "".join(
        f"<dt><code>{text(f.name)}</code></dt><dd>{text(f.description)}</dd>"
        for f in schema.fields
    )
    pages = (
        "Each record has its own page: follow its id."
        if data.key_of(name)
        else "Each row is a span of a source: follow its quote to see it marked there."
        if data.is_span_table(name)
        else ""
    )
    body = (
        f'<p class="crumbs"><a href="../index.html">nzdefence</a> › {text(name)}</p>\n'
        f'<h1>{text(schema.title)}</h1>\n<p class="lead">{text(schema.description)}</p>\n'
        f"<p>{len(data.rows[name])} rows. {pages}</p>\n"
        f"<details><summary>What each column holds</summary><dl>{columns}</dl></details>\n"
        '<div class="scroll"><table class="records"><thead><tr>'
        f"{head}</tr></thead>\n<tbody>\n"
        + "\n".join(lines)
        + "\n</tbody></table></div>"
    )
    return page(data, schema.title, body, 1)


def fields_html(data: Dataset, name: str, row: dict, depth: int) -> str:
    lines = []
    for f in data.schemas[name].fields:
        value = record_cell(data, name, row, f.name, depth, own_page=True)
        meaning = dict(f.enum_descriptions).get(row.get(f.name)) if f.enum else None
        if meaning:
            value += f' <span class="muted">— {text(meaning)}</span>'
        lines.append(
            f'<tr><th scope="row"><code>{text(f.name)}</code></th>'
            f"<td>{value or '<span class=muted>empty</span>'}</td>"
            f'<td class="description">{text(f.description)}</td></tr>'
        )
    return (
        '<table class="fields"><thead><tr><th scope="col">field</th><th scope="col">value'
        '</th><th scope="col">what it means</th></tr></thead><tbody>'
        + "".join(lines)
        + "</tbody></table>"
    )


def evidence_html(data: Dataset, quotes: list[dict], depth: int) -> str:
    sources = data.records[data.sources_table]
    parts = []
    for row in quotes:
        source_id = row["source_id"]
        shown = excerpt(
            data.texts[source_id], source_id, row["quote_start"], row["quote_end"]
        )
        span = Span(row["quote_start"], row["quote_end"], EVIDENCE, row)
        where = "../" * depth + _href(
            f"{data.sources_table}/{source_id}.html#{span.anchor}"
        )
        source = sources.get(source_id, {"source_id": source_id})
        note = (
            f'<p class="note">Note: {text(row.get("note"))}</p>'
            if row.get("note")
            else ""
        )
        parts.append(
            '<figure class="evidence"><blockquote>'
            + ("…" if shown.clipped_start else "")
            + text(shown.before)
            + f"<mark>{text(shown.quote)}</mark>"
            + text(shown.after)
            + ("…" if shown.clipped_end else "")
            + "</blockquote><figcaption>"
            + f'<a href="{html.escape(where)}">{text(source_id)}, characters '
            + f"{row['quote_start']}–{row['quote_end']}</a> · review: "
            + f"<strong>{text(row.get('review'))}</strong><br>"
            + text(source_citation(source))
            + f"</figcaption>{note}</figure>"
        )
    return "\n".join(parts)


def references_html(data: Dataset, table: str, record_id: str, depth: int) -> str:
    found = data.references.get((table, record_id), [])
    if not found:
        return '<p class="muted">No record refers to this one.</p>'
    items = []
    for reference in found:
        label = data.label(reference.table, reference.row)
        items.append(
            f"<li>{link(data, reference.table, reference.row, depth)}"
            f' <span class="muted">({text(reference.column)})</span>'
            + (f" — {text(label)}" if label else "")
            + "</li>"
        )
    return f'<ul class="references">{"".join(items)}</ul>'


def citation_html(data: Dataset, table: str, row: dict, quotes: list[dict]) -> str:
    key = data.key_of(table)
    address = data.address(table, row)
    label = data.label(table, row)
    sources = data.records[data.sources_table]
    cited = list(dict.fromkeys(quote["source_id"] for quote in quotes))
    record = f"Record {table}/{row[key]}" + (f", “{label}”" if label else "")
    parts = [cite(), f"{record}, {data.url(address)}."]
    if cited:
        parts.append(
            "Sources: "
            + " ".join(source_citation(sources.get(s, {"source_id": s})) for s in cited)
        )
    return f'<p class="citation">{text(" ".join(parts))}</p>'


def record_page(data: Dataset, name: str, row: dict) -> bytes:
    schema = data.schemas[name]
    key = data.key_of(name)
    record_id = row[key]
    quotes = data.evidence.get((name, record_id), [])
    label = data.label(name, row)
    title = f"{name}/{record_id}"
    supported = name in evidence_link(data.schemas).tables
    evidence_part = (
        f'<h2 id="evidence">Evidence: {len(quotes)} quote{"" if len(quotes) == 1 else "s"}'
        f"</h2>\n{evidence_html(data, quotes, 1)}\n"
        if supported
        else ""
    )
    body = (
        f'<p class="crumbs"><a href="../index.html">nzdefence</a> › '
        f'<a href="index.html">{text(name)}</a> › {text(record_id)}</p>\n'
        f"<h1>{text(label or record_id)}</h1>\n"
        f'<p class="lead"><code>{text(title)}</code> · {text(schema.description)}</p>\n'
        f"{fields_html(data, name, row, 1)}\n{evidence_part}"
        f'<h2 id="referred">Referred to by</h2>\n{references_html(data, name, record_id, 1)}\n'
        f'<h2 id="cite">Cite this record</h2>\n{citation_html(data, name, row, quotes)}'
    )
    return page(data, f"{label or record_id} ({title})", body, 1)


def marked_text(data: Dataset, source_id: str, depth: int) -> str:
    """The source's text with every span marked: the text is cut at every span's start and
    end, and each piece is one <mark> listing the spans it is in (data-spans), so spans that
    overlap or nest render correctly. A span's anchor stands where it starts; after its end,
    a superscript links to the records it supports, or gives the reason it was left out."""
    source_text = data.texts[source_id]
    spans = sorted(
        data.spans.get(source_id, []),
        key=lambda s: (s.start, s.end, s.table, _span_target(data, s)),
    )
    ends: dict[int, list[Span]] = {}
    for span in spans:
        ends.setdefault(span.end, []).append(span)
    cuts = sorted({0, len(source_text), *(s.start for s in spans), *ends})
    starting: dict[int, list[Span]] = {}
    for span in spans:
        starting.setdefault(span.start, []).append(span)
    active: dict[str, set[int]] = {}  # anchor -> ids of its open spans
    out = []
    for position, cut in enumerate(cuts):
        for span in ends.get(cut, []):
            anchor_spans = active.get(span.anchor)
            if anchor_spans is not None:
                anchor_spans.discard(id(span))
                if not anchor_spans:
                    del active[span.anchor]
        out.append(_closing_notes(data, ends.get(cut, []), depth))
        placed = set()
        for span in starting.get(cut, []):
            if span.anchor not in placed and span.anchor not in active:
                out.append(f'<span class="anchor" id="{span.anchor}"></span>')
            placed.add(span.anchor)
            if span.end > span.start:  # an empty span has its anchor and note, no mark
                active.setdefault(span.anchor, set()).add(id(span))
        if position + 1 == len(cuts):
            break
        piece = text(source_text[cut : cuts[position + 1]])
        if not active:
            out.append(piece)
            continue
        kinds = sorted({anchor.split("-", 1)[0] for anchor in active})
        classes = " ".join(f"in-{kind}" for kind in kinds) + (
            " overlap" if len(active) > 1 else ""
        )
        out.append(
            f'<mark class="{classes}" data-spans="{" ".join(sorted(active))}">{piece}</mark>'
        )
    return "".join(out)


def _span_target(data: Dataset, span: Span) -> str:
    if span.table == EVIDENCE:
        record_link = evidence_link(data.schemas)
        return f"{span.row[record_link.table_column]}/{span.row[record_link.record_column]}"
    return cell(span.row.get("reason"))


def _closing_notes(data: Dataset, closing: list[Span], depth: int) -> str:
    """The superscripts after spans that end here: the records a quote supports, the
    reason a passage was left out."""
    if not closing:
        return ""
    record_link = evidence_link(data.schemas)
    notes = []
    seen = set()
    for span in closing:
        if span.table == EVIDENCE:
            table = span.row[record_link.table_column]
            record_id = span.row[record_link.record_column]
            if (table, record_id) in seen:
                continue
            seen.add((table, record_id))
            target = data.records.get(table, {}).get(record_id)
            shown = f"{table}/{record_id}"
            notes.append(
                f'<sup class="ref">{link(data, table, target, depth, shown)}</sup>'
                if target
                else f'<sup class="ref">{text(shown)}</sup>'
            )
        else:
            reason = cell(span.row.get("reason")) or span.table
            note = cell(span.row.get("note"))
            notes.append(
                f'<sup class="excluded" title="{text(note)}">'
                f"{text(span.table)}: {text(reason)}</sup>"
            )
    return "".join(notes)


def coverage_line(data: Dataset, source_id: str) -> str:
    """How much of the source's non-blank text lies in evidence quotes and excluded passages."""
    source_text = data.texts[source_id]
    kinds: dict[str, list[tuple[int, int]]] = {}
    for span in data.spans.get(source_id, []):
        kinds.setdefault(span.table, []).append((span.start, span.end))
    blank = [char.isspace() for char in source_text]
    total = len(source_text) - sum(blank)
    covered_any = [False] * len(source_text)
    parts = []
    for kind in sorted(kinds):
        inside = [False] * len(source_text)
        for start, end in _merged(kinds[kind]):
            for position in range(start, min(end, len(source_text))):
                inside[position] = True
                covered_any[position] = True
        count = sum(
            1 for position, hit in enumerate(inside) if hit and not blank[position]
        )
        parts.append(f"{100 * count / max(total, 1):.0f}% in {text(kind)}")
    rest = sum(
        1 for position, hit in enumerate(covered_any) if not hit and not blank[position]
    )
    parts.append(f"{100 * rest / max(total, 1):.0f}% in neither")
    return (
        f"Of its {total} non-blank characters: "
        + ", ".join(parts)
        + " (a passage can be in both)."
    )


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def source_page(data: Dataset, row: dict) -> bytes:
    name = data.sources_table
    key = data.key_of(name)
    source_id = row[key]
    title = row.get("title") or f"Untitled source {source_id}"
    reasons = ""
    if EXCLUSIONS in data.schemas:
        reasons = "".join(
            f"<dt><code>{text(value)}</code></dt><dd>{text(meaning)}</dd>"
            for value, meaning in data.schemas[EXCLUSIONS]
            .field("reason")
            .enum_descriptions
        )
        reasons = f"<details><summary>Why passages are left out</summary><dl>{reasons}</dl></details>"
    others = [
        r
        for r in data.references.get((name, source_id), [])
        if not data.is_span_table(r.table)
    ]
    referred = (
        f'<h2 id="referred">Referred to by</h2>\n{references_html(data, name, source_id, 1)}\n'
        if others
        else ""
    )
    body = (
        f'<p class="crumbs"><a href="../index.html">nzdefence</a> › '
        f'<a href="index.html">{text(name)}</a> › {text(source_id)}</p>\n'
        f'<h1>{text(title)}</h1>\n<p class="lead">{text(source_citation(row))}</p>\n'
        f"<p>{coverage_line(data, source_id)}</p>\n"
        '<p class="legend"><mark class="in-evidence">a quote that is evidence for a record'
        '</mark><sup class="ref">its record</sup> · <mark class="in-exclusions">a passage '
        'left out</mark><sup class="excluded">the reason</sup> · <mark class="in-evidence '
        'in-exclusions">both</mark> · unmarked text is in neither.</p>\n'
        f"{reasons}\n"
        f'<div class="source-text" id="source-text">{marked_text(data, source_id, 1)}</div>\n'
        f'<h2 id="about">About this source</h2>\n{fields_html(data, name, row, 1)}\n'
        f"{referred}"
        f'<h2 id="cite">Cite this source</h2>\n<p class="citation">{text(source_citation(row))}'
        f" As stored in {text(cite())} {text(data.url(data.address(name, row)))}</p>"
    )
    return page(data, title, body, 1)


def files(
    data: Dataset, timeline: bytes | None
) -> Iterator[tuple[PurePosixPath, bytes]]:
    """Every file of the site, by path relative to its root, in a fixed order."""
    assets = resources.files("nzdefence")
    for asset in ASSETS:
        # The package's own files (site.css, site.js), never a checkout's.
        yield PurePosixPath(asset), (assets / asset).read_bytes()
    if timeline is not None:
        yield TIMELINE, timeline
    yield PurePosixPath("index.html"), index_page(data, timeline is not None)
    for name in data.schemas:
        yield PurePosixPath(name, "index.html"), table_page(data, name)
        key = data.key_of(name)
        if key is None:
            continue
        for row in data.rows[name]:
            content = (
                source_page(data, row)
                if name == data.sources_table
                else record_page(data, name, row)
            )
            yield PurePosixPath(name, f"{row[key]}.html"), content


def write_site(out: Path, content: Iterator[tuple[PurePosixPath, bytes]]) -> int:
    """Write every file into a new folder beside ``out``, then put it in ``out``'s place.
    ``out`` is replaced only if it is empty or a site this wrote before."""
    out = Path(out)
    if out.exists() and not (
        out.is_dir() and ((out / MARKER).is_file() or not any(out.iterdir()))
    ):
        message = f"{out}: exists and is not a site written by nzdefence site; name a new or empty folder"
        raise SiteError([message])
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(
        tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    )
    old = None
    try:
        staging.chmod(0o755)
        count = 0
        for relative, data in content:
            target = staging.joinpath(*relative.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            count += 1
        (staging / MARKER).write_text(
            "Written by nzdefence site; nzdefence site may replace this folder.\n",
            encoding="utf-8",
        )
        if out.exists():
            old = Path(
                tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".old")
            )
            os.replace(out, old / "site")
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if old is not None and (old / "site").exists() and not out.exists():
            os.replace(old / "site", out)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    return count


def build_site(folders: DataFolders, out: Path, *, base_url: str | None = None) -> int:
    """Read the published data at ``folders`` and write its site to ``out``; the number of
    files written. Raises SiteError or DataError, with what is wrong."""
    data = read(folders, base_url)
    problems = address_problems(data)
    if problems:
        raise SiteError(problems)
    timeline = None
    if folders.checkout is not None:
        from . import files as checkout_files
        from .plot import FIGURE_STEM, MAX_FIGURE_BYTES

        relative = FIGURE_STEM.with_suffix(".png").as_posix()
        try:
            timeline = checkout_files.read_bytes(
                folders.checkout, relative, limit=MAX_FIGURE_BYTES
            )
        except FileNotFoundError:
            timeline = None  # a site without the figure
        except checkout_files.UnsafePath as error:
            raise located(error.relative.as_posix(), error.reason) from None
    return write_site(out, files(data, timeline))
