"""``nzdefence diff REF``: records added, removed and changed per table against a real git base,
field by field, with their evidence; as plain text and as inert Markdown for a job summary."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd
import pytest
from conftest import edit_table
from test_contribution import build_base, committed

from nzdefence import diff as diff_module
from nzdefence.cli import main
from nzdefence.contribution import compare_records
from nzdefence.diff import markdown_text

QUOTE = (
    "In April 2025 the frigate HMNZS Example joined Exercise Kiwi Shield in the Tasman Sea "
    "with Australia’s navy."
)
QUOTE_MD = QUOTE.replace(".", "&#46;")
HOSTILE = "Joined | *Kiwi* <b>Shield</b> `x`\nsee [this](http://e.org)"


@pytest.fixture(scope="module")
def base_checkout(tmp_path_factory) -> Path:
    return build_base(tmp_path_factory.mktemp("base"))


@pytest.fixture
def contribution(base_checkout: Path, tmp_path: Path) -> Path:
    """The base, then: an exercise's description changed (to text that is Markdown and HTML),
    an exercise added with its evidence, the budget and its evidence removed."""
    root = committed(base_checkout, tmp_path)

    def exercises(rows):
        rows[0]["description"] = HOSTILE
        rows.append(dict(rows[0], id="kiwi-shield-2026", description="A second one."))

    def evidence(rows):
        rows.pop(3)
        rows.append(dict(rows[1], record_id="kiwi-shield-2026", review="extracted"))

    edit_table(root, "exercises", exercises)
    edit_table(root, "budgets", lambda rows: rows.clear())
    edit_table(root, "evidence", evidence)
    return root


def run(capsys, *arguments: str) -> tuple[int, str, str]:
    code = main(["diff", *arguments])
    printed = capsys.readouterr()
    return code, printed.out, printed.err


def commit_of(root: Path) -> str:
    done = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "main"], check=True, capture_output=True
    )
    return done.stdout.decode().strip()[:12]


def test_text_lists_each_record_added_removed_and_changed(contribution, capsys):
    code, out, err = run(capsys, "main", str(contribution))
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"Changes against main (commit {commit_of(contribution)}):",
        "exercises: 1 added, 0 removed, 1 changed",
        "  added kiwi-shield-2026 at dataset/csv/exercises.csv:4",
        '    name: "Exercise Kiwi Shield"',
        '    kind: "exercise"',
        '    participants: "NZL;AUS"',
        '    nz_assets: "HMNZS Example"',
        '    location: "Tasman Sea"',
        '    date_start: "2025-04-01"',
        '    date_end: "2025-04-30"',
        '    date_precision: "month"',
        '    date_basis: "stated"',
        '    description: "A second one."',
        f'    evidence 900_mini 92–200, extracted: "{QUOTE}"',
        "  changed kiwi-shield-2025 at dataset/csv/exercises.csv:2",
        (
            "    description: \"HMNZS Example joined Exercise Kiwi Shield with Australia's "
            'navy." → "Joined | *Kiwi* <b>Shield</b> `x`\\nsee [this](http://e.org)"'
        ),
        f'    evidence 900_mini 92–200, verified: "{QUOTE}"',
        "budgets: 0 added, 1 removed, 0 changed",
        "  removed nz-budget-5bn (line 2 in main)",
        "evidence: 1 added, 1 removed, 0 changed",
        "  added exercises / kiwi-shield-2026 / 900_mini / 92 at dataset/csv/evidence.csv:8",
        f'    quote: "{QUOTE}"',
        '    quote_end: "200"',
        '    review: "extracted"',
        "  removed budgets / nz-budget-5bn / 900_mini / 280 (line 5 in main)",
        (
            "unchanged: sources, actors, agreements, milestones, deployments, "
            "capabilities, documents, offices, engagements, statements, exclusions"
        ),
    ]


def test_markdown_summary_is_inert(contribution, capsys):
    code, out, _ = run(capsys, "main", str(contribution), "--format", "markdown")
    assert code == 0
    lines = out.splitlines()
    assert lines[:11] == [
        "### nzdefence diff against main",
        "",
        f"Commit {commit_of(contribution)}. Records are matched by their table's primary key.",
        "",
        "| table | added | removed | changed |",
        "| :-- | --: | --: | --: |",
        "| exercises | 1 | 0 | 1 |",
        "| budgets | 0 | 1 | 0 |",
        "| evidence | 1 | 1 | 0 |",
        "",
        (
            "Unchanged: sources, actors, agreements, milestones, deployments, "
            "capabilities, documents, offices, engagements, statements, exclusions."
        ),
    ]
    changed = lines.index(
        "**changed** kiwi&#45;shield&#45;2025, dataset&#47;csv&#47;exercises&#46;csv line 2"
    )
    assert lines[changed + 1 : changed + 10] == [
        "",
        "| field | before | after |",
        "| :-- | :-- | :-- |",
        (
            "| description | HMNZS Example joined Exercise Kiwi Shield with Australia&#39;s "
            "navy&#46; | Joined &#124; &#42;Kiwi&#42; &#60;b&#62;Shield&#60;&#47;b&#62; "
            "&#96;x&#96;&#92;nsee &#91;this&#93;&#40;http&#58;&#47;&#47;e&#46;org&#41; |"
        ),
        "",
        "| evidence | characters | review | quote |",
        "| :-- | :-- | :-- | :-- |",
        f"| 900&#95;mini | 92–200 | verified | {QUOTE_MD} |",
        "",
    ]
    assert "**removed** nz&#45;budget&#45;5bn (line 2 in main)" in lines
    # Nothing a contribution wrote can open a tag, a code span or a cell, or break a line.
    assert not any(char in out for char in "<>`") and "\\n" not in out
    assert all(line.count("|") in (0, 3, 4, 5) for line in lines)


def test_markdown_text_escapes_every_markup_character():
    assert markdown_text("a|b`c<d>&e*f_g[h](i)\x1b") == (
        "a&#124;b&#96;c&#60;d&#62;&#38;e&#42;f&#95;g&#91;h&#93;&#40;i&#41;&#92;x1b"
    )


def test_a_long_summary_stops_before_githubs_limit(contribution, capsys, monkeypatch):
    monkeypatch.setattr(diff_module, "MAX_SUMMARY_BYTES", 2500)
    code, out, _ = run(capsys, "main", str(contribution), "--format", "markdown")
    assert code == 0
    assert len(out.encode()) <= 2500
    assert out.endswith(
        "\n**The summary stops here**, short of GitHub's 1 MiB limit: run nzdefence diff "
        "main for all of it.\n"
    )


def test_no_change_says_so(base_checkout, tmp_path, capsys):
    root = committed(base_checkout, tmp_path)
    unchanged = (
        "sources, actors, agreements, milestones, exercises, deployments, budgets, "
        "capabilities, documents, offices, engagements, statements, evidence, exclusions"
    )
    code, out, _ = run(capsys, "main", str(root))
    assert code == 0
    assert out.splitlines()[1:] == ["no table changed", f"unchanged: {unchanged}"]
    code, out, _ = run(capsys, "main", str(root), "--format", "markdown")
    assert code == 0
    assert out.splitlines()[3:] == [
        "",
        "No table changed.",
        "",
        f"Unchanged: {unchanged}.",
    ]


def test_an_unknown_or_option_like_ref_is_a_message(contribution, capsys):
    assert run(capsys, "nope", str(contribution)) == (
        1,
        "",
        (
            "nzdefence: nope: no such branch, tag or commit here; fetch it first (in GitHub "
            "Actions: actions/checkout with fetch-depth: 0)\n"
        ),
    )
    assert run(capsys, "--", "--output=x", str(contribution)) == (
        1,
        "",
        (
            "nzdefence: --output=x: not a git branch, tag or commit name (it must not "
            "start with '-' or hold ':', spaces or control characters)\n"
        ),
    )


def test_records_are_matched_by_their_whole_key():
    key = ("record_table", "record_id")
    before = pd.DataFrame(
        {
            "record_table": ["a", "a", "b"],
            "record_id": ["x", "y", "x"],
            "v": ["1", "2", "3"],
        },
        index=pd.Index([2, 3, 4], name="line"),
    )
    after = pd.DataFrame(
        {
            "record_table": ["b", "a", "a", "c"],
            "record_id": ["x", "x", "x", "x"],
            "v": ["3", "9", "7", "4"],
        },
        index=pd.Index([2, 3, 4, 5], name="line"),
    )
    changes = compare_records(before, after, key)
    assert changes.added.index.tolist() == [5]
    assert changes.removed.index.tolist() == [3]
    # a/x is changed once, by its first record (validate reports the duplicate)
    assert changes.changed == [(3, 2, {"v": ("1", "9")})]
