"""A contribution's files as a hostile contributor would commit them: symbolic links out of the
checkout, FIFOs, devices. Every command refuses them as located problems and touches nothing
outside the checkout."""

from __future__ import annotations

import os
import stat

import pytest

from nzdefence.cli import main

LINK = "is a symbolic link; nzdefence reads and writes only the checkout's own files"


@pytest.fixture
def outside(tmp_path):
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_text("SECRET CONTENTS\n", encoding="utf-8")
    return folder


def replace_with_link(path, target):
    if path.is_dir():
        for child in sorted(path.rglob("*"), reverse=True):
            child.unlink() if child.is_file() else child.rmdir()
        path.rmdir()
    else:
        path.unlink()
    path.symlink_to(target)


def test_a_linked_csv_is_refused_and_never_printed(checkout, outside, capsys):
    replace_with_link(checkout / "dataset/csv/actors.csv", outside / "secret.txt")
    assert main(["validate", str(checkout)]) == 1
    out = capsys.readouterr().out
    assert out == f"dataset/csv/actors.csv:0:-: {LINK}\n"


def test_a_fifo_in_place_of_a_csv_does_not_hang(checkout, capsys):
    path = checkout / "dataset/csv/actors.csv"
    path.unlink()
    os.mkfifo(path)
    assert main(["validate", str(checkout)]) == 1
    assert (
        capsys.readouterr().out == "dataset/csv/actors.csv:0:-: is not a regular file\n"
    )


@pytest.mark.parametrize("command", ["validate", "coverage"])
def test_a_source_linked_to_a_device_is_refused(checkout, command, capsys):
    source = "dataset/sources/000_80944da66ceb52dd.txt"
    replace_with_link(checkout / source, "/dev/zero")
    assert main([command, str(checkout)]) == 1
    assert (
        f"dataset/csv/sources.csv:2:path: {source}: {LINK}" in capsys.readouterr().out
    )


def test_locate_refuses_a_linked_source(checkout, outside, capsys):
    source = "000_80944da66ceb52dd"
    replace_with_link(
        checkout / f"dataset/sources/{source}.txt", outside / "secret.txt"
    )
    assert main(["locate", source, "SECRET", str(checkout)]) == 1
    out = capsys.readouterr().out
    assert "SECRET CONTENTS" not in out and LINK in out


@pytest.mark.parametrize("linked", ["dataset/parquet", "docs", "README.md"])
def test_build_writes_nothing_through_a_link(checkout, outside, linked, capsys):
    target = outside / "secret.txt" if linked == "README.md" else outside
    replace_with_link(checkout / linked, target)
    before = sorted(p.name for p in outside.iterdir())
    assert main(["build", str(checkout)]) == 1
    assert capsys.readouterr().out == f"{linked}:0:-: {LINK}\n"
    assert sorted(p.name for p in outside.iterdir()) == before
    assert (outside / "secret.txt").read_text(encoding="utf-8") == "SECRET CONTENTS\n"
    assert list(checkout.rglob("*.tmp")) == []


def test_outputs_get_a_normal_files_permissions(checkout):
    """Written through mkstemp, an output would be private (0600) unless its mode is set."""
    (checkout / "datapackage.json").chmod(0o600)
    umask = os.umask(0o022)
    try:
        assert main(["build", str(checkout)]) == 0
    finally:
        os.umask(umask)
    mode = stat.S_IMODE((checkout / "datapackage.json").stat().st_mode)
    assert mode == 0o644
