"""nzdefence locate: offsets ready to paste, or the closest passages as the source has them."""

from __future__ import annotations

from conftest import REPO

from nzdefence.cli import main

SOURCE = "004_9f5748521d0dcdb6"
# As the project reads a source: UTF-8, newlines untouched, offsets in code points.
with open(REPO / f"dataset/sources/{SOURCE}.txt", encoding="utf-8", newline="") as f:
    TEXT = f.read()
NOT_EXACT = "not found exactly; the closest passages, as they stand in the source:"


def located(words: str, capsys) -> tuple[int, list[str]]:
    code = main(["locate", SOURCE, words, str(REPO)])
    return code, capsys.readouterr().out.splitlines()


def passage(start: int, end: int, similarity: str = "") -> list[str]:
    return [
        f"quote_start={start} quote_end={end}{similarity}",
        f"  source_id,quote,quote_start,quote_end: {SOURCE},{TEXT[start:end]},{start},{end}",
    ]


def test_exact_words_give_offsets_that_read_back(capsys):
    words = "Information Security Agreement (ISA)"
    start = TEXT.index(words)
    assert located(words, capsys) == (0, passage(start, start + len(words)))


def test_straight_quotes_find_the_curly_original(capsys):
    original = "Collins declared: “Our forces already work well together"
    start = TEXT.index(original)
    typed = original.replace("“", '"')
    assert located(typed, capsys) == (
        1,
        [NOT_EXACT, *passage(start, start + len(original), "  (similarity 1.00)")],
    )


def test_whitespace_and_dashes_are_forgiven(capsys):
    original = "our near region—the Indo-Pacific"
    start = TEXT.index(original)
    assert located("our  near region-the Indo-Pacific", capsys) == (
        1,
        [NOT_EXACT, *passage(start, start + len(original), "  (similarity 1.00)")],
    )


def test_misspelt_words_give_the_closest_passages(capsys):
    code, lines = located("Colins declared Our forces alredy work well togther", capsys)
    assert (code, lines[0]) == (1, NOT_EXACT)
    best = lines[1]
    start = TEXT.index("Collins declared: “Our forces")
    assert best.startswith(f"quote_start={start} quote_end=")
    assert float(best.rsplit("similarity ", 1)[1].rstrip(")")) > 0.9


def test_unknown_or_path_like_source_is_refused(capsys):
    assert main(["locate", "../../etc/passwd", "root", str(REPO)]) == 1
    sources = sorted(path.stem for path in (REPO / "dataset/sources").glob("*.txt"))
    assert capsys.readouterr().out == (
        f"../../etc/passwd: no such source; the sources are: {', '.join(sources)}\n"
    )
