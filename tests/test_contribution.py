"""``nzdefence validate --base REF`` and ``--format github``: a contribution checked against the
branch it would change, in a real git repository, and its problems as workflow annotations.

Each test commits the corpus's small valid checkout (tests/contributions/base) as the base, then
changes files as a contribution would, and checks exactly what is printed.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import assemble, edit_table

from nzdefence.cli import main
from nzdefence.github import annotation, command_data, command_property
from nzdefence.problems import Problem

SOURCE = "dataset/sources/900_mini.txt"
BASE_SHA256 = "ae2a27f576468d59c84a81185127e225ca79341b9b99d01e0a9c3077acaf4ea8"
OK = (
    "ok: 14 tables, 17 rows, 7 evidence rows (5 verified); against main: no source "
    "changed, no evidence newly verified\n"
)
ONLY_A_MAINTAINER = (
    "only a maintainer's second reading may verify; set review=extracted"
)
FROZEN = (
    "a published source document may not change; add it as a new source with its own id"
)


def git(root: Path, *arguments: str) -> None:
    subprocess.run(
        [
            "git",
            "-C",
            str(root),
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.org",
            *arguments,
        ],
        check=True,
        capture_output=True,
    )


def build_base(folder: Path) -> Path:
    """The corpus's small valid checkout in ``folder``, its published files built (so that
    it is valid whatever state the corpus's own generated files are in)."""
    root = assemble(folder / "checkout")
    assert main(["build", str(root)]) == 0
    return root


@pytest.fixture(scope="module")
def base_checkout(tmp_path_factory) -> Path:
    return build_base(tmp_path_factory.mktemp("base"))


def committed(base_checkout: Path, tmp_path: Path, change=None) -> Path:
    """A repository whose branch main holds a copy of ``base_checkout`` (changed by
    ``change`` before the commit, if given)."""
    root = shutil.copytree(base_checkout, tmp_path / "repo")
    if change is not None:
        change(root)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    return root


def rebuilt(root: Path) -> None:
    """Build the published files from the changed CSVs, as a contributor would."""
    assert main(["build", str(root)]) == 0


def validate_base(root: Path, capsys, *extra: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["validate", str(root), "--base", "main", *extra])
    printed = capsys.readouterr()
    return code, printed.out, printed.err


def set_review(rows, review="verified"):
    for row in rows:
        row["review"] = review


def test_an_unchanged_checkout_passes(base_checkout, tmp_path, capsys):
    root = committed(base_checkout, tmp_path)
    assert validate_base(root, capsys) == (0, OK, "")


def test_a_rewritten_source_with_its_new_hash_and_quote_is_refused(
    base_checkout, tmp_path, capsys
):
    root = committed(base_checkout, tmp_path)
    path = root / SOURCE
    text = path.read_text(encoding="utf-8").replace(
        "from 26 soldiers", "from 28 soldiers"
    )
    path.write_text(text, encoding="utf-8", newline="")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()

    def sources(rows):
        rows[0]["sha256"] = digest

    def evidence(rows):
        rows[2]["quote"] = rows[2]["quote"].replace("26", "28")

    def deployments(rows):
        rows[0]["personnel_before"] = "28"
        rows[0]["description"] = rows[0]["description"].replace("26", "28")

    for table, change in (
        ("sources", sources),
        ("evidence", evidence),
        ("deployments", deployments),
    ):
        edit_table(root, table, change)
    rebuilt(root)
    assert main(["validate", str(root)]) == 0  # the checkout alone cannot tell
    capsys.readouterr()
    code, out, err = validate_base(root, capsys)
    assert code == 1
    assert out.splitlines() == [
        (
            "dataset/csv/evidence.csv:4:review: changed (quote) but still marked verified: "
            f"{ONLY_A_MAINTAINER}"
        ),
        (
            f"dataset/csv/sources.csv:2:sha256: changed; main has '{BASE_SHA256}': a "
            "published source's sha256, characters and path may not change; add it as a new "
            "source with its own id"
        ),
        f"{SOURCE}:3:-: differs from main from this line on: {FROZEN}",
    ]
    assert err == "3 problem(s) found.\n"


def test_a_removed_source_document_is_refused(base_checkout, tmp_path, capsys):
    root = committed(base_checkout, tmp_path)
    (root / SOURCE).unlink()
    code, out, _ = validate_base(root, capsys)
    assert code == 1
    assert f"{SOURCE}:0:-: removed; main has it: {FROZEN}" in out.splitlines()


def test_evidence_marked_verified_by_the_contribution_is_reported(
    base_checkout, tmp_path, capsys
):
    root = committed(base_checkout, tmp_path)
    edit_table(root, "evidence", set_review)
    rebuilt(root)
    assert main(["validate", str(root)]) == 0
    capsys.readouterr()
    code, out, err = validate_base(root, capsys)
    assert (code, err) == (1, "2 problem(s) found.\n")
    assert out.splitlines() == [
        f"dataset/csv/evidence.csv:5:review: newly marked verified: {ONLY_A_MAINTAINER}",
        f"dataset/csv/evidence.csv:6:review: newly marked verified: {ONLY_A_MAINTAINER}",
    ]


def test_new_evidence_that_arrives_verified_is_reported(
    base_checkout, tmp_path, capsys
):
    # The base lacks the budget's evidence row; the contribution adds it, verified.
    taken = []
    root = committed(
        base_checkout,
        tmp_path,
        lambda root: edit_table(
            root, "evidence", lambda rows: taken.append(rows.pop(3))
        ),
    )
    verified = dict(taken[0], review="verified")
    edit_table(root, "evidence", lambda rows: rows.insert(3, verified))
    rebuilt(root)
    code, out, _ = validate_base(root, capsys)
    assert code == 1
    assert out == (
        f"dataset/csv/evidence.csv:5:review: newly marked verified: {ONLY_A_MAINTAINER}\n"
    )


def test_verified_evidence_changed_by_the_contribution_is_reported(
    base_checkout, tmp_path, capsys
):
    root = committed(base_checkout, tmp_path)

    def shorten(rows):
        rows[0]["quote"] = rows[0]["quote"].removesuffix(".")
        rows[0]["quote_end"] = "90"

    edit_table(root, "evidence", shorten)
    rebuilt(root)
    code, out, _ = validate_base(root, capsys)
    assert code == 1
    assert out == (
        "dataset/csv/evidence.csv:2:review: changed (quote, quote_end) but still marked "
        f"verified: {ONLY_A_MAINTAINER}\n"
    )


def test_a_record_edited_under_verified_evidence_is_reported(
    base_checkout, tmp_path, capsys
):
    # The exercise's evidence is verified, the budget's only extracted: only the first counts.
    root = committed(base_checkout, tmp_path)
    for table in ("exercises", "budgets"):
        edit_table(root, table, lambda rows: rows[0].update(description="Reworded."))
    rebuilt(root)
    code, out, _ = validate_base(root, capsys)
    assert code == 1
    assert out == (
        "dataset/csv/evidence.csv:3:review: its exercises record was changed (description) "
        f"but this is still marked verified: {ONLY_A_MAINTAINER}\n"
    )


def test_an_unknown_ref_is_a_message_not_a_traceback(base_checkout, tmp_path, capsys):
    root = committed(base_checkout, tmp_path)
    assert main(["validate", str(root), "--base", "no-such-branch"]) == 1
    printed = capsys.readouterr()
    assert printed.out == ""
    assert printed.err == (
        "nzdefence: no-such-branch: no such branch, tag or commit here; fetch it first "
        "(in GitHub Actions: actions/checkout with fetch-depth: 0)\n"
    )


def test_a_ref_that_git_would_read_as_an_option_is_refused(
    base_checkout, tmp_path, capsys
):
    root = committed(base_checkout, tmp_path)
    witness = tmp_path / "written"
    for ref in (f"--output={witness}", "-h", "main:dataset", "main\n"):
        assert main(["validate", str(root), f"--base={ref}", "--format", "github"]) == 1
        printed = capsys.readouterr()
        shown = ref.replace("\n", "\\n")
        reason = (
            f"{shown}: not a git branch, tag or commit name (it must not start with "
            "'-' or hold ':', spaces or control characters)"
        )
        assert printed.out == f"::error title=nzdefence::{reason}\n"
        assert printed.err == f"nzdefence: {reason}\n"
    assert not witness.exists()


def test_without_git_the_message_says_so(base_checkout, tmp_path, capsys, monkeypatch):
    root = committed(base_checkout, tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))
    assert main(["validate", str(root), "--base", "main"]) == 1
    assert capsys.readouterr().err == (
        "nzdefence: git is not installed (or not on PATH); --base and diff read the base "
        "with git\n"
    )


def test_a_checkout_outside_git_is_a_message(tmp_path, capsys, monkeypatch):
    root = assemble(tmp_path / "plain")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    assert main(["validate", str(root), "--base", "main"]) == 1
    printed = capsys.readouterr()
    assert printed.out == ""
    assert printed.err.startswith(
        "nzdefence: git rev-parse failed: fatal: not a git repository"
    )


def test_workflow_command_escaping_follows_the_actions_toolkit():
    assert command_data("50%\r\nnext::x") == "50%25%0D%0Anext::x"
    assert command_property("a,b: 5%\n") == "a%2Cb%3A 5%25%0A"


def test_an_annotation_cannot_start_a_second_command():
    problem = Problem(
        "dataset/sources/a,b:c.txt", 3, "note", "100% wrong\n::error::forged, really"
    )
    assert annotation(problem) == (
        "::error file=dataset/sources/a%2Cb%3Ac.txt,line=3,col=1,title=nzdefence%3A note"
        "::100%25 wrong\\n::error::forged, really"
    )
    whole_file = Problem("sub/../x.csv", 0, "", "empty")
    assert (
        annotation(whole_file, "data")
        == "::error file=data/x.csv,title=nzdefence::empty"
    )


def test_github_format_annotates_each_problem_on_its_line(
    base_checkout, tmp_path, capsys, monkeypatch
):
    # The base has a source document whose name holds a comma and a colon; the contribution
    # removes it, and marks the budget's evidence verified.
    def odd_source(root):
        (root / "dataset/sources/x,y:z.txt").write_text("words\n", encoding="utf-8")

    root = committed(base_checkout, tmp_path, odd_source)
    (root / "dataset/sources/x,y:z.txt").unlink()
    edit_table(root, "evidence", lambda rows: set_review(rows[3:4]))
    rebuilt(root)
    capsys.readouterr()
    monkeypatch.chdir(root)
    assert main(["validate", "--base", "main", "--format", "github"]) == 1
    printed = capsys.readouterr()
    assert printed.out.splitlines() == [
        (
            "::error file=dataset/csv/evidence.csv,line=5,col=1,title=nzdefence%3A review"
            f"::newly marked verified: {ONLY_A_MAINTAINER}"
        ),
        (
            "::error file=dataset/sources/x%2Cy%3Az.txt,title=nzdefence::removed; main has "
            f"it: {FROZEN}"
        ),
    ]
    assert printed.err == "2 problem(s) found.\n"


def test_build_check_speaks_github_too(tmp_path, capsys, monkeypatch):
    root = assemble(tmp_path / "checkout")
    edit_table(root, "exercises", lambda rows: rows[0].update(kind="war,game: 100%"))
    monkeypatch.chdir(tmp_path)
    assert main(["build", "checkout", "--check", "--format", "github"]) == 1
    assert capsys.readouterr().out == (
        "::error file=checkout/dataset/csv/exercises.csv,line=2,col=1,title=nzdefence%3A kind"
        "::'war,game: 100%25' is not an allowed value; allowed: exercise, transit, patrol, "
        "port_visit, surveillance\n"
    )
