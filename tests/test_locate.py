"""nzdefence locate: offsets ready to paste, or the closest passages as the source has them."""

from __future__ import annotations

from conftest import REPO

from nzdefence.cli import main
from nzdefence.locate import closest, locate, loose
from nzdefence.provenance import read_source_text

SOURCE = "004_9f5748521d0dcdb6"
TEXT = read_source_text(REPO / "dataset/sources" / f"{SOURCE}.txt")


def test_exact_words_give_offsets_that_read_back(capsys):
    words = "Information Security Agreement (ISA)"
    assert main(["locate", SOURCE, words, "--root", str(REPO)]) == 0
    out = capsys.readouterr().out
    start = TEXT.index(words)
    assert f"quote_start={start} quote_end={start + len(words)}" in out
    assert f"{SOURCE},{words},{start},{start + len(words)}" in out


def test_straight_quotes_find_the_curly_original():
    typed = 'Collins declared: "Our forces already work well together'
    passages, exact = locate(TEXT, typed)
    assert not exact and len(passages) == 1
    assert (
        passages[0].text == "Collins declared: “Our forces already work well together"
    )
    assert TEXT[passages[0].start : passages[0].end] == passages[0].text


def test_whitespace_and_dashes_are_forgiven():
    (passage,) = loose(TEXT, "our  near region-the Indo-Pacific")
    assert passage.text == "our near region—the Indo-Pacific"


def test_misspelt_words_give_the_closest_passages(capsys):
    assert (
        main(
            [
                "locate",
                SOURCE,
                "Colins declared Our forces alredy work well togther",
                "--root",
                str(REPO),
            ]
        )
        == 1
    )
    out = capsys.readouterr().out
    assert out.startswith("not found exactly; the closest passages")
    best = closest(TEXT, "Colins declared Our forces alredy work well togther")[0]
    assert (
        best.text.startswith("Collins declared: “Our forces") and best.similarity > 0.9
    )


def test_unknown_or_path_like_source_is_refused(capsys):
    assert main(["locate", "../../etc/passwd", "root", "--root", str(REPO)]) == 1
    assert (
        "no such source; the sources are: 000_80944da66ceb52dd"
        in capsys.readouterr().out
    )
