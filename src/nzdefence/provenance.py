"""Provenance checks: every fact traced to the exact words of an unchanged source document.

A quote is at its offsets when ``text[quote_start:quote_end] == quote``, where ``text`` is the
source file decoded as UTF-8 with newlines untranslated and the offsets count code points.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import files
from .csvio import cell_text
from .layout import SOURCES_DIR, TABLES, source_path
from .problems import NOT_A_ROW, Problem, nearest
from .schemas import ForeignKey, RecordLink

# A source document is an article or a report: a few thousand words, far below this.
MAX_SOURCE_BYTES = 16 * files.MiB


def read_source_text(root: Path, source_id: str) -> str:
    """A source document's text: UTF-8, newlines untranslated. Raises FileNotFoundError,
    files.UnsafePath, or UnicodeDecodeError."""
    relative = source_path(source_id).as_posix()
    return files.read_bytes(root, relative, limit=MAX_SOURCE_BYTES).decode("utf-8")


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
        listed = set()

        def problem(index: int, column: str, message: str) -> None:
            problems.append(Problem(shown, int(index), column, message))

        # Each source is a resource of datapackage.json, named by its id in lower case: two
        # ids that differ only in case, or an id that is a table's name, would clash there.
        resource_names = set(TABLES)
        for index, source_id, relative, sha256, characters in sources[
            ["source_id", "path", "sha256", "characters"]
        ].itertuples(name=None):
            if pd.isna(source_id) or pd.isna(relative):
                continue
            if source_id.lower() in resource_names:
                problem(
                    index,
                    "source_id",
                    f"{source_id!r} names a table or another source when lower-cased; "
                    "source ids must differ from each other and from the tables' names in more than case",
                )
            resource_names.add(source_id.lower())
            # Its file is accounted for, even if the path is wrong.
            listed.add(source_path(source_id).name)
            expected = source_path(source_id).as_posix()
            if relative != expected:
                problem(index, "path", f"path must be {expected!r}")
                continue
            try:
                raw = files.read_bytes(root, relative, limit=MAX_SOURCE_BYTES)
            except FileNotFoundError:
                problem(index, "path", f"source file {relative} does not exist")
                continue
            except files.UnsafePath as error:
                problem(index, "path", str(error))
                continue
            digest = hashlib.sha256(raw).hexdigest()
            if digest != sha256:
                problem(
                    index,
                    "sha256",
                    f"{relative} has changed: its SHA-256 is {digest}; source files must stay "
                    "byte for byte as published",
                )
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                problem(index, "path", f"{relative} is not valid UTF-8")
                continue
            if not pd.isna(characters) and len(text) != characters:
                problem(
                    index,
                    "characters",
                    f"{relative} has {len(text)} characters, not {characters}",
                )
            texts[source_id] = text
        try:
            names = files.list_folder(root, SOURCES_DIR.as_posix())
        except files.UnsafePath as error:
            names = []
            problems.append(Problem(shown, NOT_A_ROW, "path", str(error)))
        for name in names:
            if name not in listed and not name.startswith("."):
                problems.append(
                    Problem(
                        shown,
                        NOT_A_ROW,
                        "source_id",
                        f"{(SOURCES_DIR / name).as_posix()} has no row in the sources table; add one "
                        f"(source_id {Path(name).stem!r}, its sha256 and length)",
                    )
                )
        return cls(root, texts), problems


def quote_problems(
    spans: pd.DataFrame, sources: SourceFiles, shown: str
) -> list[Problem]:
    """Each row's quote must be the source text at [quote_start, quote_end)."""
    complete = (
        spans["quote"].notna()
        & spans["quote_start"].notna()
        & spans["quote_end"].notna()
    ).to_numpy() & among(spans["source_id"], sources.texts)  # else reported elsewhere
    # Each row's source by number (Arrow's dictionary encoding) and its text from a list: no
    # Python string and dict lookup per row for its source id.
    encoded = pc.dictionary_encode(strings(spans["source_id"]))
    source_ids = encoded.dictionary.to_pylist()
    texts = sources.texts
    text_of = [texts.get(source_id, "") for source_id in source_ids] + [
        ""
    ]  # last: none
    codes = pc.fill_null(encoded.indices, len(source_ids)).to_numpy().tolist()
    starts = spans["quote_start"].to_numpy(dtype=np.int64, na_value=0).tolist()
    ends = spans["quote_end"].to_numpy(dtype=np.int64, na_value=0).tolist()
    quotes = spans["quote"].to_numpy(dtype=object)
    # One pass over plain Python values; an incomplete row compares garbage and is masked out.
    at_offsets = np.fromiter(
        (
            text_of[code][start:end] == quote
            for code, start, end, quote in zip(codes, starts, ends, quotes)
        ),
        dtype=bool,
        count=len(spans),
    )
    problems = []
    for hinted, position in enumerate(np.flatnonzero(complete & ~at_offsets).tolist()):
        source_id, start, end = (
            source_ids[codes[position]],
            starts[position],
            ends[position],
        )
        text, quote = texts[source_id], quotes[position]
        if end > len(text):
            message = f"quote_end {end} is past the end of {source_id} ({len(text)} characters)"
        else:
            message = f"quote is not at {start}–{end} in {source_id}"
        if (
            hinted < MAX_HINTS
        ):  # each hint searches the source: enough to show the pattern
            message += "; " + _where_it_is(text, quote, start, end)
        problems.append(Problem(shown, int(spans.index[position]), "quote", message))
    # A quote must hold words: a space or a comma supports no field of any record.
    wordless = spans["quote"].notna().to_numpy() & ~pc.fill_null(
        pc.match_substring_regex(strings(spans["quote"]), r"\w"), False
    ).to_numpy(zero_copy_only=False)
    problems += [
        Problem(
            shown,
            int(index),
            "quote",
            "quote holds no word; quote the words that support the record",
        )
        for index in spans.index[wordless]
    ]
    return sorted(problems)


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
    near = closest(text, quote, limit=1)  # nothing when the quote is too long to search
    if near:
        return f"not found in the source; the closest passage is {near[0].start}–{near[0].end}: {near[0].text!r}"
    return f"not found in the source; the text at those offsets reads {text[start:end][:80]!r}"


MAX_HINTS = (
    50  # "nearest id" hints cost a fuzzy search each; enough to show the pattern
)


def strings(values) -> pa.Array:
    """A pandas column, a list or one string as Arrow large strings (what pandas 3 holds)."""
    if isinstance(values, str):
        return pa.scalar(values, pa.large_string())
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    array = pa.array(values, type=pa.large_string(), from_pandas=True)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def record_keys(table, record_id: pd.Series) -> pa.Array:
    """One string per (table, record_id) pair, for vectorised membership tests."""
    return pc.binary_join_element_wise(
        strings(table), strings(record_id), strings("\x1f")
    )


def existing_records(tables: dict[str, pd.DataFrame], key: str) -> pa.Array:
    """One key per record of these tables (``record_keys``), table by table in dict order."""
    return pa.concat_arrays(
        [record_keys(name, frame[key]) for name, frame in tables.items()]
        or [pa.array([], pa.large_string())]
    )


def is_in(values: pa.Array, allowed: pa.Array) -> np.ndarray:
    """Membership by hashing in Arrow (pandas 3's isin on Arrow strings loops in Python)."""
    return pc.fill_null(pc.is_in(values, value_set=allowed), False).to_numpy(
        zero_copy_only=False
    )


def among(values: pd.Series, allowed) -> np.ndarray:
    """``values.isin(allowed)`` as a NumPy mask, hashed in Arrow."""
    return is_in(strings(values), pa.array(list(allowed), pa.large_string()))


def mutual_membership(left: pa.Array, right: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(each left value is in right, each right value is in left), from one dictionary
    encoding of both; a null is in neither."""
    encoded = pc.dictionary_encode(pa.concat_arrays([left, right]))
    null_code = len(encoded.dictionary)
    codes = pc.fill_null(encoded.indices, null_code).to_numpy()
    left_codes, right_codes = codes[: len(left)], codes[len(left) :]
    in_left = np.zeros(null_code + 1, dtype=bool)
    in_right = np.zeros(null_code + 1, dtype=bool)
    in_left[left_codes] = True
    in_right[right_codes] = True
    in_left[null_code] = in_right[null_code] = False
    return in_right[left_codes], in_left[right_codes]


def foreign_key_problems(
    frame: pd.DataFrame, key: ForeignKey, target: pd.DataFrame, shown: str
) -> list[Problem]:
    """Each value of a foreign key column (each item, in a list column; each combination, in
    a composite key) must name an existing row of its resource."""
    lines, cited = _referring(frame, key.columns, key.each_item)
    known = _joined([target[column] for column in key.targets])
    dangling = cited.is_valid().to_numpy(zero_copy_only=False) & ~is_in(cited, known)
    problems = []
    for hinted, (line, value) in enumerate(
        zip(lines[dangling], pc.filter(cited, pa.array(dangling)).to_pylist())
    ):
        *qualifiers, value = value.split("\x1f")
        message = f"{value!r} is not among {key.resource}.{key.target}"
        # A composite key: the record must be one of the qualifying rows (the speaker's offices).
        candidates = np.ones(len(target), dtype=bool)
        for number, (column, qualifier) in enumerate(zip(key.targets, qualifiers)):
            message += (
                f"{' where' if number == 0 else ' and'} {column} is {qualifier!r}"
            )
            candidates &= (target[column] == qualifier).fillna(False).to_numpy(bool)
        if hinted < MAX_HINTS:
            message += _hint(value, target.loc[candidates, key.target].dropna())
        problems.append(Problem(shown, int(line), key.column, message))
    return problems


def record_link_problems(
    frame: pd.DataFrame,
    records: dict[str, pd.DataFrame],
    shown: str,
    link: RecordLink,
    list_column: bool,
) -> list[Problem]:
    """Each value (each item, in a list column) of a one-field record link is ``table:id``
    and names an existing record of one of the link's tables."""
    lines, values = _referring(frame, (link.record_column,), list_column)
    parts = pc.extract_regex(values, r"^(?P<table>[^:]*):(?P<id>.*)$")
    tables, record_ids = pc.struct_field(parts, "table"), pc.struct_field(parts, "id")
    existing = existing_records(records, link.key)
    found = is_in(pc.binary_join_element_wise(tables, record_ids, _SEPARATOR), existing)
    given = values.is_valid().to_numpy(zero_copy_only=False)
    problems, hinted = [], 0
    for line, value, table, record_id in zip(
        lines[given & ~found],
        *(
            pc.filter(a, pa.array(given & ~found)).to_pylist()
            for a in (values, tables, record_ids)
        ),
    ):
        if table is None:
            message = f"{value!r} is not table:id (e.g. {link.tables[0]}:some-id)"
        elif table not in link.tables:
            message = f"{value!r} names table {table!r}; it may name: {', '.join(link.tables)}"
        elif table not in records:
            continue  # the table could not be read, which is reported already
        else:
            message = f"{value!r}: {table} has no record {record_id!r}"
            if hinted < MAX_HINTS:
                message += _hint(record_id, records[table][link.key].dropna())
                hinted += 1
        problems.append(Problem(shown, int(line), link.record_column, message))
    return problems


def _referring(
    frame: pd.DataFrame, columns: tuple[str, ...], each_item: bool
) -> tuple[pd.Index, pa.Array]:
    """The lines of the values that refer, and the values: one per row, or one per list item
    (``each_item``); the columns of a composite key joined, null where any is empty."""
    if not each_item:
        return frame.index, _joined([frame[column] for column in columns])
    (column,) = columns
    lists = pa.array(frame[column], from_pandas=True)
    if isinstance(lists, pa.ChunkedArray):
        lists = lists.combine_chunks()
    rows = pc.list_parent_indices(lists).to_numpy()
    return frame.index[rows], pc.list_flatten(lists).cast(pa.large_string())


def _joined(columns: list[pd.Series]) -> pa.Array:
    arrays = [strings(column) for column in columns]
    if len(arrays) == 1:
        return arrays[0]
    return pc.binary_join_element_wise(*arrays, strings("\x1f"))


def evidence_link_problems(
    evidence: pd.DataFrame,
    facts: dict[str, pd.DataFrame],
    shown: dict[str, str],
    link: RecordLink,
) -> list[Problem]:
    """Evidence must point at existing records, and every record must have evidence."""
    problems = []
    table_column, record_column, key = link.table_column, link.record_column, link.key
    known_tables = (
        among(evidence[table_column], facts)
        & evidence[record_column].notna().to_numpy()
    )
    cited = record_keys(evidence[table_column], evidence[record_column])
    names = list(facts)
    existing = existing_records(facts, key)
    # One hashing pass answers both ways: evidence -> records, and records -> evidence.
    cites_a_record, evidenced = mutual_membership(cited, existing)
    dangling = evidence[known_tables & ~cites_a_record]
    for hinted, (index, table, record_id) in enumerate(
        dangling[[table_column, record_column]].itertuples(name=None)
    ):
        hint = (
            _hint(record_id, facts[table][key].dropna()) if hinted < MAX_HINTS else ""
        )
        problems.append(
            Problem(
                shown["evidence"],
                int(index),
                record_column,
                f"{table} has no record {record_id!r}{hint}",
            )
        )
    offset = 0
    for name in names:
        frame = facts[name]
        unevidenced = (
            frame[key].notna().to_numpy() & ~evidenced[offset : offset + len(frame)]
        )
        offset += len(frame)
        for index, record_id in frame.loc[unevidenced, key].items():
            problems.append(
                Problem(
                    shown[name],
                    int(index),
                    key,
                    f"record {record_id!r} has no row in evidence.csv",
                )
            )
    return problems


def statement_quote_problems(
    statements: pd.DataFrame, evidence: pd.DataFrame, shown: str, link: RecordLink
) -> list[Problem]:
    """A statement of kind quote must have its text verbatim in one of its evidence quotes."""
    # An id given twice is reported as such; joining each copy to the id's evidence would
    # multiply rows (a thousand copies, a thousand times the evidence).
    quoted = statements.loc[
        (statements["kind"] == "quote").to_numpy()
        & statements["text"].notna().to_numpy()
        & ~statements[link.key].duplicated().to_numpy(),
        [link.key, "text"],
    ]
    cited = evidence.loc[
        (evidence[link.table_column] == "statements").to_numpy()
        & evidence["quote"].notna().to_numpy(),
        [link.record_column, "quote"],
    ]
    pairs = quoted.reset_index(names="line").merge(
        cited, left_on=link.key, right_on=link.record_column, how="left"
    )
    found = [
        isinstance(quote, str) and text in quote
        for text, quote in zip(
            pairs["text"].to_numpy(dtype=object), pairs["quote"].to_numpy(dtype=object)
        )
    ]
    verbatim = pd.Series(found, index=pairs["line"].to_numpy()).groupby(level=0).any()
    return [
        Problem(
            shown,
            int(index),
            "text",
            "statement of kind 'quote' must have its text verbatim in one of its evidence quotes",
        )
        for index in verbatim.index[~verbatim.to_numpy()]
    ]


# A fuzzy "nearest id" search costs time in proportion to the ids searched: beyond this many,
# the hint is left out.
MAX_HINT_CANDIDATES = 20_000


def _hint(value: str, candidates) -> str:
    if len(candidates) > MAX_HINT_CANDIDATES:
        return ""
    close = nearest(value, candidates)
    return f"; nearest: {', '.join(close)}" if close else ""


# Words a source may write a number as, with the canonical text of the number.
NUMBER_WORDS = {
    "one": "1", "two": "2", "double": "2", "twice": "2", "three": "3", "triple": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11",
    "twelve": "12", "half": "0.5",
}  # fmt: skip


def _canonical_numbers(tokens: pa.Array) -> pa.Array:
    """Digit tokens (``12``, ``6.92``, ``1,000``, ``2033.``) as canonical number text, else null."""
    tokens = pc.replace_substring(pc.utf8_trim(tokens, ".,"), ",", "")
    numeric = pc.match_substring_regex(tokens, r"^[0-9]+(\.[0-9]+)?$")
    values = pc.cast(
        pc.if_else(numeric, tokens, pa.scalar(None, tokens.type)), pa.float64()
    )
    return pc.cast(values, pa.large_string())


_SEPARATOR = pa.scalar("\x1f", pa.large_string())


def numbers_in_digits(keys: pa.Array, quotes: pa.Array) -> pa.Array:
    """``key\x1fnumber`` for every number each quote writes in digits (whole tokens only, so a
    number inside a longer one does not count)."""
    # Replacing every run of other characters by one space and splitting on it is about
    # twice as fast in Arrow as splitting on the regex.
    digits = pc.split_pattern(pc.replace_substring_regex(quotes, "[^0-9.,]+", " "), " ")
    numbers = _canonical_numbers(pc.list_flatten(digits))
    return pc.drop_null(
        pc.binary_join_element_wise(
            pc.take(keys, pc.list_parent_indices(digits)), numbers, _SEPARATOR
        )
    )


def numbers_in_words(keys: pa.Array, quotes: pa.Array) -> pa.Array:
    """``key\x1fnumber`` for every number each quote writes as a word (two, double, half...)."""
    words = pc.split_pattern_regex(pc.utf8_lower(quotes), "[^a-z]+")
    values = pc.take(
        pa.array(list(NUMBER_WORDS.values()), pa.large_string()),
        pc.index_in(
            pc.list_flatten(words),
            value_set=pa.array(list(NUMBER_WORDS), pa.large_string()),
        ),
    )
    return pc.drop_null(
        pc.binary_join_element_wise(
            pc.take(keys, pc.list_parent_indices(words)), values, _SEPARATOR
        )
    )


def number_problems(
    facts: dict[str, pd.DataFrame],
    numeric_fields: dict[str, list[str]],
    evidence: pd.DataFrame,
    shown: dict[str, str],
    link: RecordLink,
) -> list[Problem]:
    """Every number in a fact row must appear in one of that row's evidence quotes."""
    tables = [
        table for table, fields in numeric_fields.items() if fields and table in facts
    ]
    relevant = evidence[
        among(evidence[link.table_column], tables)
        & evidence["quote"].notna().to_numpy()
    ]
    keys = record_keys(relevant[link.table_column], relevant[link.record_column])
    quotes = strings(relevant["quote"])
    in_digits = numbers_in_digits(keys, quotes)
    wanted_parts = []  # (table, field, frame index, wanted key) for every number given
    for table in tables:
        frame = facts[table]
        record = record_keys(table, frame[link.key])
        for field in numeric_fields[table]:
            values = pa.array(
                frame[field].astype("Float64"), type=pa.float64(), from_pandas=True
            )
            given = (
                values.is_valid().to_numpy(zero_copy_only=False)
                & frame[link.key].notna().to_numpy()
            )
            wanted = pc.binary_join_element_wise(
                record, pc.cast(values, pa.large_string()), _SEPARATOR
            )
            wanted_parts.append((table, field, frame, given, wanted))
    # One hash table of the numbers the quotes give, one membership test for all wanted values.
    found = is_in(
        pa.concat_arrays(
            [wanted for *_, wanted in wanted_parts] or [pa.array([], pa.large_string())]
        ),
        in_digits,
    )
    missing_parts, offset = [], 0
    for table, field, frame, given, wanted in wanted_parts:
        missing_parts.append(
            (table, field, frame, given & ~found[offset : offset + len(wanted)], wanted)
        )
        offset += len(wanted)
    if any(missing.any() for _, _, _, missing, _ in missing_parts):
        # Only now look for numbers written as words, in the quotes of the records still missing one.
        still = pa.concat_arrays(
            [
                pc.filter(wanted, pa.array(missing))
                for _, _, _, missing, wanted in missing_parts
            ]
        )
        record_of = pa.array(
            [key.rsplit("\x1f", 1)[0] for key in still.to_pylist()], pa.large_string()
        )
        candidates = is_in(keys, record_of)
        in_words = numbers_in_words(
            pc.filter(keys, pa.array(candidates)),
            pc.filter(quotes, pa.array(candidates)),
        )
        missing_parts = [
            (table, field, frame, missing & ~is_in(wanted, in_words), wanted)
            for table, field, frame, missing, wanted in missing_parts
        ]
    problems = []
    for table, field, frame, missing, _ in missing_parts:
        for index, record_id, value in frame.loc[missing, [link.key, field]].itertuples(
            name=None
        ):
            problems.append(
                Problem(
                    shown[table],
                    int(index),
                    field,
                    f"{cell_text(value)} does not appear in any evidence quote of {record_id!r}; quote the words that give it",
                )
            )
    return problems
