"""scripts/reliability.py on two tiny extractions of source 003: records matched by their
evidence, fields compared with B's ids read as A's, and the figures it prints."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

from conftest import FACT_TABLES, LOCATED, REPO

SCRIPT = REPO / "scripts/reliability.py"
S003 = "003_8a1f498d118ab299"
S000 = "000_80944da66ceb52dd"
TABLES = (*FACT_TABLES, "evidence", "exclusions")


def text(source_id: str) -> str:
    path = REPO / "dataset/sources" / f"{source_id}.txt"
    with path.open(encoding="utf-8", newline="") as file:
        return file.read()


def write_extraction(folder: Path, rows: dict[str, list[dict]]) -> None:
    """One CSV per table with the schema's columns; cells not given are empty."""
    folder.mkdir()
    for table in TABLES:
        schema = json.loads((REPO / "schema" / f"{table}.schema.json").read_text())
        header = [field["name"] for field in schema["fields"]]
        with (folder / f"{table}.csv").open("w", encoding="utf-8", newline="") as file:
            writer = csv.DictWriter(file, header, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows.get(table, []))


def evidence(table: str, record: str, start: int, end: int, source=S003) -> dict:
    return {
        "record_table": table,
        "record_id": record,
        "source_id": source,
        "quote": text(source)[start:end],
        "quote_start": start,
        "quote_end": end,
        "review": "extracted",
    }


def exclusion(start: int, end: int, reason: str, source=S003) -> dict:
    return {
        "source_id": source,
        "quote": text(source)[start:end],
        "quote_start": start,
        "quote_end": end,
        "reason": reason,
        "review": "extracted",
        "note": "test",
    }


def agreement(id: str, status: str, parties: str, description: str) -> dict:
    return {
        "id": id,
        "name": id,
        "kind": "security_pact",
        "parties": parties,
        "status": status,
        "description": description,
    }


def milestone(id: str, agreement: str) -> dict:
    return {"id": id, "agreement": agreement, "stage": "signed", "countries": "NZL"}


def budget(id: str, value: str) -> dict:
    return {
        "id": id,
        "country": "NZL",
        "measure": "new_spending",
        "value": value,
        "unit": "NZD",
        "scale": "billion",
        "description": id,
    }


A = {
    "agreements": [
        agreement("pact", "signed", "JPN;NZL", "A pact."),
        agreement("other", "proposed", "NZL", "Another."),
        agreement("elsewhere", "proposed", "NZL", "Only in source 000."),
    ],
    "milestones": [
        milestone("pact-signed", "pact"),
        milestone("other-signed", "other"),
    ],
    "budgets": [budget("b12", "12"), budget("b9", "9")],
    "evidence": [
        evidence("agreements", "pact", 100, 200),
        evidence("agreements", "other", 300, 360),
        evidence("agreements", "elsewhere", 0, 50, source=S000),
        evidence("milestones", "pact-signed", 100, 150),
        evidence("milestones", "other-signed", 300, 340),
        evidence("budgets", "b12", 500, 600),
        evidence("budgets", "b9", 500, 600),
    ],
    "exclusions": [
        exclusion(700, 720, "commentary"),
        exclusion(0, 10, "commentary", S000),
    ],
}
B = {
    "agreements": [
        # the same pact, its parties in another order and its description in other words
        agreement("the-pact", "announced", "NZL;JPN", "The pact."),
        # shares 29 characters with A's "other", less than half of its 60: no match, though
        # the ids are the same
        agreement("other", "proposed", "NZL", "Another."),
    ],
    "milestones": [
        milestone("the-pact-signed", "the-pact"),
        milestone("other-signed", "other"),
    ],
    # the same span as both of A's budgets: ids in the other order, so only the fields tell
    "budgets": [budget("a-nine", "9"), budget("z-twelve", "12")],
    "evidence": [
        evidence("agreements", "the-pact", 110, 200),
        evidence("agreements", "other", 331, 431),
        evidence("milestones", "the-pact-signed", 100, 150),
        evidence("milestones", "other-signed", 300, 340),
        evidence("budgets", "a-nine", 500, 600),
        evidence("budgets", "z-twelve", 500, 600),
    ],
    "exclusions": [exclusion(702, 720, "attributed_inference")],
}


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_records_match_by_evidence_and_fields_compare_through_the_matching(tmp_path):
    write_extraction(tmp_path / "a", A)
    write_extraction(tmp_path / "b", B)
    listed = tmp_path / "disagreements.csv"
    result = run(
        str(tmp_path / "a"), str(tmp_path / "b"), "--disagreements", str(listed)
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    # agreements: 9 compared fields (kind, parties, accession_to, status, nz_signatory and
    # the four date columns); milestones 9; budgets 12; exclusions 2 (reason, recorded_in)
    assert "| agreements | 2 | 2 | 1 | 50.0% | 9 | 8 | 88.9% |" in lines
    assert "| milestones | 2 | 2 | 2 | 100.0% | 18 | 17 | 94.4% |" in lines
    assert "| budgets | 2 | 2 | 2 | 100.0% | 24 | 24 | 100.0% |" in lines
    assert "| statements | 0 | 0 | 0 | – | 0 | 0 | – |" in lines
    assert "| exclusions | 1 | 1 | 1 | 100.0% | 2 | 1 | 50.0% |" in lines
    assert lines[-1] == (
        "Overall (all records, exclusions included): 6 matched of 7 in A and 7 in B, "
        "matched share 85.7%; 50 of 53 compared fields equal, 94.3%."
    )
    with listed.open(encoding="utf-8", newline="") as file:
        rows = [tuple(row) for row in csv.reader(file)]
    assert rows == [
        ("table", "a_record", "b_record", "field", "a_value", "b_value", "what"),
        ("agreements", "other", "", "", text(S003)[300:360], "", "record only in A"),
        ("agreements", "", "other", "", "", text(S003)[331:431], "record only in B"),
        ("agreements", "pact", "the-pact", "status", "signed", "announced", ""),
        # the same id on both sides, but B's "other" is not A's
        (
            "milestones",
            "other-signed",
            "other-signed",
            "agreement",
            "other",
            "other",
            "",
        ),
        (
            "exclusions",
            f"{S003}:700",
            f"{S003}:702",
            "reason",
            "commentary",
            "attributed_inference",
            "",
        ),
    ]


def test_a_missing_column_is_a_located_problem(tmp_path):
    write_extraction(tmp_path / "a", A)
    write_extraction(tmp_path / "b", B)
    evidence_csv = tmp_path / "b" / "evidence.csv"
    header, *rest = evidence_csv.read_text(encoding="utf-8").split("\n")
    evidence_csv.write_text(
        "\n".join([header.replace("quote_start", "start"), *rest]), encoding="utf-8"
    )
    result = run(str(tmp_path / "a"), str(tmp_path / "b"))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"{evidence_csv}:1:quote_start: column is missing"
    ]
    assert LOCATED.fullmatch(result.stderr.splitlines()[0])
