"""Partners by year: the derived table counts what the CSVs hold, traceably, and goes stale
with them."""

from __future__ import annotations

import json
from collections import defaultdict

import pycountry
from conftest import REPO, edit_table, read_rows

from nzdefence.cli import main
from nzdefence.partners import (
    TOPIC_COUNTRY,
    TOPICS_WITHOUT_COUNTRY,
    csv_bytes,
    partners_by_year,
)

DERIVED = "dataset/derived/partners_by_year.csv"
IDS = {
    "agreements": "agreement_ids",
    "exercises": "exercise_ids",
    "deployments": "deployment_ids",
    "capabilities": "capability_ids",
    "engagements": "engagement_ids",
    "statements": "statement_ids",
}
STALE = "differs from what nzdefence build writes; run nzdefence build"


def derived_rows(root=REPO) -> list[dict[str, str]]:
    return read_rows(root / DERIVED)


def table(name: str) -> list[dict[str, str]]:
    return read_rows(REPO / "dataset/csv" / f"{name}.csv")


def independent_count(partner: str) -> dict[str, dict[str, set[str]]]:
    """{year or "": {table: ids}}, counted here from the CSVs by the definitions the README
    gives, without the package's code."""
    # Place names of the sources that name a country without being its pycountry name.
    aliases = {"Wellington": "NZL", "Britain": "GBR"}

    def place(text: str) -> str:
        if text in aliases:
            return aliases[text]
        try:
            return pycountry.countries.lookup(text).alpha_3 if text else ""
        except LookupError:
            return ""

    speakers = {row["id"]: row["country"] for row in table("actors")}
    topics = {
        "united_states": "USA",
        "china": "CHN",
        "japan": "JPN",
        "united_kingdom": "GBR",
    }

    def items(cell: str) -> set[str]:
        return set(cell.split(";")) - {""}

    countries = {
        "agreements": lambda r: set(r["parties"].split(";")),
        "exercises": lambda r: {
            *r["participants"].split(";"),
            r["lead"],
            place(r["location"]),
        },
        "deployments": lambda r: {r["sending_country"], place(r["destination"])},
        "capabilities": lambda r: {r["buyer"], *items(r["suppliers"])},
        "engagements": lambda r: (
            items(r["sending_countries"]) | items(r["host_countries"])
        ),
        "statements": lambda r: {
            speakers[r["speaker"]],
            *(topics.get(topic, "") for topic in items(r["topics"])),
        },
    }
    counted: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for name, involved in countries.items():
        for row in table(name):
            if not {"NZL", partner} <= involved(row):
                continue
            if not row["date_start"]:
                counted[""][name].add(row["id"])
                continue
            first, last = int(row["date_start"][:4]), int(row["date_end"][:4])
            for year in range(first, last + 1):
                counted[str(year)][name].add(row["id"])
    return counted


def test_real_counts_match_a_count_made_from_the_csvs(real_report):
    # The committed file is what the code computes now...
    fresh = csv_bytes(partners_by_year(real_report.checkout.tables))
    assert (REPO / DERIVED).read_bytes() == fresh
    # ...and what a count made here, without the package, finds.
    rows = derived_rows()
    for partner in ("JPN", "USA", "GBR", "AUS"):
        expected = independent_count(partner)
        got = {row["year"]: row for row in rows if row["partner"] == partner}
        assert set(got) == set(expected), partner
        for year, row in got.items():
            for name, column in IDS.items():
                ids = set(row[column].split(";")) - {""}
                assert ids == expected[year][name], (partner, year, name)
                assert int(row[name]) == len(ids)
            assert int(row["records"]) == sum(int(row[name]) for name in IDS)
    # Spot checks a reader can verify by eye in the CSVs.
    japan_2025 = next(r for r in rows if r["partner"] == "JPN" and r["year"] == "2025")
    assert japan_2025["agreement_ids"] == "nz-japan-acsa-2025;nz-japan-isa-2025"
    # A Japanese port visit to Wellington involves New Zealand by its location.
    assert "jmsdf-wellington-port-visit-2025-08" in japan_2025["exercise_ids"]
    # Agreements between other countries are not New Zealand's partnerships.
    assert not any(r["partner"] in ("SLB", "NLD") for r in rows)


def test_undated_records_are_counted_apart_never_in_a_year():
    rows = derived_rows()
    undated_australia = next(r for r in rows if r["partner"] == "AUS" and not r["year"])
    assert "five-eyes" in undated_australia["agreement_ids"].split(";")
    assert not any(
        "five-eyes" in r["agreement_ids"].split(";") for r in rows if r["year"]
    )


def test_a_record_made_undated_moves_to_the_undated_row(checkout):
    def undate(rows):
        row = next(r for r in rows if r["id"] == "nz-philippines-svfa")
        for column in ("date_start", "date_end", "date_precision", "date_basis"):
            row[column] = ""

    edit_table(checkout, "agreements", undate)
    assert main(["build", str(checkout)]) == 0
    philippines = {
        r["year"]: r["agreement_ids"]
        for r in derived_rows(checkout)
        if r["partner"] == "PHL" and r["agreement_ids"]
    }
    assert philippines == {"": "nz-philippines-svfa"}


def test_a_changed_date_makes_the_table_and_its_figure_stale(checkout, capsys):
    def move(rows):
        row = next(r for r in rows if r["id"] == "nz-philippines-svfa")
        row["date_start"], row["date_end"] = "2024-04-01", "2024-04-30"

    edit_table(checkout, "agreements", move)
    assert main(["build", "--check", str(checkout)]) == 1
    reported = capsys.readouterr().out.splitlines()
    assert f"{DERIVED}:0:-: {STALE}" in reported
    assert (
        "docs/partners.png:0:-: the partners figure shows other data than the CSVs "
        "hold; run nzdefence build" in reported
    )
    before = (checkout / "docs/partners.png").read_bytes()
    assert main(["build", str(checkout)]) == 0
    assert (checkout / "docs/partners.png").read_bytes() != before
    assert {
        r["year"]
        for r in derived_rows(checkout)
        if r["partner"] == "PHL" and r["agreement_ids"]
    } == {"2024"}
    assert main(["build", "--check", str(checkout)]) == 0


def test_every_listed_id_is_a_record_of_its_table():
    rows = derived_rows()
    assert rows
    for name, column in IDS.items():
        known = {row["id"] for row in table(name)}
        listed = {i for row in rows for i in row[column].split(";") if i}
        assert listed <= known, name
    assert all(len(r["partner"]) == 3 and r["partner"] != "NZL" for r in rows)


def test_every_statement_topic_is_decided():
    schema = json.loads(
        (REPO / "schema/statements.schema.json").read_text(encoding="utf-8")
    )
    (topics,) = [f for f in schema["fields"] if f["name"] == "topics"]
    decided = [*TOPIC_COUNTRY, *TOPICS_WITHOUT_COUNTRY]
    assert sorted(decided) == sorted(topics["itemConstraints"]["enum"])


def test_the_package_describes_the_derived_table_apart_from_the_verified_ones():
    package = json.loads((REPO / "datapackage.json").read_text(encoding="utf-8"))
    (resource,) = [r for r in package["resources"] if r["path"] == DERIVED]
    header = (REPO / DERIVED).read_text(encoding="utf-8").splitlines()[0]
    assert [f["name"] for f in resource["schema"]["fields"]] == header.split(",")
    # Not among the hand-verified tables, each of which has a schema file.
    assert not (REPO / "dataset/csv/partners_by_year.csv").exists()
    assert not (REPO / "schema/partners_by_year.schema.json").exists()
