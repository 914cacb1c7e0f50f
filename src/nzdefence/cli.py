"""The ``nzdefence`` command: validate, build, diff and the tools around them."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .layout import SCHEMA_DIR
from .problems import escaped

# The commands that read and check a checkout: they need the `validate` extra.
CHECKING_COMMANDS = ("validate", "build", "coverage", "locate", "plot", "diff")


def _print_report(
    report, success: str, output: str = "text", root: Path = Path(".")
) -> int:
    if output == "github":
        from .github import annotation

        relative = Path(os.path.relpath(root)).as_posix()
        lines = [annotation(problem, relative) for problem in report.problems]
    else:
        lines = [str(problem) for problem in report.problems]
    for line in lines:
        print(line)
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
    from .plot import DRAWN_FROM

    checkout = _valid_checkout(root, set(DRAWN_FROM))
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


def _data_folders(path: Path | None):
    """The published data to read: the checkout at ``path``, else the installed data. None
    (the problem printed) if it is not there."""
    from .published import data_folders

    folders = data_folders(path)
    if not folders.parquet.is_dir() or not folders.schema.is_dir():
        where = path if path is not None else "the installed package"
        print(
            f"{where}:0:-: no published data here (dataset/parquet/ and schema/); "
            "run nzdefence build, or leave out --path to read the installed data"
        )
        return None
    return folders


def _show(what: list[str]) -> int:
    from .layout import TABLES
    from .published import DataError
    from .show import BOLD, PLAIN, NotFound, record_lines, span_lines

    # TABLE ID [PATH] or SOURCE_ID START END [PATH]: a source id is never a table's name,
    # and two words are a table and an id (a misspelt table gets its hint).
    arity = 2 if what and (what[0] in TABLES or len(what) == 2) else 3
    if len(what) not in (arity, arity + 1):
        print(
            "usage: nzdefence show TABLE ID [PATH], or nzdefence show SOURCE_ID START END [PATH]",
            file=sys.stderr,
        )
        return 1
    path = Path(what[arity]) if len(what) > arity else None
    # Bold only on a terminal that asks for no plain output (https://no-color.org).
    style = BOLD if sys.stdout.isatty() and not os.environ.get("NO_COLOR") else PLAIN
    folders = _data_folders(path)
    if folders is None:
        return 1
    try:
        if arity == 2:
            lines = record_lines(folders, what[0], what[1], style)
        else:
            try:
                start, end = int(what[1]), int(what[2])
            except ValueError:
                print(
                    "START and END must be whole numbers: character offsets into the source",
                    file=sys.stderr,
                )
                return 1
            lines = span_lines(folders, what[0], start, end, style)
    except NotFound as error:
        print(error, file=sys.stderr)
        return 1
    except DataError as error:  # path:line:column: message, as every command's problems
        print(error)
        return 1
    except KeyError as error:  # a source the evidence names has no file
        print(error.args[0], file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0


def _site(out: Path, path: Path | None, base_url: str | None) -> int:
    from .published import DataError
    from .site import SiteError, build_site

    folders = _data_folders(path)
    if folders is None:
        return 1
    try:
        count = build_site(folders, out, base_url=base_url)
    except SiteError as error:
        for problem in error.problems:
            print(problem)
        return 1
    except DataError as error:
        print(error)
        return 1
    print(f"wrote {count} files to {out}; open {out / 'index.html'}")
    return 0


def _against_base(root: Path, ref: str, output: str) -> int:
    """validate --base: every check, and what the checkout changes that it may not."""
    from .contribution import Base, BaseUnavailable, base_problems
    from .validate import validate

    try:
        base = Base(root, ref)  # first: a wrong REF is said at once
        report = validate(root)
        report.problems = sorted(
            set(report.problems + base_problems(report.checkout, base))
        )
    except BaseUnavailable as error:
        return _base_unavailable(error, output)
    success = f"{report.summary()}; against {ref}: no source changed, no evidence newly verified"
    return _print_report(report, success, output, root)


def _base_unavailable(error: Exception, output: str) -> int:
    if output == "github":
        from .github import error as annotation

        print(annotation(str(error)))
    print(f"nzdefence: {error}", file=sys.stderr)
    return 1


def _diff(root: Path, ref: str, output: str) -> int:
    from .contribution import Base, BaseUnavailable
    from .diff import diff, markdown, text_lines
    from .validate import read_checkout

    try:
        base = Base(root, ref)
        checkout = read_checkout(root)
        if not checkout.schemas:
            for problem in checkout.problems:
                print(problem)
            print("the schemas are broken; run nzdefence validate", file=sys.stderr)
            return 1
        result = diff(checkout, base)
    except BaseUnavailable as error:
        return _base_unavailable(error, "text")
    print(
        markdown(result) if output == "markdown" else "\n".join(text_lines(result)),
        end="\n" if output == "text" else "",
    )
    return 0


def _add_format(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--format",
        choices=("text", "github"),
        default="text",
        help="text: path:line:column: message lines; github: GitHub Actions error "
        "annotations, one per problem, on the lines of the pull request's diff",
    )


def _add_path(command: argparse.ArgumentParser, default: str | None = ".") -> None:
    """Every command takes the checkout's root the same way: last, optional, positional."""
    command.add_argument(
        "path",
        nargs="?",
        default=None if default is None else Path(default),
        type=Path,
        help="the checkout's root (default: "
        + ("." if default is not None else "the data installed with nzdefence")
        + ")",
    )


def _missing(*modules: str) -> list[str]:
    """The modules of an optional extra that are not installed."""
    from importlib.util import find_spec

    return [module for module in modules if find_spec(module) is None]


def main(argv: list[str] | None = None) -> int:
    from ._version import __version__

    parser = argparse.ArgumentParser(prog="nzdefence", description=__doc__)
    parser.add_argument(
        "--version", action="version", version=f"nzdefence {__version__}"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser(
        "validate", help="check a checkout; print path:line:column: message per problem"
    )
    _add_path(check)
    _add_format(check)
    check.add_argument(
        "--base",
        metavar="REF",
        default=None,
        help="also compare with git revision REF (e.g. origin/main): refuse changed source "
        "documents and sources rows, report evidence newly marked verified",
    )
    build = commands.add_parser(
        "build", help="validate, then write every published file"
    )
    _add_path(build)
    build.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if an output is stale",
    )
    _add_format(build)
    changes = commands.add_parser(
        "diff",
        help="what the checkout changes against git revision REF: records added, removed "
        "and changed per table, with their evidence",
    )
    changes.add_argument(
        "ref", metavar="REF", help="the git revision, e.g. origin/main"
    )
    _add_path(changes)
    changes.add_argument(
        "--format",
        choices=("text", "markdown"),
        default="text",
        help="markdown: for a workflow's job summary ($GITHUB_STEP_SUMMARY)",
    )
    cover = commands.add_parser(
        "coverage",
        help="list fact-bearing sentences per source and whether spans cover them",
    )
    _add_path(cover)
    cover.add_argument(
        "--uncovered", action="store_true", help="list only the sentences not covered"
    )
    find = commands.add_parser(
        "locate", help="print the offsets of words in a source, ready for evidence.csv"
    )
    find.add_argument("source_id", help="the source's id, e.g. 004_9f5748521d0dcdb6")
    find.add_argument("words", help="words from the source, as exactly as you can")
    _add_path(find)
    plot = commands.add_parser(
        "plot",
        help="draw the figures in docs/: timeline and partners (needs nzdefence[plot])",
    )
    _add_path(plot)
    show = commands.add_parser(
        "show",
        help="a record's fields and the quotes behind it (TABLE ID [PATH]), or a span of a "
        "source and what it supports (SOURCE_ID START END [PATH]); PATH defaults to the "
        "data installed with nzdefence",
    )
    show.add_argument(
        "what",
        nargs="+",
        metavar="TABLE ID [PATH] | SOURCE_ID START END [PATH]",
        help="what to show, and the checkout to read it from",
    )
    website = commands.add_parser(
        "site",
        help="write a static website: a page per table, record and source, quotes marked",
    )
    website.add_argument(
        "out", type=Path, help="the folder to write (replaced if a site)"
    )
    _add_path(website, default=None)
    website.add_argument(
        "--base-url",
        default=None,
        help="where the site will be published, for the citations (e.g. "
        "https://example.org/nzdefence/); default: addresses relative to the site",
    )
    args = parser.parse_args(argv)
    if args.command == "site":
        return _site(args.out, args.path, args.base_url)
    if args.command == "show":
        return _show(args.what)
    missing = _missing("pandera", "frictionless", "pycountry", "jsonschema", "yaml")
    if args.command in CHECKING_COMMANDS and missing:
        print(
            f"nzdefence {args.command} needs {', '.join(missing)}, which checking a checkout "
            "uses: pip install 'nzdefence[validate]'",
            file=sys.stderr,
        )
        return 1
    if not (args.path / SCHEMA_DIR).is_dir():
        print(escaped(f"{args.path}:0:-: not a dataset checkout (no schema/ folder)"))
        return 1
    if args.command == "locate":
        return _locate(args.path, args.source_id, args.words)
    if args.command == "validate" and args.base is not None:
        return _against_base(args.path, args.base, args.format)
    if args.command == "validate":
        from .validate import validate

        report = validate(args.path)
        return _print_report(report, report.summary(), args.format, args.path)
    if args.command == "diff":
        return _diff(args.path, args.ref, args.format)
    if args.command == "plot":
        return _plot(args.path)
    if args.command == "coverage":
        return _coverage(args.path, uncovered_only=args.uncovered)
    from .build import build as run_build

    report = run_build(args.path, check=args.check)
    done = "outputs are up to date" if args.check else "built every published file"
    return _print_report(report, f"{report.summary()}; {done}", args.format, args.path)


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
