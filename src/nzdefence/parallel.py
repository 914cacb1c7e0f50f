"""Work in a forked child process: the second core for checks that hold Python's GIL.

The Pandera checks and the cross-table checks of a large checkout are both mostly Python
driving pandas and Arrow, so two threads take nearly as long as one. A forked child inherits
the tables already read (copy-on-write, nothing is copied or pickled) and sends back only its
result. Fork is used only where it is safe: on Linux, from a process with no other Python
thread running (Arrow's own thread pools are re-created in the child).
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
import traceback
import warnings
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def can_fork() -> bool:
    return (
        sys.platform == "linux"
        and hasattr(os, "fork")
        and threading.active_count() == 1
    )


class ChildLost(RuntimeError):
    """The child ended without a result: killed (say, out of memory), not failed."""


def in_child(work: Callable[[], T]) -> Callable[[], T]:
    """Start ``work()`` in a forked child; the returned function waits for its result. Call it
    exactly once. Raises OSError if no child can be forked now (a process or memory limit);
    the returned function raises RuntimeError with the child's traceback if ``work`` failed,
    and ChildLost if the child ended without a result."""
    read_end, write_end = os.pipe()
    try:
        with warnings.catch_warnings():
            # Python 3.12+ warns about forking with threads alive; the only ones here are
            # Arrow's pools, which Arrow re-creates in a forked child.
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        raise
    if pid == 0:  # the child: never returns, whatever happens
        try:
            os.close(read_end)
            try:
                payload = pickle.dumps((True, work()))
            except Exception:  # noqa: BLE001 -- any failure goes to the parent, which raises it
                payload = pickle.dumps((False, traceback.format_exc()))
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(payload)
        finally:
            os._exit(
                0
            )  # no teardown, no atexit handlers, no flushing the parent's buffers
    os.close(write_end)

    def result() -> T:
        with os.fdopen(read_end, "rb") as pipe:
            payload = pipe.read()
        os.waitpid(pid, 0)
        if not payload:
            raise ChildLost("the checks' child process ended without a result")
        finished, value = pickle.loads(payload)
        if not finished:
            raise RuntimeError(f"the checks failed in a child process:\n{value}")
        return value

    return result
