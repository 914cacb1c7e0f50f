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
        return f"{self.path}:{self.row}:{self.column or '-'}: {self.message}"


def data_row(index: int) -> int:
    """The spreadsheet row of the record at 0-based position ``index``."""
    return index + FIRST_DATA_ROW
