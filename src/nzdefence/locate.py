"""Finding words in a source: exact offsets, or the closest passages when they differ.

Contributors never count characters by hand: ``nzdefence locate`` prints the offsets of the
words as they stand in the file, and the validator uses the same search to say where a
misplaced quote really is.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

# Characters that people type differently from how sources print them.
_EQUIVALENT = str.maketrans(
    {
        "“": '"', "”": '"', "„": '"', "‟": '"', "«": '"', "»": '"',
        "‘": "'", "’": "'", "‚": "'", "‛": "'", "`": "'", "´": "'",
        "–": "-", "—": "-", "‐": "-", "‑": "-", "‒": "-", "―": "-", "−": "-",
        "\u00a0": " ", "\u2009": " ", "\u202f": " ",
    }
)  # fmt: skip
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Passage:
    start: int
    end: int
    text: str
    similarity: float  # 1.0 for an exact match


def normalised(text: str) -> tuple[str, list[int]]:
    """``text`` with quote marks, dashes and runs of whitespace made uniform, and for each
    character of the result the offset of the original character it came from."""
    folded = text.translate(_EQUIVALENT)
    chars, origins = [], []
    for match in re.finditer(r"\s+|\S", folded):
        chars.append(" " if match.group().isspace() else match.group())
        origins.append(match.start())
    origins.append(len(text))
    return "".join(chars), origins


def exact(text: str, words: str) -> list[Passage]:
    found, start = [], text.find(words)
    while start != -1 and words:
        found.append(Passage(start, start + len(words), words, 1.0))
        start = text.find(words, start + 1)
    return found


def loose(text: str, words: str) -> list[Passage]:
    """Matches that differ only in quote marks, apostrophes, dashes and whitespace."""
    haystack, origins = normalised(text)
    needle = _SPACES.sub(" ", words.translate(_EQUIVALENT)).strip()
    found, start = [], haystack.find(needle) if needle else -1
    while start != -1:
        begin, end = origins[start], origins[start + len(needle) - 1] + 1
        found.append(Passage(begin, end, text[begin:end], 1.0))
        start = haystack.find(needle, start + 1)
    return found


# The fuzzy search compares ``words`` with a window at every word of the text: its cost grows
# with both lengths, so it is not tried beyond these.
MAX_FUZZY_WORDS = 400
MAX_FUZZY_TEXT = 200_000


def closest(text: str, words: str, limit: int = 3) -> list[Passage]:
    """The passages most like ``words``, word-aligned windows of about the same length; none
    when ``words`` or ``text`` is too long to search this way."""
    if not words.strip() or len(words) > MAX_FUZZY_WORDS or len(text) > MAX_FUZZY_TEXT:
        return []
    haystack, origins = normalised(text)
    needle = _SPACES.sub(" ", words.translate(_EQUIVALENT)).strip().lower()
    starts = [0] + [m.end() for m in re.finditer(" ", haystack)]
    scored = []
    for start in starts:
        window = haystack[start : start + len(needle)].lower()
        matcher = difflib.SequenceMatcher(None, needle, window, autojunk=False)
        if matcher.real_quick_ratio() > 0.5 and matcher.quick_ratio() > 0.5:
            scored.append((matcher.ratio(), start))
    passages = []
    for ratio, start in sorted(scored, reverse=True):
        end = min(start + len(needle), len(haystack))
        begin, finish = origins[start], origins[end - 1] + 1
        if any(begin < p.end and p.start < finish for p in passages):
            continue
        passages.append(Passage(begin, finish, text[begin:finish], round(ratio, 3)))
        if len(passages) == limit:
            break
    return passages


def locate(text: str, words: str) -> tuple[list[Passage], bool]:
    """(passages, exact?) for ``words`` in ``text``: exact matches if any, else the closest."""
    hits = exact(text, words)
    if hits:
        return hits, True
    return loose(text, words) or closest(text, words), False
