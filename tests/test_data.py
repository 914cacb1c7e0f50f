"""The data held to the project's rules: complete, evidenced, verbatim, dated honestly, covered."""

from __future__ import annotations

import pandas as pd
from conftest import REPO, edit_table, read_rows

from nzdefence.cli import main
from nzdefence.coverage import coverage
from nzdefence.schemas import FACT_TABLES
from nzdefence.validate import read_checkout, validate

CHECKOUT = read_checkout(REPO)
FRAMES = CHECKOUT.frames


def test_every_fact_table_has_rows_and_every_record_evidence():
    evidenced = set(
        zip(FRAMES["evidence"]["table"].astype(str), FRAMES["evidence"]["record_id"])
    )
    for table in FACT_TABLES:
        ids = FRAMES[table]["id"]
        assert len(ids) > 0, table
        assert not [i for i in ids if (table, i) not in evidenced], table


def test_every_source_is_cited():
    assert set(FRAMES["evidence"]["source_id"]) == set(FRAMES["sources"]["source_id"])


def test_quoted_statements_are_verbatim_in_the_source():
    texts = {
        row.source_id: (REPO / row.path).read_text(encoding="utf-8")
        for row in FRAMES["sources"].itertuples()
    }
    evidence = FRAMES["evidence"]
    for statement in FRAMES["statements"][
        FRAMES["statements"]["kind"] == "quote"
    ].itertuples():
        cited = evidence[
            (evidence["table"] == "statements")
            & (evidence["record_id"] == statement.id)
        ]
        assert any(statement.text in texts[source] for source in cited["source_id"]), (
            statement.id
        )


def test_every_inferred_date_says_how():
    for table in FACT_TABLES:
        frame = FRAMES[table]
        inferred = frame[frame["date_basis"] == "inferred"]
        assert inferred["note"].notna().all(), table
        assert (inferred["note"].str.len() > 20).all(), table


def test_every_number_appears_in_its_evidence():
    # The validator checks this for every numeric field; here it must hold on the real data...
    assert validate(REPO, with_frictionless=False).ok
    # ...and fail when a number is changed.
    budgets = FRAMES["budgets"]
    assert budgets["value"].notna().all()
    assert FRAMES["deployments"]["personnel"].notna().any()


def test_changed_number_is_caught(checkout):
    def inflate(rows):
        rows[0]["value"] = "13" if rows[0]["value"] != "13" else "14"

    edit_table(checkout, "budgets", inflate)
    problems = [str(p) for p in validate(checkout).problems]
    assert any(
        p.startswith("dataset/csv/budgets.csv:2:value:")
        and "does not appear in any evidence quote" in p
        for p in problems
    ), problems


def test_every_source_is_fully_covered(capsys):
    result = coverage(REPO, FRAMES)
    assert set(result) == set(FRAMES["sources"]["source_id"])
    for source_id, sentences in result.items():
        assert sentences, source_id
        assert all(sentence.covered for sentence in sentences), source_id
    assert main(["coverage", str(REPO)]) == 0
    assert "(100.0%)" in capsys.readouterr().out


def test_removing_an_exclusion_uncovers_its_sentence(checkout, capsys):
    excluded = read_rows(checkout / "dataset/csv/exclusions.csv")
    dated = next(row for row in excluded if any(ch.isdigit() for ch in row["quote"]))
    edit_table(
        checkout,
        "exclusions",
        lambda rows: rows.remove(next(r for r in rows if r == dated)),
    )
    assert main(["coverage", "--uncovered", str(checkout)]) == 1
    out = capsys.readouterr().out
    assert f"dataset/sources/{dated['source_id']}.txt:" in out and "UNCOVERED" in out


def test_no_outlet_adjectives_in_neutral_fields():
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
            if column not in FRAMES[table]:
                continue
            for value in FRAMES[table][column].dropna():
                assert not any(word in value.lower() for word in loaded), (
                    table,
                    column,
                    value,
                )


def test_dates_are_consistent_with_precision_in_real_data():
    for table in FACT_TABLES:
        frame = FRAMES[table]
        dated = frame[frame["date_start"].notna()]
        assert (dated["date_end"] >= dated["date_start"]).all()
        months = dated[dated["date_precision"] == "month"]
        assert (months["date_start"].dt.day == 1).all() and months[
            "date_end"
        ].dt.is_month_end.all()


def test_pandas_reads_csv_text_as_text():
    frame = pd.read_csv(
        REPO / "dataset/csv/statements.csv", dtype=str, keep_default_na=False
    )
    assert (frame.columns == list(FRAMES["statements"].columns)).all()
