"""Measure validate, build and load on synthetic datasets, and validate on a hostile one;
write docs/benchmarks.md.

python scripts/benchmark.py [--sizes 10000,100000,1000000] [--repeat 3]

Every measurement is a separate process (cold start
included); wall time is the median of the repetitions, peak memory the process's maximum
resident set size.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from nzdefence.layout import (
    CSV_DIR,
    DATAPACKAGE,
    PARQUET_DIR,
    SCHEMA_DIR,
    SOURCES_DIR,
    TABLES,
    csv_path,
    source_path,
)
from nzdefence.schemas import read_schemas

REPO = Path(__file__).resolve().parents[1]
UNITS_PER_SOURCE = 2_000
ROWS_PER_UNIT = 20  # one row in each of the ten fact tables and ten evidence rows


def record_id(table: str, unit: int) -> str:
    """The id of a unit's record in a fact table: agreement-7, capability-7."""
    singular = table[:-3] + "y" if table.endswith("ies") else table[:-1]
    return f"{singular}-{unit}"


def synthesize(
    root: Path, rows: int, schema_dir: Path = REPO / SCHEMA_DIR
) -> dict[str, int]:
    """Write a consistent checkout of about ``rows`` rows: every key resolves, every quote sits
    at its offsets in a generated source text, every number appears in its evidence."""
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(schema_dir, root / SCHEMA_DIR)
    (root / SOURCES_DIR).mkdir(parents=True)
    (root / CSV_DIR).mkdir(parents=True)
    schemas = read_schemas(root)
    link = schemas["evidence"].record_links[0]  # which columns name the record
    units = max(1, rows // ROWS_PER_UNIT)
    # Rows by field name; a field a row does not give is empty.
    out: dict[str, list[dict]] = {name: [] for name in TABLES}
    actors = max(1, units // 100)
    out["actors"] = [
        {"id": f"actor-{a}", "name": f"Actor {a}", "kind": "person", "country": "NZL"}
        for a in range(actors)
    ]
    for first in range(0, units, UNITS_PER_SOURCE):
        source_id = f"{first // UNITS_PER_SOURCE:06d}_synthetic"
        parts: list[str] = []
        length = 0

        def sentence(text: str, parts: list[str] = parts) -> tuple[str, int, int]:
            nonlocal length
            start = length
            parts.append(text + " ")
            length += len(text) + 1
            return text, start, start + len(text)

        for u in range(first, min(first + UNITS_PER_SOURCE, units)):
            day = 1 + u % 28
            personnel, value = 10 + u % 990, 1 + u % 50
            spans = {
                "agreements": sentence(
                    f"Agreement {u} was signed on 2024-03-{day:02d} by Actor {u % actors}."
                ),
                "exercises": sentence(
                    f"Exercise {u} took place in April 2024 with Australia."
                ),
                "deployments": sentence(
                    f"New Zealand sent {personnel} personnel in deployment {u}."
                ),
                "budgets": sentence(
                    f"Budget {u} is NZ${value} billion over four years."
                ),
                "statements": sentence(
                    f"Actor {u % actors} said: “We will act on matter {u}.”"
                ),
                "milestones": sentence(f"Agreement {u} was signed in Wellington."),
                "capabilities": sentence(
                    f"New Zealand plans to buy {value} frigates under plan {u}."
                ),
                "documents": sentence(f"Policy document {u} was issued in 2024."),
                "offices": sentence(f"Actor {u % actors} is Minister {u}."),
                "engagements": sentence(
                    f"Actor {u % actors} visited Australia on visit {u}."
                ),
            }
            out["agreements"].append(
                {
                    "id": f"agreement-{u}",
                    "name": f"Agreement {u}",
                    "kind": "security_pact",
                    "parties": "AUS;NZL",
                    "status": "signed",
                    "nz_signatory": f"actor-{u % actors}",
                    "date_start": f"2024-03-{day:02d}",
                    "date_end": f"2024-03-{day:02d}",
                    "date_precision": "day",
                    "date_basis": "stated",
                    "place": "Wellington",
                    "description": f"Agreement {u}.",
                }
            )
            out["exercises"].append(
                {
                    "id": f"exercise-{u}",
                    "name": f"Exercise {u}",
                    "kind": "exercise",
                    "participants": "AUS;NZL",
                    "nz_assets": "HMNZS Example",
                    "location": "Tasman Sea",
                    "date_start": "2024-04-01",
                    "date_end": "2024-04-30",
                    "date_precision": "month",
                    "date_basis": "stated",
                    "description": f"Exercise {u}.",
                }
            )
            out["deployments"].append(
                {
                    "id": f"deployment-{u}",
                    "sending_country": "NZL",
                    "destination": "Sinai",
                    "unit": "personnel",
                    "personnel": str(personnel),
                    "status": "deployed",
                    "description": f"Deployment {u}.",
                }
            )
            out["budgets"].append(
                {
                    "id": f"budget-{u}",
                    "country": "NZL",
                    "measure": "total_over_period",
                    "value": str(value),
                    "unit": "NZD",
                    "scale": "billion",
                    "period": "four years",
                    "description": f"Budget {u}.",
                }
            )
            out["statements"].append(
                {
                    "id": f"statement-{u}",
                    "speaker": f"actor-{u % actors}",
                    "speaker_office": f"office-{u}",
                    "kind": "quote",
                    "text": f"We will act on matter {u}.",
                    "summary": f"Actor {u % actors} said they will act on matter {u}.",
                    "topics": "alignment;trade",
                    "about": f"agreements:agreement-{u};milestones:milestone-{u}",
                }
            )
            out["milestones"].append(
                {
                    "id": f"milestone-{u}",
                    "agreement": f"agreement-{u}",
                    "stage": "signed",
                    "countries": "AUS;NZL",
                    "actors": f"actor-{u % actors}",
                    "place": "Wellington",
                }
            )
            out["capabilities"].append(
                {
                    "id": f"capability-{u}",
                    "buyer": "NZL",
                    "item": "frigates",
                    "kind": "procurement",
                    "action": "acquire",
                    "quantity": str(value),
                    "status": "planned",
                    "description": f"Plan {u}.",
                }
            )
            out["documents"].append(
                {
                    "id": f"document-{u}",
                    "title": f"Policy document {u}",
                    "kind": "policy_document",
                    "issuer_countries": "NZL",
                    "issuers": f"actor-{u % actors}",
                    "status": "issued",
                    "date_start": "2024-01-01",
                    "date_end": "2024-12-31",
                    "date_precision": "year",
                    "date_basis": "stated",
                    "description": f"Document {u}.",
                }
            )
            out["offices"].append(
                {
                    "id": f"office-{u}",
                    "holder": f"actor-{u % actors}",
                    "office": f"Minister {u} of New Zealand",
                    "title": f"Minister {u}",
                    "country": "NZL",
                    "status": "serving",
                    "as_given": f"Minister {u}",
                }
            )
            out["engagements"].append(
                {
                    "id": f"engagement-{u}",
                    "kind": "visit",
                    "status": "held",
                    "participants": f"actor-{u % actors}",
                    "sending_countries": "NZL",
                    "host_countries": "AUS",
                    "place": "Australia",
                    "outcomes": f"milestones:milestone-{u}",
                    "description": f"Visit {u}.",
                }
            )
            for table, (quote, start, end) in spans.items():
                out["evidence"].append(
                    {
                        link.table_column: table,
                        link.record_column: record_id(table, u),
                        "source_id": source_id,
                        "quote": quote,
                        "quote_start": start,
                        "quote_end": end,
                        "review": "verified",
                    }
                )
            if u % 10 == 0:
                quote, start, end = sentence(f"Commentary on matter {u}.")
                out["exclusions"].append(
                    {
                        "source_id": source_id,
                        "quote": quote,
                        "quote_start": start,
                        "quote_end": end,
                        "reason": "commentary",
                        "review": "verified",
                        "note": "Synthetic commentary.",
                    }
                )
        text = "".join(parts)
        path = root / source_path(source_id)
        path.write_text(text, encoding="utf-8", newline="")
        out["sources"].append(
            {
                "source_id": source_id,
                "path": source_path(source_id).as_posix(),
                "title": f"Synthetic source {source_id}",
                "genre": "news",
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                "characters": len(text),
                "note": "Generated for benchmarks.",
            }
        )
    for name in TABLES:
        with open(root / csv_path(name), "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(
                handle, schemas[name].field_names, restval="", lineterminator="\n"
            )
            writer.writeheader()
            writer.writerows(out[name])
    return {name: len(records) for name, records in out.items()}


# 20,000 ids in each fact table: as many as a nearest-id hint searches (MAX_HINT_CANDIDATES).
HOSTILE_ROWS = 200_000
HOSTILE_QUOTE = 4_900  # characters, just under a cell's limit (MAX_CELL_CHARACTERS)
HOSTILE_COLUMNS = 20_000  # names in one header
HOSTILE_MISSING = 1_000  # evidence rows naming records that do not exist


def make_hostile(root: Path) -> str:
    """Break a synthetic checkout as a hostile contribution would, at the sizes that were slow
    before they were bounded: a long quote that is not in its source (the closest-passage
    hint), a very wide header, many evidence rows naming missing records among 20,000 ids
    each (nearest-id hints). Returns what it did, for the report."""
    link = read_schemas(root)["evidence"].record_links[0]
    path = root / csv_path("evidence")
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header, rows = reader.fieldnames, list(reader)
    words = " ".join(f"unsourced{i}" for i in range(HOSTILE_QUOTE))
    rows[0]["quote"] = words[:HOSTILE_QUOTE]
    for row in rows[1 : 1 + HOSTILE_MISSING]:
        row[link.record_column] += "-missing"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    path = root / csv_path("actors")
    lines = path.read_text(encoding="utf-8").splitlines()
    extra = "".join(f",extra_{i}" for i in range(HOSTILE_COLUMNS))
    padding = "," * HOSTILE_COLUMNS
    path.write_text(
        "\n".join([lines[0] + extra, *(line + padding for line in lines[1:])]) + "\n",
        encoding="utf-8",
    )
    return (
        f"a synthetic checkout of {HOSTILE_ROWS:,} rows with a {HOSTILE_QUOTE:,}-character "
        f"quote not in its source, a header of {HOSTILE_COLUMNS:,} unknown columns, and "
        f"{HOSTILE_MISSING:,} evidence rows naming missing records among "
        f"{HOSTILE_ROWS // ROWS_PER_UNIT:,} ids each"
    )


@dataclass
class Measurement:
    seconds: float  # the median
    peak_mib: float
    exit_code: int
    fastest: float = 0.0
    slowest: float = 0.0

    def spread(self) -> str:
        return f"{self.fastest:.2f}–{self.slowest:.2f}"


_RUNNER = """
import resource, subprocess, sys, time, json
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps([seconds, peak, code]))
"""


def measure(
    command: list[str], repeat: int = 3, cwd: Path | None = None
) -> Measurement:
    """Median wall time and peak memory of ``command``, each run in a fresh process."""
    runs = []
    for _ in range(repeat):
        result = subprocess.run(
            [sys.executable, "-c", _RUNNER, *command],
            capture_output=True,
            text=True,
            cwd=cwd,
            check=True,
        )
        runs.append(json.loads(result.stdout))
    return Measurement(
        statistics.median(r[0] for r in runs),
        max(r[1] for r in runs),
        max(r[2] for r in runs),
        min(r[0] for r in runs),
        max(r[0] for r in runs),
    )


def measure_alternately(*commands: list[str], repeat: int) -> tuple[Measurement, ...]:
    """Median times of several commands measured alternately, one run of each at a time."""
    runs: tuple[list, ...] = tuple([] for _ in commands)
    for _ in range(repeat):
        for command, into in zip(commands, runs):
            into.append(measure(command, repeat=1))
    return tuple(
        Measurement(
            statistics.median(m.seconds for m in group),
            max(m.peak_mib for m in group),
            max(m.exit_code for m in group),
            min(m.seconds for m in group),
            max(m.seconds for m in group),
        )
        for group in runs
    )


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def _cli(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "nzdefence.cli", *arguments]


LOAD = "import nzdefence; nzdefence.load({table!r}, directory={directory!r})"
BARE = "import pyarrow.parquet as pq; pq.read_table({path!r}).to_pandas()"
IMPORTS = "import pandas, pyarrow, pyarrow.csv, pandera.pandas, frictionless, jsonschema, pycountry"
# Prints the modules outside nzdefence that validating ``root`` loads: the libraries above and
# what they import only on first use (Pandera's pandas backend imports hypothesis when it is
# installed; Frictionless imports its plugins at its first descriptor check).
LOADED_BY_VALIDATE = """
import json, sys
from pathlib import Path
from nzdefence.validate import validate
validate(Path({root!r}))
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] != "nzdefence")))
"""
IMPORT_EACH = """
import importlib
for name in {names!r}:
    try:
        importlib.import_module(name)
    except Exception:  # a module that only its parent may import; the parent imports it
        pass
"""


def imports_of_validate(root: Path) -> str:
    """Code that imports every module outside nzdefence that validating ``root`` loads."""
    printed = subprocess.run(
        _python(LOADED_BY_VALIDATE.format(root=str(root))),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return IMPORT_EACH.format(names=json.loads(printed))


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB memory"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores ({cpu}){memory}; {platform.system()} {platform.release()}; Python {platform.python_version()}"


def run(
    sizes: list[int],
    workdir: Path,
    repeat: int,
    frictionless_up_to: int,
    site_up_to: int = 100_000,
) -> str:
    """Run every measurement; return the Markdown report (also printed as it goes)."""
    import pandas
    import pandera
    import pyarrow

    import nzdefence

    lines = [
        "# Benchmarks",
        "",
        f"Measured by `scripts/benchmark.py` on {time.strftime('%Y-%m-%d')}: {machine()}.",
        (
            f"nzdefence {nzdefence.__version__}, pandas {pandas.__version__}, pyarrow {pyarrow.__version__}, "
            f"pandera {pandera.__version__}. Every figure is a separate process, cold start included; "
            f"times are the median of {repeat} runs, memory the peak resident set of the largest process."
        ),
        "",
    ]

    def say(line: str = "") -> None:
        print(line, flush=True)
        lines.append(line)

    # Measured alternately, run by run, so that drift in the machine's speed falls on all three.
    imports, every_import, real = measure_alternately(
        _python(IMPORTS),
        _python(imports_of_validate(REPO)),
        _cli("validate", str(REPO)),
        repeat=max(repeat, 15),
    )
    say("## The real dataset")
    say()
    say("| measurement | seconds | fastest–slowest | peak MiB |")
    say("|---|---:|---:|---:|")
    say(
        f"| importing pandas, pyarrow, pandera, frictionless, jsonschema, pycountry | {imports.seconds:.2f} | "
        f"{imports.spread()} | {imports.peak_mib:.0f} |"
    )
    say(
        f"| `nzdefence validate` | {real.seconds:.2f} | {real.spread()} | {real.peak_mib:.0f} |"
    )
    say(
        f"| importing every module outside nzdefence that validation loads | {every_import.seconds:.2f} | "
        f"{every_import.spread()} | {every_import.peak_mib:.0f} |"
    )
    real_site = measure(_cli("site", str(workdir / "site-real"), str(REPO)), repeat)
    say(
        f"| `nzdefence site` | {real_site.seconds:.2f} | {real_site.spread()} | {real_site.peak_mib:.0f} |"
    )
    shutil.rmtree(workdir / "site-real", ignore_errors=True)
    say()
    say(
        f"Validation takes **{real.seconds / imports.seconds:.2f}×** the time of merely importing its libraries (target ≤ 1.5×); "
        f"the fastest run of each, the least disturbed by the rest of the machine, {real.fastest / imports.fastest:.2f}×."
    )
    say()
    say(
        f"Against every module outside nzdefence that it loads, validation takes {real.seconds / every_import.seconds:.2f}×: "
        f"{every_import.seconds - imports.seconds:.2f} s of the difference is imports the libraries defer to their "
        "first use (hypothesis, which Pandera's pandas backend imports when it is installed, as it is beside the "
        "`test` extra; Frictionless's plugins), "
        f"and {real.seconds - every_import.seconds:.2f} s is nzdefence's own modules and its work."
    )
    say()
    say(
        "Validation runs on one path, serially in one process: read each table, its single-table checks, the "
        "cross-table checks, Frictionless's check of `datapackage.json`. Times are wall-clock."
    )
    say()
    say("## The tests")
    say()
    # The README's test command as a developer runs it: the default Hypothesis profile, pytest-xdist
    # on every core. Once: it takes a minute and more.
    tests = measure([sys.executable, "-m", "pytest", "-q"], repeat=1, cwd=REPO)
    if tests.exit_code:
        raise RuntimeError("the tests failed")
    say(
        f"`python -m pytest` (the README's test command; default profile, on all {os.cpu_count()} cores): "
        f"**{tests.seconds:.0f} s** (target ≤ 60 s on 2 cores), {tests.peak_mib:.0f} MiB in its largest process."
    )
    say()
    say("## Hostile input")
    say()
    hostile_root = workdir / "hostile"
    synthesize(hostile_root, HOSTILE_ROWS)
    if measure(_cli("build", str(hostile_root)), 1).exit_code:
        raise RuntimeError(
            "build failed on the synthetic dataset for the hostile input"
        )
    clean = measure(_cli("validate", str(hostile_root)), repeat)
    what = make_hostile(hostile_root)
    hostile = measure(_cli("validate", str(hostile_root)), repeat)
    if clean.exit_code != 0 or hostile.exit_code != 1:
        raise RuntimeError(
            "validate did not pass the clean checkout and refuse the hostile"
        )
    shutil.rmtree(hostile_root)
    say(
        f"`nzdefence validate` on {what}: **{hostile.seconds:.2f} s** ({hostile.spread()}), "
        f"{hostile.peak_mib:.0f} MiB, every problem reported and exit 1; the same checkout "
        f"before it was broken: {clean.seconds:.2f} s ({clean.spread()}), {clean.peak_mib:.0f} MiB."
    )
    say()
    say("## Synthetic datasets")
    say()
    say(
        "Consistent synthetic checkouts (every key resolves, every quote sits at its offsets in a generated source "
        "text); rows are counted over all fourteen tables, a twentieth of them in each fact table and half in evidence."
    )
    say()
    say(
        "| rows | validate s | fastest–slowest | validate rows/s | validate MiB | build s | build MiB | "
        "frictionless validate s | nzdefence ÷ frictionless | load evidence s | bare pyarrow s | load ÷ bare |"
    )
    say("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    results = []
    sites: list[tuple[int, int, Measurement]] = []
    for size in sizes:
        root = workdir / f"synthetic-{size}"
        counts = synthesize(root, size)
        total = sum(counts.values())
        built = measure(_cli("build", str(root)), 1)
        if built.exit_code:
            raise RuntimeError(f"build failed on the synthetic dataset of {size} rows")
        checked = measure(_cli("validate", str(root)), repeat)
        if checked.exit_code:
            raise RuntimeError(
                f"validate failed on the synthetic dataset of {size} rows"
            )
        directory = str(root / PARQUET_DIR)
        # Loading is compared with the bare read run by run, alternating, so that drift in the
        # machine's speed falls on both alike; more repetitions, as the difference is small.
        loaded, bare = measure_alternately(
            _python(LOAD.format(table="evidence", directory=directory)),
            _python(BARE.format(path=f"{directory}/evidence.parquet")),
            repeat=max(repeat, 11),
        )
        if size <= frictionless_up_to:
            frictionless = measure(
                [
                    str(Path(sys.executable).parent / "frictionless"),
                    "validate",
                    DATAPACKAGE.as_posix(),
                ],
                1,
                cwd=root,
            )
            friction_cell = f"{frictionless.seconds:.1f}"
            ratio_cell = f"{frictionless.seconds / checked.seconds:.1f}×"
        else:
            friction_cell = ratio_cell = "not run"
        results.append((total, checked))
        if size <= site_up_to:
            site_dir = root / "_site"
            site = measure(_cli("site", str(site_dir), str(root)), 1)
            if site.exit_code:
                raise RuntimeError(
                    f"site failed on the synthetic dataset of {size} rows"
                )
            sites.append((total, sum(1 for _ in site_dir.rglob("*.html")), site))
        say(
            f"| {total:,} | {checked.seconds:.2f} | {checked.spread()} | {total / checked.seconds:,.0f} | "
            f"{checked.peak_mib:.0f} | "
            f"{built.seconds:.2f} | {built.peak_mib:.0f} | {friction_cell} | {ratio_cell} | {loaded.seconds:.2f} | "
            f"{bare.seconds:.2f} | {loaded.seconds / bare.seconds:.2f} |"
        )
        shutil.rmtree(root)
    if len(results) > 1:
        say()
        say(
            "Growth: the marginal cost of validation between sizes (flat when validation grows linearly):"
        )
        say()
        for (small_rows, small), (large_rows, large) in pairwise(results):
            marginal = (large.seconds - small.seconds) / (large_rows - small_rows) * 1e6
            # Where the fixed cost dominates, the difference can be smaller than the noise.
            noise = (
                " (the two sizes' fastest–slowest ranges overlap: the difference is within run-to-run noise)"
                if small.slowest >= large.fastest
                else ""
            )
            say(
                f"- {small_rows:,} → {large_rows:,} rows: {marginal:.1f} µs per additional row{noise}"
            )
    if sites:
        say()
        say("## The site")
        say()
        say(
            "`nzdefence site` on the synthetic datasets, written into a new folder: a page per record of each "
            "table keyed by one column, per table and per source (one run each)."
        )
        say()
        say("| rows | pages | seconds | ms per page | peak MiB |")
        say("|---:|---:|---:|---:|---:|")
        for total, pages, site in sites:
            say(
                f"| {total:,} | {pages:,} | {site.seconds:.1f} | {1000 * site.seconds / pages:.2f} | "
                f"{site.peak_mib:.0f} |"
            )
        for (small_rows, _, small), (large_rows, _, large) in pairwise(sites):
            marginal = (large.seconds - small.seconds) / (large_rows - small_rows) * 1e6
            say()
            say(
                f"Growth: {small_rows:,} → {large_rows:,} rows: {marginal:.0f} µs per additional row "
                "(flat when the site grows linearly)."
            )
    say()
    say(
        "Targets: loading adds at most 10% to the bare pyarrow read (load ÷ bare ≤ 1.10); validation of a million "
        "rows in at most 5 seconds in one process and at least 5× faster than `frictionless validate`."
    )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--sizes", default="10000,100000,1000000", help="comma-separated row counts"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per measurement (median)"
    )
    parser.add_argument(
        "--frictionless-up-to",
        type=int,
        default=1_000_000,
        help="largest size to also time frictionless validate on (it is slow)",
    )
    parser.add_argument(
        "--site-up-to",
        type=int,
        default=100_000,
        help="largest size to also build the site of (a page per record)",
    )
    parser.add_argument(
        "--workdir", type=Path, default=Path("/tmp/nzdefence-benchmark")
    )
    parser.add_argument("--output", type=Path, default=REPO / "docs/benchmarks.md")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    report = run(
        sizes, args.workdir, args.repeat, args.frictionless_up_to, args.site_up_to
    )
    args.output.write_text(report, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
