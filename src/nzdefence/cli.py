"""The ``nzdefence`` command: validate, build."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .layout import SCHEMA_DIR


def _print_report(report, success: str) -> int:
    for problem in report.problems:
        print(problem)
    if report.problems:
        print(f"{len(report.problems)} problem(s) found.", file=sys.stderr)
        return 1
    print(success)
    return 0


def _valid_checkout(root: Path, needs: set[str]):
    """The checkout read and checked table by table, or None (problems printed) if it is not
    valid enough to work on."""
    from .validate import read_checkout

    checkout = read_checkout(root)
    if not checkout.problems and needs <= set(checkout.frames):
        return checkout
    for problem in checkout.problems:
        print(problem)
    print(
        f"this needs valid {', '.join(sorted(needs))} tables; run nzdefence validate",
        file=sys.stderr,
    )
    return None


def _coverage(root: Path, *, uncovered_only: bool) -> int:
    from .coverage import coverage, format_report
    from .provenance import SourceFiles

    checkout = _valid_checkout(root, {"sources", "evidence", "exclusions"})
    if checkout is None:
        return 1
    files, problems = SourceFiles.load(
        root, checkout.frames["sources"], "dataset/csv/sources.csv"
    )
    if problems:
        for problem in problems:
            print(problem)
        return 1
    lines, complete = format_report(
        coverage(files.texts, checkout.frames), uncovered_only=uncovered_only
    )
    print("\n".join(lines))
    return 0 if complete else 1


def _locate(root: Path, source_id: str, words: str) -> int:
    import csv
    import io
    import re

    from . import files
    from .layout import SOURCES_DIR
    from .locate import locate
    from .problems import escaped
    from .provenance import read_source_text
    from .schemas import SchemaError, read_schemas

    try:
        pattern = read_schemas(root)["sources"].field("source_id").pattern
    except SchemaError as error:
        for problem in error.problems:
            print(problem)
        return 1
    # A source id that breaks the schema's pattern could name a path outside dataset/sources/.
    try:
        if pattern is None or not re.fullmatch(pattern, source_id):
            raise FileNotFoundError(source_id)
        text = read_source_text(root, source_id)
    except (OSError, files.UnsafePath, UnicodeDecodeError) as error:
        try:
            known = [
                Path(name).stem
                for name in files.list_folder(root, SOURCES_DIR.as_posix())
            ]
        except files.UnsafePath:
            known = []
        reason = (
            "no such source" if isinstance(error, FileNotFoundError) else str(error)
        )
        print(escaped(f"{source_id}: {reason}; the sources are: {', '.join(known)}"))
        return 1
    passages, exact = locate(text, words)
    if not passages:
        print("not found, and no passage of the source is close to these words")
        return 1
    if not exact:
        print("not found exactly; the closest passages, as they stand in the source:")
    for passage in passages:
        cells = io.StringIO()
        csv.writer(cells, lineterminator="").writerow(
            [source_id, passage.text, passage.start, passage.end]
        )
        similarity = (
            ""
            if passage.similarity == 1.0 and exact
            else f"  (similarity {passage.similarity:.2f})"
        )
        print(f"quote_start={passage.start} quote_end={passage.end}{similarity}")
        print(f"  source_id,quote,quote_start,quote_end: {cells.getvalue()}")
    return 0 if exact else 1


def _plot(root: Path) -> int:
    from .plot import PANELS

    checkout = _valid_checkout(root, set(PANELS))
    if checkout is None:
        return 1
    try:
        from .plot import draw

        written = draw(checkout.tables, root)
    except ImportError:
        print(
            "matplotlib is not installed: pip install 'nzdefence[plot]'",
            file=sys.stderr,
        )
        return 1
    print("drew " + " and ".join(path.relative_to(root).as_posix() for path in written))
    return 0


def _add_root(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "path",
        nargs="?",
        default=".",
        type=Path,
        help="the checkout's root (default: .)",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nzdefence", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser(
        "validate", help="check a checkout; print path:row:column: message per problem"
    )
    _add_root(check)
    build = commands.add_parser(
        "build", help="validate, then write Parquet and datapackage.json"
    )
    _add_root(build)
    build.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if an output is stale",
    )
    cover = commands.add_parser(
        "coverage",
        help="list fact-bearing sentences per source and whether spans cover them",
    )
    _add_root(cover)
    cover.add_argument(
        "--uncovered", action="store_true", help="list only the sentences not covered"
    )
    find = commands.add_parser(
        "locate", help="print the offsets of words in a source, ready for evidence.csv"
    )
    find.add_argument("source_id", help="the source's id, e.g. 004_9f5748521d0dcdb6")
    find.add_argument("words", help="words from the source, as exactly as you can")
    find.add_argument(
        "--root", default=".", type=Path, help="the checkout's root (default: .)"
    )
    plot = commands.add_parser(
        "plot", help="draw docs/timeline.png and .svg (needs nzdefence[plot])"
    )
    _add_root(plot)
    args = parser.parse_args(argv)
    if args.command == "locate":
        return _locate(args.root, args.source_id, args.words)

    if not (args.path / SCHEMA_DIR).is_dir():
        print(f"{args.path}:0:-: not a dataset checkout (no schema/ folder)")
        return 1
    if args.command == "validate":
        from .validate import validate

        report = validate(args.path)
        return _print_report(report, report.summary())
    if args.command == "plot":
        return _plot(args.path)
    if args.command == "coverage":
        return _coverage(args.path, uncovered_only=args.uncovered)
    from .build import build as run_build

    report = run_build(args.path, check=args.check)
    done = (
        "outputs are up to date"
        if args.check
        else "built dataset/parquet/ and datapackage.json"
    )
    return _print_report(report, f"{report.summary()}; {done}")


def run() -> None:
    """Console entry point: exit quietly when the reader of our output goes away (| head)."""
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # Python flushes stdout again at exit; point it at devnull so that flush cannot fail.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 1
    sys.exit(code)


if __name__ == "__main__":
    run()
