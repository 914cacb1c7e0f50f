"""A located problem in the dataset, printed as ``path:line:column: message``."""

from __future__ import annotations

from dataclasses import dataclass

# A problem is located by the physical line of its file that an editor or a pull request's
# diff shows (a record with a line break in a cell spans several; it is located by its first).
NOT_A_ROW = 0  # for problems with a whole file rather than one of its lines
HEADER_ROW = 1


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        # One line per problem, whatever hostile input put into a file name, a column name or
        # a message.
        column = self.column or "-"
        if any(char in column for char in ": ") or not column.isprintable():
            column = repr(column)
        return escaped(f"{self.path}:{self.line}:{column}: {self.message}")


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
