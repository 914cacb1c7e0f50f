"""What our own schema properties mean: named cross-column ``rules`` and standard ``codelist``s.

A table schema's ``rules`` entry names a rule and the columns it applies to; each rule stands
for a few checks, each a vectorised test over the whole table that is True where a row breaks
it. A field's ``codelist`` names a standard list of codes, taken from pycountry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


@dataclass(frozen=True)
class RuleCheck:
    """One cross-column check: the column it reports on, its message, and a test
    (DataFrame -> boolean Series, True where a row breaks it)."""

    column: str
    message: str
    failing: Callable[[pd.DataFrame], pd.Series]


def _flag(mask: pd.Series) -> pd.Series:
    return mask.fillna(False).astype(bool)


# Per precision coarser than a day, the months in such a period: a start must be the first day of
# a month that begins one, an end the last day of a month that ends one.
MONTHS_IN = {"month": 1, "quarter": 3, "half": 6, "year": 12}
_MONTHS_OR_NAN = np.array([*MONTHS_IN.values(), np.nan])  # by position in MONTHS_IN


def _date_range(
    start: str, end: str, precision: str, basis: str, note: str
) -> list[RuleCheck]:
    date_columns = [start, end, precision, basis]

    def partly_filled(frame: pd.DataFrame) -> pd.Series:
        # Counted column by column: a four-column frame and its row-wise any/all cost more.
        filled = sum(frame[column].notna().to_numpy() for column in date_columns)
        return pd.Series((filled > 0) & (filled < len(date_columns)), index=frame.index)

    def reversed_(frame: pd.DataFrame) -> pd.Series:
        return _flag(frame[end] < frame[start])

    def off_period(frame: pd.DataFrame) -> pd.Series:
        # In NumPy's calendar units, once per table: pandas' .dt helpers cost a call each.
        days = {
            column: frame[column].to_numpy(
                dtype="datetime64[D]", na_value=np.datetime64("NaT")
            )
            for column in (start, end)
        }
        first_month = days[start].astype("datetime64[M]")
        last_month = days[end].astype("datetime64[M]")
        starts_month = first_month.astype("datetime64[D]") == days[start]
        ends_month = (days[end] + 1).astype("datetime64[M]") != last_month
        # Looked up by Arrow's hashing: Series.map on Arrow strings calls Python per cell.
        position = pc.index_in(
            pa.array(frame[precision], pa.large_string(), from_pandas=True),
            value_set=pa.array(list(MONTHS_IN), pa.large_string()),
        )
        months = _MONTHS_OR_NAN[pc.fill_null(position, len(MONTHS_IN)).to_numpy()]
        coarse = ~np.isnan(months) & ~np.isnat(days[start]) & ~np.isnat(days[end])
        step = np.where(coarse, months, 1).astype(np.int64)
        aligned = (
            starts_month
            & ends_month
            & (first_month.astype(np.int64) % step == 0)
            & ((last_month.astype(np.int64) + 1) % step == 0)
        )
        return pd.Series(coarse & ~aligned, index=frame.index)

    def inferred_without_note(frame: pd.DataFrame) -> pd.Series:
        return _flag(frame[basis] == "inferred") & frame[note].isna()

    names = ", ".join(date_columns)
    return [
        RuleCheck(
            start,
            f"{names} must be all filled or all empty",
            partly_filled,
        ),
        RuleCheck(end, f"{end} is before {start}", reversed_),
        RuleCheck(
            precision,
            f"the dates contradict {precision}: for month, quarter, half or year, {start} must be the "
            f"first day and {end} the last day of such a period",
            off_period,
        ),
        RuleCheck(
            note,
            f"{basis} is 'inferred' but {note} does not say how the date was inferred",
            inferred_without_note,
        ),
    ]


def _requires(column: str, requires: str) -> list[RuleCheck]:
    return [
        RuleCheck(
            column,
            f"{column} is given but {requires} is empty",
            lambda frame: frame[column].notna() & frame[requires].isna(),
        )
    ]


def _ordered(smaller: str, larger: str) -> list[RuleCheck]:
    return [
        RuleCheck(
            larger,
            f"{larger} must be greater than {smaller}",
            lambda frame: _flag(frame[larger] <= frame[smaller]),
        )
    ]


def _required_when(column: str, other: str, value: str) -> list[RuleCheck]:
    return [
        RuleCheck(
            column,
            f"{column} is empty but {other} is {value!r}, which needs it",
            lambda frame: (
                _flag(frame[other].astype(object) == value) & frame[column].isna()
            ),
        )
    ]


@dataclass(frozen=True)
class RuleKind:
    """A rule a schema may name: the columns it takes (as keyword names), its checks, how the
    data dictionary describes it (a template filled with the rule's parameters), and any
    parameters that are values, not columns."""

    columns: tuple[str, ...]
    checks: Callable[..., list[RuleCheck]]
    description: str
    values: tuple[str, ...] = ()

    @property
    def parameters(self) -> tuple[str, ...]:
        return self.columns + self.values


RULES = {
    "date_range": RuleKind(
        ("start", "end", "precision", "basis", "note"),
        _date_range,
        "`{start}`, `{end}`, `{precision}` and `{basis}` are all filled or all empty; "
        "`{end}` is not before `{start}`; for `month`, `quarter`, `half` or `year` precision, "
        "`{start}` is the first and `{end}` the last day of such a period; an `inferred` "
        "`{basis}` needs a `{note}` saying how.",
    ),
    "requires": RuleKind(
        ("column", "requires"),
        _requires,
        "`{column}` is given only together with `{requires}`.",
    ),
    "ordered": RuleKind(
        ("smaller", "larger"), _ordered, "`{larger}` is greater than `{smaller}`."
    ),
    "required_when": RuleKind(
        ("column", "other"),
        _required_when,
        "`{column}` is required when `{other}` is `{value}`.",
        values=("value",),
    ),
}


# The standard code lists a field's ``codelist`` may name, and where pycountry keeps their codes.
CODELISTS = {
    "ISO 3166-1 alpha-3": "countries",
    "ISO 4217": "currencies",
}


def codelist_values(codelist: str) -> frozenset[str]:
    """The valid codes of a standard code list."""
    import pycountry

    return frozenset(entry.alpha_3 for entry in getattr(pycountry, CODELISTS[codelist]))
