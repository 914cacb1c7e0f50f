"""Checks in a forked child: results and failures come back to the parent."""

from __future__ import annotations

import os

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


def test_a_child_that_dies_without_a_result_is_told_apart():
    result = parallel.in_child(lambda: os._exit(3))
    with pytest.raises(parallel.ChildLost):
        result()


def test_when_no_child_can_be_forked_nothing_is_left_open(monkeypatch):
    def fork_refused():
        raise BlockingIOError("fork: resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", fork_refused)
    open_before = len(os.listdir("/proc/self/fd"))
    with pytest.raises(OSError):
        parallel.in_child(lambda: 1)
    assert len(os.listdir("/proc/self/fd")) == open_before
