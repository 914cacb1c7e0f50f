"""Problems as GitHub Actions workflow commands (``--format github``): each an error annotation
on its file and line, so that it shows on the line of the pull request's diff.

The syntax is ``::error file=PATH,line=LINE,col=COLUMN,title=TITLE::MESSAGE``. The runner reads
every line of a step's output that starts with ``::`` as a command, so every piece of data in
one is escaped as GitHub's own toolkit does (``escapeData`` and ``escapeProperty`` in
actions/toolkit's command.ts): ``%``, CR and LF in the message; those and ``:`` and ``,`` in a
property. Before that, every character that is not printable is written as a visible escape
(``problems.escaped``), so no line break, escape sequence or bidirectional override that a
contribution wrote can start a second command or act on the log.
"""

from __future__ import annotations

import posixpath

from .problems import NOT_A_ROW, Problem, escaped


def command_data(text: str) -> str:
    """A workflow command's message, escaped."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def command_property(text: str) -> str:
    """A workflow command's property value, escaped."""
    return command_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(problem: Problem, root: str = ".") -> str:
    """``problem`` as an error annotation. ``root`` is the checkout's folder relative to the
    repository's (GitHub locates files from there). Our column is a CSV column's name, not a
    character's position, so it goes in the title; a problem with a whole file (line 0) is
    annotated on the file."""
    path = posixpath.normpath(posixpath.join(root, problem.path))
    properties = [f"file={command_property(escaped(path))}"]
    if problem.line != NOT_A_ROW:
        properties += [f"line={problem.line}", "col=1"]
    title = f"nzdefence: {problem.column}" if problem.column else "nzdefence"
    properties.append(f"title={command_property(escaped(title))}")
    return f"::error {','.join(properties)}::{command_data(escaped(problem.message))}"


def error(message: str) -> str:
    """An error annotation that belongs to no file."""
    return f"::error title=nzdefence::{command_data(escaped(message))}"
