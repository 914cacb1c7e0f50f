"""Reading and writing a checkout's files, and nothing outside it.

A contribution is untrusted, and any path in it can be a committed symbolic link, a FIFO or a
huge file. Every command reads and writes the checkout only through this module, which refuses
a symbolic link anywhere below the checkout's root, anything that is not a regular file, and a
file over its size limit; and writes every output to a unique temporary file beside it, renaming
them into place only when all are ready.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path, PurePosixPath

MiB = 1 << 20


class UnsafePath(Exception):
    """A path that nzdefence will not read or write; the message says why."""

    def __init__(self, relative: PurePosixPath | str, reason: str):
        super().__init__(f"{relative}: {reason}")
        self.relative = PurePosixPath(relative)
        self.reason = reason


def _walk(root: Path, relative: PurePosixPath | str, *, create: bool = False) -> Path:
    """The path of ``relative`` below ``root``, having checked that no component below the root
    is a symbolic link (or, with ``create``, made the missing folders)."""
    relative = PurePosixPath(relative)
    if relative.is_absolute() or any(
        part in ("", ".", "..") for part in relative.parts
    ):
        raise UnsafePath(relative, "the path must stay inside the checkout")
    path = Path(root)
    for depth, part in enumerate(relative.parts, start=1):
        path = path / part
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            if not create:
                raise
            if depth < len(relative.parts):
                os.mkdir(path)
            continue
        if stat.S_ISLNK(mode):
            shown = PurePosixPath(*relative.parts[:depth])
            raise UnsafePath(
                shown,
                "is a symbolic link; nzdefence reads and writes only the checkout's own files",
            )
    return path


def exists(root: Path, relative: PurePosixPath | str) -> bool:
    """Whether ``relative`` names something (a link counts) below ``root``."""
    try:
        os.lstat(Path(root) / relative)
        return True
    except OSError:
        return False


def read_bytes(root: Path, relative: PurePosixPath | str, *, limit: int) -> bytes:
    """The bytes of a regular file of the checkout, at most ``limit`` of them.

    Raises FileNotFoundError if it is missing, UnsafePath if it is a link, not a regular file,
    or larger than ``limit``."""
    path = _walk(root, relative)
    # O_NOFOLLOW: a link swapped in after the check is still refused; O_NONBLOCK: a FIFO
    # cannot make the open wait for a writer.
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        if isinstance(error, FileNotFoundError):
            raise
        raise UnsafePath(relative, f"cannot be read: {error.strerror}") from None
    with os.fdopen(descriptor, "rb") as handle:
        status = os.fstat(handle.fileno())
        if not stat.S_ISREG(status.st_mode):
            raise UnsafePath(relative, "is not a regular file")
        if status.st_size > limit:
            raise UnsafePath(relative, f"is larger than {limit:,} bytes")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise UnsafePath(relative, f"is larger than {limit:,} bytes")
    return data


def list_folder(root: Path, relative: PurePosixPath | str) -> list[str]:
    """The names in a folder of the checkout (empty if it is missing), sorted."""
    try:
        path = _walk(root, relative)
    except FileNotFoundError:
        return []
    if not path.is_dir():
        raise UnsafePath(relative, "is not a folder")
    return sorted(os.listdir(path))


def write_atomically(files: dict[PurePosixPath, bytes], root: Path) -> None:
    """Write every file to a unique temporary file in its own folder, then rename them all
    into place. Nothing is renamed unless every file was written; a failure removes the
    temporary files and leaves the previous outputs whole. Raises UnsafePath for a link."""
    umask = os.umask(0)
    os.umask(umask)
    targets = {relative: _walk(root, relative, create=True) for relative in files}
    for relative, target in targets.items():
        if exists(root, relative) and not target.is_file():
            raise UnsafePath(relative, "is not a regular file")
    staged: list[tuple[str, Path]] = []
    try:
        for relative, content in files.items():
            target = targets[relative]
            handle, temporary = tempfile.mkstemp(
                dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
            )
            staged.append(
                (temporary, target)
            )  # first, so that a failed write is removed
            # mkstemp makes the file private (0600); an output gets a normal file's mode.
            os.fchmod(handle, 0o666 & ~umask)
            with os.fdopen(handle, "wb") as stream:
                stream.write(content)
                stream.flush()
                os.fsync(stream.fileno())
    except BaseException:
        for temporary, _ in staged:
            os.unlink(temporary)
        raise
    for temporary, target in staged:
        os.replace(temporary, target)
