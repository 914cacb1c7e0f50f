"""Provenance checks: every fact traced to the exact words of an unchanged source document.

A quote is at its offsets when ``text[quote_start:quote_end] == quote``, where ``text`` is the
source file decoded as UTF-8 with newlines untranslated and the offsets count code points.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .problems import NOT_A_ROW, Problem, data_row
from .schemas import FACT_TABLES

SOURCES_DIR = Path("dataset") / "sources"


def read_source_text(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


@dataclass
class SourceFiles:
    """The source documents that the sources table describes, read once."""

    root: Path
    texts: dict[str, str]

    @classmethod
    def load(
        cls, root: Path, sources: pd.DataFrame, shown: str
    ) -> tuple[SourceFiles, list[Problem]]:
        """Read each listed source, checking its path, hash and length; report unlisted files."""
        problems = []
        texts: dict[str, str] = {}
        directory = (root / SOURCES_DIR).resolve()
        listed = set()
        for index, row in sources.iterrows():
            source_id, relative = row["source_id"], row["path"]
            if pd.isna(source_id) or pd.isna(relative):
                continue
            listed.add(
                f"{source_id}.txt"
            )  # its file is accounted for, even if the path is wrong
            expected = f"{SOURCES_DIR.as_posix()}/{source_id}.txt"
            if relative != expected:
                problems.append(
                    Problem(
                        shown, data_row(index), "path", f"path must be {expected!r}"
                    )
                )
                continue
            path = (root / relative).resolve()
            if path.parent != directory:  # never follow a path out of dataset/sources/
                problems.append(
                    Problem(
                        shown, data_row(index), "path", "path leaves dataset/sources/"
                    )
                )
                continue
            if not path.is_file():
                problems.append(
                    Problem(
                        shown,
                        data_row(index),
                        "path",
                        f"source file {relative} does not exist",
                    )
                )
                continue
            raw = path.read_bytes()
            digest = hashlib.sha256(raw).hexdigest()
            if digest != row["sha256"]:
                problems.append(
                    Problem(
                        shown,
                        data_row(index),
                        "sha256",
                        f"{relative} has changed: its SHA-256 is {digest}; source files must stay byte for byte "
                        "as published",
                    )
                )
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                problems.append(
                    Problem(
                        shown, data_row(index), "path", f"{relative} is not valid UTF-8"
                    )
                )
                continue
            if not pd.isna(row["characters"]) and len(text) != row["characters"]:
                problems.append(
                    Problem(
                        shown,
                        data_row(index),
                        "characters",
                        f"{relative} has {len(text)} characters, not {row['characters']}",
                    )
                )
            texts[source_id] = text
        if directory.is_dir():
            for path in sorted(directory.iterdir()):
                if path.name not in listed and not path.name.startswith("."):
                    problems.append(
                        Problem(
                            shown,
                            NOT_A_ROW,
                            "source_id",
                            f"dataset/sources/{path.name} has no row in the sources table; add one "
                            f"(source_id {path.stem!r}, its sha256 and length)",
                        )
                    )
        return cls(root, texts), problems


def quote_problems(
    spans: pd.DataFrame, sources: SourceFiles, shown: str
) -> list[Problem]:
    """Each row's quote must be the source text at [quote_start, quote_end)."""
    problems = []
    columns = ["source_id", "quote", "quote_start", "quote_end"]
    for index, source_id, quote, start, end in spans[columns].itertuples(name=None):
        if (
            pd.isna(quote)
            or pd.isna(start)
            or pd.isna(end)
            or source_id not in sources.texts
        ):
            continue  # reported by the schema or the foreign-key check
        text = sources.texts[source_id]
        start, end = int(start), int(end)
        if text[start:end] == quote:
            continue
        row = data_row(index)
        if end > len(text):
            message = f"quote_end {end} is past the end of {source_id} ({len(text)} characters)"
        else:
            message = f"quote is not at {start}–{end} in {source_id}"
        message += "; " + _where_it_is(text, quote, start, end)
        problems.append(Problem(shown, row, "quote", message))
    return problems


def _where_it_is(text: str, quote: str, start: int, end: int) -> str:
    """A hint that says where the quote really is, or what the source says instead."""
    from .locate import closest, exact, loose

    hits = exact(text, quote)
    if hits:
        hit = min(hits, key=lambda passage: abs(passage.start - start))
        return f"found at {hit.start}–{hit.end}: set quote_start={hit.start}, quote_end={hit.end}"
    hits = loose(text, quote)
    if hits:
        hit = hits[0]
        return (
            f"the source has it at {hit.start}–{hit.end} with different quote marks, dashes or spaces; "
            f"copy it exactly: {hit.text!r}"
        )
    near = closest(text, quote, limit=1)
    if near:
        return f"not found in the source; the closest passage is {near[0].start}–{near[0].end}: {near[0].text!r}"
    return f"not found in the source; the text at those offsets reads {text[start:end][:80]!r}"


def evidence_link_problems(
    evidence: pd.DataFrame, facts: dict[str, pd.DataFrame], shown: dict[str, str]
) -> list[Problem]:
    """Evidence must point at existing records, and every record must have evidence."""
    problems = []
    evidenced = set(zip(evidence["table"].astype("object"), evidence["record_id"]))
    for index, table, record_id in evidence[["table", "record_id"]].itertuples(
        name=None
    ):
        if pd.isna(table) or pd.isna(record_id) or table not in facts:
            continue
        if record_id not in facts[table]["id"].values:
            hint = _nearest(record_id, facts[table]["id"].dropna())
            problems.append(
                Problem(
                    shown["evidence"],
                    data_row(index),
                    "record_id",
                    f"{table} has no record {record_id!r}{hint}",
                )
            )
    for table in FACT_TABLES:
        frame = facts.get(table)
        if frame is None:
            continue
        for index, record_id in frame["id"].items():
            if not pd.isna(record_id) and (table, record_id) not in evidenced:
                problems.append(
                    Problem(
                        shown[table],
                        data_row(index),
                        "id",
                        f"record {record_id!r} has no row in evidence.csv",
                    )
                )
    return problems


def statement_quote_problems(
    statements: pd.DataFrame, evidence: pd.DataFrame, shown: str
) -> list[Problem]:
    """A statement of kind quote must have its text verbatim in one of its evidence quotes."""
    problems = []
    quotes_by_record: dict[str, list[str]] = {}
    statement_evidence = evidence[evidence["table"].astype("object") == "statements"]
    for record_id, quote in statement_evidence[["record_id", "quote"]].itertuples(
        index=False, name=None
    ):
        if not pd.isna(quote):
            quotes_by_record.setdefault(record_id, []).append(quote)
    quoted = statements[statements["kind"].astype("object") == "quote"]
    for index, record_id, text in quoted[["id", "text"]].itertuples(name=None):
        if pd.isna(text):
            continue
        if not any(text in quote for quote in quotes_by_record.get(record_id, [])):
            problems.append(
                Problem(
                    shown,
                    data_row(index),
                    "text",
                    "statement of kind 'quote' must have its text verbatim in one of its evidence quotes",
                )
            )
    return problems


def _nearest(value: str, candidates: pd.Series) -> str:
    import difflib

    close = difflib.get_close_matches(value, list(candidates), n=3, cutoff=0.6)
    return f"; nearest: {', '.join(close)}" if close else ""


_NUMBER_WORDS = {
    1: ["one"],
    2: ["two", "double", "twice"],
    3: ["three", "triple"],
    4: ["four"],
    5: ["five"],
    6: ["six"],
    7: ["seven"],
    8: ["eight"],
    9: ["nine"],
    10: ["ten"],
    11: ["eleven"],
    12: ["twelve"],
}


def number_forms(value: float) -> list[str]:
    """Ways a source may write ``value``: digits (with or without thousands separators) or words."""
    if float(value).is_integer():
        whole = int(value)
        return [str(whole), f"{whole:,}", *_NUMBER_WORDS.get(whole, [])]
    return [f"{value:g}", *(["half"] if value == 0.5 else [])]


def _mentions_number(quote: str, value: float) -> bool:
    import re

    for form in number_forms(value):
        if form[0].isdigit():
            pattern = rf"(?<![\d.,]){re.escape(form)}(?![\d]|[.,]\d)"
        else:
            pattern = rf"\b{form}\b"
        if re.search(pattern, quote, flags=re.IGNORECASE):
            return True
    return False


def number_problems(
    facts: dict[str, pd.DataFrame],
    numeric_fields: dict[str, list[str]],
    evidence: pd.DataFrame,
    shown: dict[str, str],
) -> list[Problem]:
    """Every number in a fact row must appear in one of that row's evidence quotes."""
    quotes: dict[tuple[str, str], list[str]] = {}
    for table, record_id, quote in evidence[["table", "record_id", "quote"]].itertuples(
        index=False
    ):
        if not pd.isna(quote):
            quotes.setdefault((str(table), record_id), []).append(quote)
    problems = []
    for table, fields in numeric_fields.items():
        frame = facts.get(table)
        if frame is None:
            continue
        for field in fields:
            for index, record_id, value in frame[["id", field]].itertuples(name=None):
                if pd.isna(value) or pd.isna(record_id):
                    continue
                if not any(
                    _mentions_number(q, float(value))
                    for q in quotes.get((table, record_id), [])
                ):
                    problems.append(
                        Problem(
                            shown[table],
                            data_row(index),
                            field,
                            f"{value:g} does not appear in any evidence quote of {record_id!r}; quote the words that give it",
                        )
                    )
    return problems
