"""A contribution's files as a hostile contributor would commit them: symbolic links out of the
checkout, FIFOs, devices, files over their size limits, Parquet that decodes to gigabytes.
Every command refuses them as located problems and touches nothing outside the checkout."""

from __future__ import annotations

import base64
import os
import shutil
import stat

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import REPO

from nzdefence.cli import main
from nzdefence.parquet import MAX_DECODED_BYTES, MAX_PARQUET_BYTES
from nzdefence.provenance import MAX_SOURCE_BYTES
from nzdefence.published import data_folders, evidence_link, read_schemas
from nzdefence.schemas import MAX_SCHEMA_BYTES
from nzdefence.validate import MAX_CSV_BYTES

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


# --- show and site read a checkout only through the same gate --------------------------------

SOURCE = "dataset/sources/000_80944da66ceb52dd.txt"


def first_supported_record() -> tuple[str, str]:
    """A record that ``nzdefence show`` prints with a quote from SOURCE."""
    link = evidence_link(read_schemas(data_folders(REPO)))
    rows = pq.read_table(REPO / "dataset/parquet/evidence.parquet").to_pylist()
    row = next(r for r in rows if f"dataset/sources/{r['source_id']}.txt" == SOURCE)
    return row[link.table_column], row[link.record_column]


def reading(command: str, checkout, tmp_path) -> list[str]:
    """The arguments of a command that reads the published data of ``checkout``."""
    if command == "show":
        return ["show", *first_supported_record(), str(checkout)]
    return ["site", str(tmp_path / "site"), str(checkout)]


def grow(path, size: int) -> None:
    """Make a file ``size`` bytes long without writing them (a sparse file)."""
    os.truncate(path, size)


@pytest.mark.parametrize(
    "relative, limit, expected",
    [
        ("dataset/csv/actors.csv", MAX_CSV_BYTES, "dataset/csv/actors.csv:0:-:"),
        (
            "schema/actors.schema.json",
            MAX_SCHEMA_BYTES,
            "schema/actors.schema.json:0:-:",
        ),
        (SOURCE, MAX_SOURCE_BYTES, f"dataset/csv/sources.csv:2:path: {SOURCE}:"),
        (
            "dataset/parquet/actors.parquet",
            MAX_PARQUET_BYTES,
            "dataset/parquet/actors.parquet:0:-:",
        ),
    ],
)
def test_validate_refuses_an_oversize_file_by_its_path(
    checkout, relative, limit, expected, capsys
):
    grow(checkout / relative, limit + 1)
    assert main(["validate", str(checkout)]) == 1
    assert capsys.readouterr().out == f"{expected} is larger than {limit:,} bytes\n"


@pytest.mark.parametrize(
    "relative, limit",
    [
        ("dataset/parquet/evidence.parquet", MAX_PARQUET_BYTES),
        ("schema/evidence.schema.json", MAX_SCHEMA_BYTES),
        (SOURCE, MAX_SOURCE_BYTES),
    ],
)
@pytest.mark.parametrize("command", ["show", "site"])
def test_show_and_site_refuse_an_oversize_file_by_its_path(
    checkout, tmp_path, command, relative, limit, capsys
):
    grow(checkout / relative, limit + 1)
    assert main(reading(command, checkout, tmp_path)) == 1
    assert (
        capsys.readouterr().out == f"{relative}:0:-: is larger than {limit:,} bytes\n"
    )
    assert not (tmp_path / "site").exists()


READ_BY_BOTH = [
    "dataset/parquet/evidence.parquet",
    "dataset/parquet",
    "schema/evidence.schema.json",
    SOURCE,
    "dataset/sources",
]


@pytest.mark.parametrize(
    "command, linked",
    [("show", linked) for linked in READ_BY_BOTH]
    + [("site", linked) for linked in [*READ_BY_BOTH, "docs/timeline.png"]],
)
def test_show_and_site_refuse_a_linked_file_and_never_print_it(
    checkout, outside, tmp_path, command, linked, capsys
):
    original = checkout / linked
    if original.is_dir():
        shutil.copytree(original, outside / "copy")
        target = outside / "copy"
    else:
        # An outside file with the same bytes: only the link itself is wrong.
        shutil.copy2(original, outside / "copy")
        target = outside / "copy"
    replace_with_link(original, target)
    assert main(reading(command, checkout, tmp_path)) == 1
    assert capsys.readouterr().out == f"{linked}:0:-: {LINK}\n"
    assert not (tmp_path / "site").exists()


def test_show_does_not_wait_on_a_fifo_in_place_of_a_source(checkout, tmp_path, capsys):
    (checkout / SOURCE).unlink()
    os.mkfifo(checkout / SOURCE)
    assert main(reading("show", checkout, tmp_path)) == 1
    assert capsys.readouterr().out == f"{SOURCE}:0:-: is not a regular file\n"


def test_a_non_utf8_source_is_a_located_problem(checkout, tmp_path, capsys):
    (checkout / SOURCE).write_bytes(b"\xff\xfe not UTF-8")
    assert main(reading("site", checkout, tmp_path)) == 1
    assert capsys.readouterr().out == (
        f"{SOURCE}:0:-: is not valid UTF-8: invalid start byte at byte 0\n"
    )


def test_parquet_of_other_columns_is_refused_before_it_is_decoded(
    checkout, tmp_path, capsys
):
    path = checkout / "dataset/parquet/evidence.parquet"
    table = pq.read_table(path)
    pq.write_table(table.drop_columns(["note"]), path)
    assert main(reading("show", checkout, tmp_path)) == 1
    out = capsys.readouterr().out
    assert out.startswith(
        "dataset/parquet/evidence.parquet:0:-: does not have the columns and types its "
        "schema gives ("
    )
    assert out.count("\n") == 1


def write_dictionary_bomb(path) -> None:
    """Every quote the same 16 MiB text, stored once in a dictionary page: a file of a few
    kilobytes, with the schema nzdefence expects, that decodes to gigabytes."""
    table = pq.read_table(path)
    index = table.schema.get_field_index("quote")
    huge = pa.DictionaryArray.from_arrays(
        pa.array([0] * table.num_rows, pa.int32()), pa.array(["x" * (16 << 20)])
    )
    bomb = table.set_column(index, pa.field("quote", huge.type), huge)
    # The file claims the schema of the real table, so that readers take it as plain text.
    claimed = base64.b64encode(table.schema.serialize().to_pybytes())
    with pq.ParquetWriter(
        path, bomb.schema, store_schema=False, compression="zstd"
    ) as out:
        out.write_table(bomb)
        out.add_key_value_metadata({"ARROW:schema": claimed})
    assert path.stat().st_size < 100_000
    assert table.num_rows * (16 << 20) > MAX_DECODED_BYTES


@pytest.mark.parametrize("command", ["show", "site"])
def test_a_parquet_file_that_decodes_to_gigabytes_is_refused(
    checkout, tmp_path, command, capsys
):
    write_dictionary_bomb(checkout / "dataset/parquet/evidence.parquet")
    assert main(reading(command, checkout, tmp_path)) == 1
    assert capsys.readouterr().out == (
        "dataset/parquet/evidence.parquet:0:-: decodes to more than the "
        f"{MAX_DECODED_BYTES:,} bytes a table may take\n"
    )


def test_build_check_does_not_decode_a_parquet_bomb(checkout, capsys):
    write_dictionary_bomb(checkout / "dataset/parquet/evidence.parquet")
    assert main(["build", "--check", str(checkout)]) == 1
    assert capsys.readouterr().out == (
        "dataset/parquet/evidence.parquet:0:-: differs from what nzdefence build writes; "
        "run nzdefence build\n"
    )
