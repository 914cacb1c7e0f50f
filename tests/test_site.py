"""``nzdefence site``: the pages hold what they promise, escape what they show, request
nothing from elsewhere, and work in a real browser (headless Chromium driven by Playwright)."""

from __future__ import annotations

import json
import os
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from nzdefence.cli import main
from nzdefence.layout import PARQUET_DIR, SCHEMA_DIR
from nzdefence.published import data_folders, evidence_link, read_schemas
from nzdefence.site import MARKER

REPO = Path(__file__).resolve().parents[1]
SCHEMAS = read_schemas(data_folders(REPO))
LINK = evidence_link(SCHEMAS)
CHROMIUM = Path("/usr/bin/chromium")
BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def rows(name: str, root: Path = REPO) -> list[dict]:
    return pq.read_table(root / PARQUET_DIR / f"{name}.parquet").to_pylist()


def source_text(source_id: str) -> str:
    path = REPO / "dataset" / "sources" / f"{source_id}.txt"
    return path.read_bytes().decode("utf-8")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    assert main(["site", str(out), str(REPO)]) == 0
    return out


def write_site(out: Path, root: Path) -> int:
    return main(["site", str(out), str(root)])


class SourcePage(HTMLParser):
    """The text of a source page's text block: all of it, and per span anchor the text of
    the marks carrying it; superscripts (the notes after spans) set apart."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # inside the source text block, how deep
        self.stack: list[tuple[str, list[str], bool]] = []
        self.text: list[str] = []
        self.spans: dict[str, list[str]] = {}
        self.anchors: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "div" and attributes.get("class") == "source-text":
            self.depth = 1
            self.stack = []
            return
        if not self.depth:
            return
        self.depth += tag not in ("br",)
        in_sup = tag == "sup" or any(sup for _, _, sup in self.stack)
        spans = (attributes.get("data-spans") or "").split()
        self.stack.append((tag, spans, in_sup))
        if tag == "span" and attributes.get("class") == "anchor":
            self.anchors.append(attributes["id"])
        if tag == "a" and in_sup:
            self.links.append(attributes["href"])

    def handle_endtag(self, tag):
        if not self.depth:
            return
        self.depth -= 1
        if self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not self.depth or any(sup for _, _, sup in self.stack):
            return
        self.text.append(data)
        for _, spans, _ in self.stack:
            for span in spans:
                self.spans.setdefault(span, []).append(data)


def parse_source_page(path: Path) -> SourcePage:
    parser = SourcePage()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_every_table_record_and_source_has_its_page(site):
    assert (site / "index.html").is_file() and (site / MARKER).is_file()
    for name, schema in SCHEMAS.items():
        assert (site / name / "index.html").is_file()
        if len(schema.primary_key) == 1:
            (key,) = schema.primary_key
            for row in rows(name):
                assert (site / name / f"{row[key]}.html").is_file(), (name, row[key])


def test_a_source_page_is_its_text_with_every_span_marked_exactly(site):
    """Unmarked and marked pieces together are the source, character for character, and
    the pieces of each span (however spans overlap) are its quote."""
    spans = [("evidence", r) for r in rows("evidence")]
    spans += [("exclusions", r) for r in rows("exclusions")]
    for source in rows("sources"):
        source_id = source["source_id"]
        page = parse_source_page(site / "sources" / f"{source_id}.html")
        assert "".join(page.text) == source_text(source_id)
        for table, row in spans:
            if row["source_id"] != source_id:
                continue
            anchor = f"{table}-{row['quote_start']}-{row['quote_end']}"
            assert "".join(page.spans[anchor]) == row["quote"], anchor
            assert anchor in page.anchors


def test_overlapping_spans_exist_in_the_data_and_are_split(site):
    """The test above covers overlaps only if the data has some; it does."""
    evidence = rows("evidence")
    by_source: dict[str, list[tuple[int, int]]] = {}
    for row in evidence:
        by_source.setdefault(row["source_id"], []).append(
            (row["quote_start"], row["quote_end"])
        )
    crossing = [
        (source, a, b)
        for source, spans in by_source.items()
        for a in spans
        for b in spans
        if a[0] < b[0] < a[1] < b[1]
    ]
    nested = [
        (source, a, b)
        for source, spans in by_source.items()
        for a in spans
        for b in spans
        if a != b and a[0] <= b[0] and b[1] <= a[1]
    ]
    assert crossing or nested
    source, outer, inner = (crossing or nested)[0]
    html = (site / "sources" / f"{source}.html").read_text(encoding="utf-8")
    both = sorted(
        [f"evidence-{outer[0]}-{outer[1]}", f"evidence-{inner[0]}-{inner[1]}"]
    )
    assert f'data-spans="{" ".join(both)}"' in html


def test_source_page_notes_link_each_quote_to_its_record(site):
    for source in rows("sources"):
        source_id = source["source_id"]
        page = parse_source_page(site / "sources" / f"{source_id}.html")
        expected = {
            f"../{r[LINK.table_column]}/{r[LINK.record_column]}.html"
            for r in rows("evidence")
            if r["source_id"] == source_id
        }
        assert set(page.links) == expected


def test_a_record_page_has_fields_quotes_references_and_citation(site):
    row = rows("evidence")[0]
    table, record_id = row[LINK.table_column], row[LINK.record_column]
    html = (site / table / f"{record_id}.html").read_text(encoding="utf-8")
    for field in SCHEMAS[table].fields:
        assert f"<code>{field.name}</code>" in html
    quote = (
        row["quote"].replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
    )
    assert f"<mark>{quote.replace(chr(39), '&#x27;')}</mark>" in html
    assert f"sources/{row['source_id']}.html#evidence-{row['quote_start']}-" in html
    assert "Cite this record" in html and f"Record {table}/{record_id}" in html


def test_records_named_by_a_foreign_key_list_who_refers_to_them(site):
    """statements.speaker is a foreign key to actors: each speaker's page lists the
    statements."""
    statements = rows("statements")
    speaker = statements[0]["speaker"]
    html = (site / "actors" / f"{speaker}.html").read_text(encoding="utf-8")
    for statement in statements:
        if statement["speaker"] == speaker:
            assert f'href="../statements/{statement["id"]}.html"' in html


def test_table_id_values_and_new_tables_are_referenced_generically(checkout, tmp_path):
    """A column of table:id values that the code has never heard of (a future
    statements.mentions) makes the records it names list the statement."""
    schema_file = checkout / SCHEMA_DIR / "statements.schema.json"
    descriptor = json.loads(schema_file.read_text(encoding="utf-8"))
    descriptor["fields"].append(
        {"name": "mentions", "type": "list", "description": "Records it mentions."}
    )
    schema_file.write_text(json.dumps(descriptor), encoding="utf-8")
    path = checkout / PARQUET_DIR / "statements.parquet"
    table = pq.read_table(path)
    mentions = [[] for _ in range(table.num_rows)]
    agreement = rows("agreements")[0]["id"]
    mentions[0] = [f"agreements:{agreement}", "agreements:no-such-record"]
    table = table.append_column("mentions", pa.array(mentions, pa.list_(pa.string())))
    pq.write_table(table, path)
    out = tmp_path / "site"
    assert write_site(out, checkout) == 0
    statement = table["id"][0].as_py()
    html = (out / "agreements" / f"{agreement}.html").read_text(encoding="utf-8")
    assert f'href="../statements/{statement}.html"' in html
    assert "(mentions)" in html
    own = (out / "statements" / f"{statement}.html").read_text(encoding="utf-8")
    assert f'href="../agreements/{agreement}.html">agreements:{agreement}</a>' in own
    assert "agreements:no-such-record" in own  # shown, not linked


def test_untrusted_text_is_escaped(checkout, tmp_path):
    path = checkout / PARQUET_DIR / "agreements.parquet"
    table = pq.read_table(path)
    names = table["name"].to_pylist()
    names[0] = (
        '<script>alert(1)</script><img src="https://evil.example/x" onerror=alert(2)>\x1b[31m\u202e'
    )
    index = table.schema.get_field_index("name")
    table = table.set_column(index, table.schema.field("name"), pa.array(names))
    pq.write_table(table, path)
    out = tmp_path / "site"
    assert write_site(out, checkout) == 0
    record = table["id"][0].as_py()
    for page in (
        out / "agreements" / f"{record}.html",
        out / "agreements" / "index.html",
    ):
        html = page.read_text(encoding="utf-8")
        assert "<script>alert" not in html and '<img src="https' not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert (
            "\x1b" not in html and "\u202e" not in html and "\\x1b[31m\\u202e" in html
        )


def test_an_id_that_cannot_be_a_file_name_is_a_problem(checkout, tmp_path, capsys):
    path = checkout / PARQUET_DIR / "agreements.parquet"
    table = pq.read_table(path)
    ids = table["id"].to_pylist()
    ids[0] = "../../escape"
    table = table.set_column(0, table.schema.field("id"), pa.array(ids))
    pq.write_table(table, path)
    out = tmp_path / "site"
    assert write_site(out, checkout) == 1
    assert "dataset/parquet/agreements.parquet:2:id: '../../escape' cannot be" in (
        capsys.readouterr().out
    )
    assert not out.exists() and not (tmp_path / "escape.html").exists()


def test_out_is_replaced_only_if_it_is_a_site(tmp_path, capsys):
    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "precious.txt").write_text("keep me", encoding="utf-8")
    assert write_site(mine, REPO) == 1
    assert "is not a site written by nzdefence site" in capsys.readouterr().out
    assert sorted(p.name for p in mine.iterdir()) == ["precious.txt"]
    out = tmp_path / "site"
    assert write_site(out, REPO) == 0
    (out / "stale.html").write_text("old", encoding="utf-8")
    assert write_site(out, REPO) == 0
    assert not (out / "stale.html").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_same_data_same_bytes(site, tmp_path):
    again = tmp_path / "again"
    assert write_site(again, REPO) == 0
    first = {
        p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()
    }
    second = {
        p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()
    }
    assert first == second


class Addresses(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src", "action", "data", "poster", "srcset") and value:
                self.found.append(value)


def test_every_address_in_every_page_is_a_file_of_the_site(site):
    for page in sorted(site.rglob("*.html")):
        parser = Addresses()
        parser.feed(page.read_text(encoding="utf-8"))
        for address in parser.found:
            parsed = urlparse(address)
            assert not parsed.scheme and not parsed.netloc, (page, address)
            target = (
                (page.parent / unquote(parsed.path)).resolve() if parsed.path else page
            )
            assert target.is_file() and site.resolve() in target.parents, (
                page,
                address,
            )


# In a real browser.


def browser():
    """Headless Chromium (the Debian package) through Playwright, or a skip saying what is
    missing (.ci/browser-deps installs both)."""
    # CI sets NZDEFENCE_BROWSER_TESTS=required: there a missing browser fails, never skips.
    missing = (
        pytest.fail
        if os.environ.get("NZDEFENCE_BROWSER_TESTS") == "required"
        else pytest.skip
    )
    try:
        import playwright.sync_api as playwright
    except ImportError:
        missing("Playwright is not installed: .ci/browser-deps")
    if not CHROMIUM.is_file():
        missing(f"no Chromium at {CHROMIUM}: .ci/browser-deps installs it")
    return playwright


@pytest.fixture(scope="module")
def chromium():
    playwright = browser()
    with playwright.sync_playwright() as driver:
        launched = driver.chromium.launch(
            executable_path=str(CHROMIUM), args=BROWSER_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def page(chromium):
    """A new tab that records the address of every request it makes."""
    context = chromium.new_context()
    tab = context.new_page()
    tab.requests = []
    tab.on("request", lambda request: tab.requests.append(request.url))
    yield tab
    context.close()


def test_in_a_browser_from_the_index_to_a_record_to_its_source(site, page):
    row = rows("evidence")[0]
    table, record_id = row[LINK.table_column], row[LINK.record_column]
    page.goto((site / "index.html").as_uri())
    page.click(f'a[href="{table}/index.html"] >> nth=-1')
    page.wait_for_url(f"**/{table}/index.html")
    page.click(f'td a[href="../{table}/{record_id}.html"]')
    page.wait_for_url(f"**/{table}/{record_id}.html")
    assert page.locator("h2#evidence").is_visible()
    anchor = f"evidence-{row['quote_start']}-{row['quote_end']}"
    page.click(f'figure.evidence a[href$="#{anchor}"]')
    page.wait_for_url(f"**/sources/{row['source_id']}.html#{anchor}")
    pieces = page.locator(f'mark[data-spans~="{anchor}"]')
    assert "".join(pieces.all_text_contents()) == row["quote"]
    # The script marks the span the address names.
    assert all(
        "target" in c for c in pieces.evaluate_all("ms => ms.map(m => m.className)")
    )
    assert page.locator(f"#{anchor}").count() == 1
    schemes = {urlparse(url).scheme for url in page.requests}
    assert schemes == {"file"}, page.requests
    assert not [url for url in page.requests if url.startswith(("http:", "https:"))]


def test_in_a_browser_a_table_sorts_and_filters(site, page):
    page.goto((site / "evidence" / "index.html").as_uri())
    rows_shown = page.locator("table.records tbody tr:visible")
    total = rows_shown.count()
    assert total == len(rows("evidence"))
    word = rows("evidence")[0][LINK.record_column]
    page.fill(".filter input", word)
    expected = sum(
        1
        for r in rows("evidence")
        if any(word.lower() in str(v).lower() for v in r.values() if v is not None)
    )
    assert 0 < rows_shown.count() == expected <= total
    page.fill(".filter input", "")
    page.click("th >> text=quote_start")
    starts = [
        int(t) for t in page.locator("tbody tr td:nth-child(5)").all_text_contents()
    ]
    assert starts == sorted(starts)
    page.click("th >> text=quote_start")
    starts = [
        int(t) for t in page.locator("tbody tr td:nth-child(5)").all_text_contents()
    ]
    assert starts == sorted(starts, reverse=True)
    assert {urlparse(url).scheme for url in page.requests} == {"file"}


def test_pages_read_without_scripts(site, chromium):
    context = chromium.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.goto((site / "agreements" / "index.html").as_uri())
    assert tab.locator("table.records tbody tr").count() == len(rows("agreements"))
    assert tab.locator(".filter").count() == 0  # the enhancement did not run
    context.close()


def test_evidence_link_column_read_from_the_schema_not_assumed(
    checkout, tmp_path, capsys
):
    """Rename evidence's link column in a copy: the
    evidence API, show and the site follow the schema."""
    import nzdefence

    schema_file = checkout / SCHEMA_DIR / "evidence.schema.json"
    old, new = LINK.table_column, "linked_table"
    descriptor = json.loads(
        schema_file.read_text(encoding="utf-8").replace(f'"{old}"', f'"{new}"')
    )
    schema_file.write_text(json.dumps(descriptor), encoding="utf-8")
    path = checkout / PARQUET_DIR / "evidence.parquet"
    table = pq.read_table(path)
    pq.write_table(
        table.rename_columns([new if c == old else c for c in table.column_names]), path
    )
    row = rows("evidence")[0]
    name, record_id = row[old], row[LINK.record_column]
    found = nzdefence.evidence(name, record_id, root=checkout)
    assert new in found.columns and old not in found.columns
    assert row["quote"] in set(found["quote"])
    loaded = nzdefence.load(name, directory=checkout / PARQUET_DIR, evidence=True)
    assert row["quote"] in loaded[loaded["id"] == record_id]["evidence_quotes"].iloc[0]
    assert main(["show", name, record_id, str(checkout)]) == 0
    assert f"»{row['quote']}«" in capsys.readouterr().out
    out = tmp_path / "site"
    assert write_site(out, checkout) == 0
    page = parse_source_page(out / "sources" / f"{row['source_id']}.html")
    assert f"../{name}/{record_id}.html" in page.links


def test_a_listed_source_without_its_file_is_a_message(checkout, tmp_path, capsys):
    source_id = rows("sources")[0]["source_id"]
    (checkout / "dataset" / "sources" / f"{source_id}.txt").unlink()
    assert write_site(tmp_path / "site", checkout) == 1
    assert capsys.readouterr().out == (
        f"dataset/sources/{source_id}.txt:0:-: missing, though the sources table lists "
        "it; run nzdefence validate\n"
    )
    row = next(r for r in rows("evidence") if r["source_id"] == source_id)
    show = [
        "show",
        row[LINK.table_column],
        row[LINK.record_column],
        str(checkout),
    ]
    assert main(show) == 1
    assert f"no source {source_id!r}" in capsys.readouterr().err


def test_site_from_the_installed_data_without_a_checkout_path(tmp_path):
    """Without a checkout path the site is built from the data the package carries."""
    out = tmp_path / "site"
    assert main(["site", str(out)]) == 0
    assert (out / "index.html").is_file()
    shutil.rmtree(out)
