"""Checks in a forked child: results and failures come back to the parent."""

from __future__ import annotations

import pytest

from nzdefence import parallel

pytestmark = pytest.mark.skipif(
    not parallel.can_fork(), reason="fork is used only on Linux, without other threads"
)


def test_the_childs_result_comes_back():
    parent_list: list[int] = []

    def work() -> dict[str, list[int]]:
        parent_list.append(1)  # the child's copy, not ours
        return {"rows": [2, 3]}

    assert parallel.in_child(work)() == {"rows": [2, 3]}
    assert parent_list == []


def test_a_failure_in_the_child_is_raised_with_its_traceback():
    result = parallel.in_child(lambda: 1 / 0)
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        result()


def test_a_large_result_does_not_block_the_pipe():
    rows = list(range(1_000_000))
    assert parallel.in_child(lambda: rows)() == rows
