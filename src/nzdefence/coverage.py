"""``nzdefence coverage``: does every sentence that holds a fact sit inside a recorded span?

A sentence "holds a fact" when it contains a date word, a number, a quotation, or a named
agreement, exercise, ship, operation or grouping. Each such mention must lie inside the quote of
an evidence row or of an exclusion row (a passage deliberately left out, with its reason).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

import pandas as pd

from .layout import source_path

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_WEEKDAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|"
    "hundred|thousand|million|billion|trillion|dozen|double|twice|triple|half"
)
# What makes a sentence one that the tables must account for, by kind of mention.
MENTION_PATTERNS = {
    "date": re.compile(
        rf"\b(?:{_MONTHS}|{_WEEKDAYS})\b|\b(?:1[89]|20)\d\d\b|"
        r"\b(?:last|this|next|earlier this|later this|the same) (?:week|month|year)\b|\b(?:today|yesterday|recently)\b",
    ),
    "number": re.compile(rf"\d+(?:[.,]\d+)*|\b(?:{_NUMBER_WORDS})\b", re.IGNORECASE),
    # Bounded, so that a quotation mark never closed costs a bounded scan, not the rest of
    # the text from every mark (quadratic).
    "quotation": re.compile(r"“[^”]{2,2000}”|\"[^\"]{2,2000}\"|‘[^’]{2,2000}’(?!\w)"),
    "name": re.compile(
        r"\b(?:HMNZS|HMAS|HMS|USS|JS)\s+[A-Z][a-z]+|\b(?:Operation|Project|Exercise)\s+[A-Z][a-z]+|"
        r"\b(?:[A-Z][\w-]*\s+){1,6}(?:Agreement|Pact|Partnership|Alliance|Treaty|Accord|Exercise|Resilience)\b|"
        r"\bFive Eyes\b|\bSix Eyes\b|\b[Pp]illar [Tt]wo\b|\bTalisman Sabre\b|\bBersama Shield\b|\b[A-Z]{3,}\b"
    ),
}
# A sentence ends at . ! or ? (perhaps followed by a closing quote) before a space and a capital
# or opening quote, or at a line end.
_SENTENCE_END = re.compile(r"(?<=[.!?])[”\"’]?\s+(?=[“\"‘(A-Z0-9])|\n+")


@dataclass(frozen=True)
class Mention:
    kind: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Sentence:
    source_id: str
    start: int
    end: int
    text: str
    mentions: tuple[Mention, ...]
    uncovered: tuple[Mention, ...]

    @property
    def covered(self) -> bool:
        return not self.uncovered


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of ``text``, without surrounding whitespace."""
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        spans.append(
            (
                start,
                match.start()
                + (1 if text[match.start() : match.start() + 1] in '”"’' else 0),
            )
        )
        start = match.end()
    spans.append((start, len(text)))
    trimmed = []
    for s, e in spans:
        chunk = text[s:e]
        if chunk.strip():
            s += len(chunk) - len(chunk.lstrip())
            e -= len(chunk) - len(chunk.rstrip())
            trimmed.append((s, e))
    return trimmed


class Spans:
    """Recorded [start, end) spans of one source, merged, for fast containment tests."""

    def __init__(self, spans: list[tuple[int, int]]):
        merged: list[list[int]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self.starts = [s for s, _ in merged]
        self.ends = [e for _, e in merged]

    def contains(self, start: int, end: int) -> bool:
        i = bisect.bisect_right(self.starts, start) - 1
        return i >= 0 and self.ends[i] >= end


def source_coverage(source_id: str, text: str, spans: Spans) -> list[Sentence]:
    """Every sentence of one source that mentions a fact, with the mentions no span covers."""
    found = []
    for start, end in sentences(text):
        sentence = text[start:end]
        mentions = tuple(
            sorted(
                (
                    Mention(kind, start + m.start(), start + m.end(), m.group())
                    for kind, pattern in MENTION_PATTERNS.items()
                    for m in pattern.finditer(sentence)
                ),
                key=lambda m: m.start,
            )
        )
        if mentions:
            uncovered = tuple(m for m in mentions if not spans.contains(m.start, m.end))
            found.append(Sentence(source_id, start, end, sentence, mentions, uncovered))
    return found


def coverage(
    texts: dict[str, str], frames: dict[str, pd.DataFrame]
) -> dict[str, list[Sentence]]:
    """Per source id, its fact-bearing sentences and whether recorded spans cover them."""
    recorded: dict[str, list[tuple[int, int]]] = {}
    for name in ("evidence", "exclusions"):
        for source_id, start, end in frames[name][
            ["source_id", "quote_start", "quote_end"]
        ].itertuples(index=False):
            recorded.setdefault(source_id, []).append((int(start), int(end)))
    return {
        source_id: source_coverage(
            source_id, texts[source_id], Spans(recorded.get(source_id, []))
        )
        for source_id in frames["sources"]["source_id"]
    }


def format_report(
    result: dict[str, list[Sentence]], *, uncovered_only: bool = False
) -> tuple[list[str], bool]:
    """Printable lines (one per sentence, then a share per source) and whether all is covered."""
    lines, complete = [], True
    for source_id, found in result.items():
        covered = sum(s.covered for s in found)
        for sentence in found:
            if uncovered_only and sentence.covered:
                continue
            where = (
                f"{source_path(source_id).as_posix()}:{sentence.start}-{sentence.end}"
            )
            snippet = " ".join(sentence.text.split())
            snippet = snippet if len(snippet) <= 100 else snippet[:97] + "..."
            if sentence.covered:
                lines.append(f"{where}: covered: {snippet}")
            else:
                missing = ", ".join(
                    f"{m.kind} {m.text!r} at {m.start}" for m in sentence.uncovered
                )
                lines.append(f"{where}: UNCOVERED ({missing}): {snippet}")
        share = 100.0 * covered / len(found) if found else 100.0
        complete &= covered == len(found)
        lines.append(
            f"{source_id}: {covered}/{len(found)} fact-bearing sentences covered ({share:.1f}%)"
        )
    return lines, complete
