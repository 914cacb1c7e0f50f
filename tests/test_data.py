"""The real data held to the project's rules where ``nzdefence validate`` does not check them:
every table used, every source cited and covered, dates inferred with a reason, neutral words.
(What validate checks, it checks on the real data in test_validate.py.)"""

from __future__ import annotations

import re

import pytest
from conftest import FACT_TABLES, REPO, edit_table, read_rows

from nzdefence.cli import main
from nzdefence.validate import validate


@pytest.fixture(scope="module")
def frames(real_report):
    return real_report.checkout.frames


def test_every_fact_table_has_rows(frames):
    assert [table for table in FACT_TABLES if frames[table].empty] == []


def test_every_source_is_cited_by_evidence(frames):
    assert set(frames["evidence"]["source_id"]) == set(frames["sources"]["source_id"])


def test_every_inferred_date_has_a_note_that_can_say_how(frames):
    # validate requires a note; a few words are the least that can say how.
    dated = [(table, "date_basis") for table in FACT_TABLES]
    for table, basis in [*dated, ("sources", "published_basis")]:
        frame = frames[table]
        notes = frame.loc[frame[basis] == "inferred", "note"].fillna("")
        assert [note for note in notes if len(note) <= 20] == [], table


@pytest.mark.parametrize(
    ("table", "column"), [("budgets", "value"), ("deployments", "personnel")]
)
def test_every_number_is_in_its_evidence_and_a_changed_one_is_caught(
    checkout, table, column
):
    # Exactly one problem: every other number of the real data is in its evidence.
    rows = read_rows(checkout / f"dataset/csv/{table}.csv")
    position = next(i for i, row in enumerate(rows) if row[column])

    def change(rows):
        rows[position][column] = "987654"

    edit_table(checkout, table, change)
    expected = (
        f"dataset/csv/{table}.csv:{position + 2}:{column}: 987654 does not appear in "
        f"any evidence quote of {rows[position]['id']!r}; quote the words that give it"
    )
    assert [str(problem) for problem in validate(checkout).problems] == [expected]


def test_every_fact_bearing_sentence_of_every_source_is_covered(capsys):
    assert main(["coverage", "--uncovered", str(REPO)]) == 0
    lines = capsys.readouterr().out.splitlines()
    sources = sorted(path.stem for path in (REPO / "dataset/sources").glob("*.txt"))
    assert [line.split(":")[0] for line in lines] == sources
    complete = re.compile(r"\S+: (\d+)/\1 fact-bearing sentences covered \(100\.0%\)")
    assert [line for line in lines if not complete.fullmatch(line)] == []


def test_removing_an_exclusion_uncovers_its_sentence(checkout, capsys):
    excluded = read_rows(checkout / "dataset/csv/exclusions.csv")
    evidence = read_rows(checkout / "dataset/csv/evidence.csv")

    def quoted_as_evidence(row: dict) -> bool:
        # A dateline can be both excluded as metadata and quoted for a date; removing its
        # exclusion then uncovers nothing, so the test needs a passage only the ledger covers.
        start, end = int(row["quote_start"]), int(row["quote_end"])
        return any(
            quote["source_id"] == row["source_id"]
            and int(quote["quote_start"]) < end
            and start < int(quote["quote_end"])
            for quote in evidence
        )

    dated = next(
        row
        for row in excluded
        if any(ch.isdigit() for ch in row["quote"]) and not quoted_as_evidence(row)
    )
    edit_table(checkout, "exclusions", lambda rows: rows.remove(dated))
    assert main(["coverage", "--uncovered", str(checkout)]) == 1
    uncovered = [
        line for line in capsys.readouterr().out.splitlines() if "UNCOVERED" in line
    ]
    assert len(uncovered) == 1, uncovered
    where = f"dataset/sources/{dated['source_id']}.txt:"
    where += f"{dated['quote_start']}-{dated['quote_end']}: UNCOVERED ("
    assert uncovered[0].startswith(where)


def test_no_outlet_adjectives_in_neutral_fields(frames):
    # The outlets' own characterisations must never be recorded as facts.
    loaded = (
        "fascist",
        "imperialist",
        "provocation",
        "encirclement",
        "war criminal",
        "genocide",
        "hypocris",
    )
    for table in ("agreements", "exercises", "deployments", "budgets"):
        for column in ("name", "description", "purpose", "unit"):
            if column not in frames[table]:
                continue
            for value in frames[table][column].dropna():
                assert not any(word in value.lower() for word in loaded), (
                    table,
                    column,
                    value,
                )
