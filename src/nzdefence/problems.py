"""A located problem in the dataset, printed as ``path:row:column: message``."""

from __future__ import annotations

from dataclasses import dataclass

# Rows are numbered as a spreadsheet shows them: the header is row 1, the first record row 2.
NOT_A_ROW = 0  # for problems with a whole file or table rather than one of its rows
HEADER_ROW = 1
FIRST_DATA_ROW = 2


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        # One line per problem, whatever hostile input put into a file name, a column name or
        # a message.
        column = self.column or "-"
        if any(char in column for char in ": ") or not column.isprintable():
            column = repr(column)
        return escaped(f"{self.path}:{self.row}:{column}: {self.message}")


def data_row(index: int) -> int:
    """The spreadsheet row of the record at 0-based position ``index``."""
    return index + FIRST_DATA_ROW


def nearest(value: str, candidates, n: int = 3) -> list[str]:
    """The candidates most like ``value``, for a "did you mean" hint."""
    import difflib

    return difflib.get_close_matches(value, list(candidates), n=n, cutoff=0.6)


def escaped(text: str) -> str:
    """``text`` with every character that is not printable (control characters such as ESC,
    line breaks, bidirectional overrides) written as a visible escape, so that words a
    contribution supplied cannot act on a terminal or a CI log."""
    if text.isprintable():
        return text
    return "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in text
    )
