"""The figures in docs/, drawn from the tables with matplotlib (``nzdefence plot``; the build
redraws a figure when the data it shows changes).

- ``docs/timeline.svg``/``.png``: agreement milestones, engagements, exercises and deployments
  on a timeline: an agreement appears as its dated steps (proposed, in discussion, signed…),
  so the chart shows how ties change. Each record is a bar from date_start to date_end, so a
  record known only to the month or year is drawn as the whole month or year: the sources'
  precision stays visible. A single day is widened to a visible minimum and marked with a tick
  at the day. Hatched bars have inferred dates; outlined (unfilled) bars are steps, visits or
  deployments not concluded (``NOT_CONCLUDED``). Colour is the other country the record
  involves with New Zealand (``partners.involved``; a milestone involves its agreement's
  parties), "several", New Zealand alone, or grey when New Zealand is not among its countries
  (other countries' pacts that bear on the region). Undated records cannot be placed, and
  beyond 40 per panel only the most recent are drawn; the caption counts the rest.
- ``docs/partners.png``: dataset/derived/partners_by_year.csv as heat maps, one per counted
  table, partner × year, each cell annotated with its count; undated records in their own column.

Each figure carries a digest of the data it was drawn from in its metadata; the build redraws
it when that digest changes, and ``build --check`` reports it stale. Bytes are not compared:
they depend on the installed matplotlib.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import textwrap
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

FIGURE_STEM = Path("docs") / "timeline"
PARTNERS_FIGURE = Path("docs") / "partners.png"
MAX_FIGURE_BYTES = 64 << 20
# Bump when a figure's drawing changes, so that the build redraws it.
STYLE_VERSION = "4"
PARTNERS_STYLE_VERSION = "1"
# Agreements are drawn as their milestones: each dated step, so the chart shows how ties change.
PANELS = ("milestones", "engagements", "exercises", "deployments")
PANEL_TITLES = {
    "milestones": "agreement milestones",
    "engagements": "visits, meetings and missions",
    "exercises": "exercises and transits",
    "deployments": "deployments",
}
# Every table a figure is drawn from.
DRAWN_FROM = (
    "actors",
    "agreements",
    "milestones",
    "engagements",
    "exercises",
    "deployments",
    "capabilities",
    "statements",
)

# Per panel, the status column, and the statuses drawn filled (the thing exists or happened);
# the others are drawn outlined (not, or not yet). Exercises have no status: all happened.
# Every status of these tables is decided one way or the other (a test checks).
STATUS = {"milestones": "stage", "engagements": "status", "deployments": "status"}
CONCLUDED = {
    "milestones": (
        "concluded",
        "announced",
        "signed",
        "joined",
        "in_force",
        "upgraded",
    ),
    "engagements": ("held",),
    "deployments": ("deployed", "completed", "established"),
}
NOT_CONCLUDED = {
    "milestones": (
        "proposed",
        "invited",
        "discussions",
        "exploring",
        "seeking",
        "negotiations",
    ),
    "engagements": ("planned",),
    "deployments": ("announced",),
}

SEVERAL, NZ_ONLY, WITHOUT_NZ = "several", "NZL only", "without NZL"
SPECIAL_PARTNERS = {
    SEVERAL: ("several partners", "#7b4fa0"),
    NZ_ONLY: ("New Zealand alone", "#3b3b3b"),
    WITHOUT_NZ: ("New Zealand not among its countries", "#b0b0b0"),
}


@dataclass(frozen=True)
class Bar:
    table: str
    id: str
    label: str
    start: date
    end: date
    precision: str
    inferred: bool
    concluded: bool
    partner: str  # an ISO 3166-1 alpha-3 code, or a key of SPECIAL_PARTNERS


def _partner(countries: set[str]) -> str:
    from .partners import NZ

    if NZ not in countries:
        return WITHOUT_NZ
    others = sorted(countries - {NZ})
    if not others:
        return NZ_ONLY
    return others[0] if len(others) == 1 else SEVERAL


def _label(table: str, row: dict) -> str:
    """What the bar is, from what the record has: never a placeholder for what it lacks."""
    if table == "exercises":
        return row["name"]
    if table == "milestones":
        return f"{row['name']}: {row['stage'].replace('_', ' ')}"
    if table == "engagements":
        return f"{row['kind']}: {row['place'] or row['description']}"[:90]
    what = row["unit"]
    if row["sending_country"] != "NZL":
        what = f"{_country_name(row['sending_country'])}: {what}"
    if row["destination"]:
        what = f"{what} → {row['destination']}"
    elif row["purpose"]:
        what = f"{what}, {row['purpose']}"
    return f"{what} ({row['status']})"


MAX_BARS_PER_PANEL = 40  # a readable chart; older records are counted in the caption


def bars(tables: dict) -> tuple[list[Bar], int]:
    """The most recent dated records of each panel, and how many records are not drawn."""
    import pyarrow.compute as pc

    from .partners import involved, known

    lookups = known(tables)
    agreements = {row["id"]: row for row in tables["agreements"].to_pylist()}
    drawn, left_out = [], 0
    for table in PANELS:
        rows = tables[table]
        dated = rows.filter(pc.is_valid(rows["date_start"]))
        left_out += rows.num_rows - dated.num_rows
        if dated.num_rows > MAX_BARS_PER_PANEL:
            left_out += dated.num_rows - MAX_BARS_PER_PANEL
            order = pc.sort_indices(
                dated, sort_keys=[("date_start", "descending"), ("id", "descending")]
            )
            dated = dated.take(order[:MAX_BARS_PER_PANEL])
        for row in dated.to_pylist():
            counted_as = table
            if table == "milestones":  # a step of an agreement: its name and parties
                agreement = agreements.get(row["agreement"], {})
                row |= {k: agreement.get(k) for k in ("name", "parties")}
                row["name"] = row["name"] or row["agreement"]
                counted_as = "agreements"
            status = row.get(STATUS.get(table, ""), None)
            drawn.append(
                Bar(
                    table,
                    row["id"],
                    _label(table, row),
                    row["date_start"],
                    row["date_end"] or row["date_start"],
                    row["date_precision"],
                    row["date_basis"] == "inferred",
                    status is None or status in CONCLUDED[table],
                    _partner(involved(counted_as, row, lookups)),
                )
            )
    return sorted(
        drawn, key=lambda bar: (PANELS.index(bar.table), bar.start, bar.id)
    ), left_out


def digest(tables: dict) -> str:
    """The digest of what the timeline shows."""
    drawn, left_out = bars(tables)
    payload = json.dumps(
        [STYLE_VERSION, left_out, [asdict(bar) for bar in drawn]],
        default=str,
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def partners_digest(tables: dict) -> str:
    """The digest of what the partners figure shows: the derived table's bytes."""
    from .partners import partners_by_year

    return _derived_digest(partners_by_year(tables))


def _derived_digest(derived) -> str:
    from .partners import csv_bytes

    payload = PARTNERS_STYLE_VERSION.encode() + csv_bytes(derived)
    return hashlib.sha256(payload).hexdigest()


@dataclass(frozen=True)
class Figure:
    """A figure the build keeps up to date."""

    name: str
    stamped: Path  # the file whose metadata carries the digest
    digest: Callable[[dict], str]
    render: Callable[[dict], dict[Path, bytes]]
    stale: str  # what ``build --check`` says when the digest differs

    def stamp(self, tables: dict) -> str:
        return stamp_text(self.name, self.digest(tables))


def stamp_text(name: str, digest: str) -> str:
    """The text a drawn figure carries: which figure, and the digest of what it shows."""
    return f"nzdefence-{name}-digest:{digest}"


def drawn_digest(root: Path, figure: Figure | None = None) -> str | None:
    """The digest embedded in a committed figure (the timeline by default), if there is one."""
    from . import files

    figure = figure or FIGURES[0]
    try:
        raw = files.read_bytes(root, figure.stamped.as_posix(), limit=MAX_FIGURE_BYTES)
    except (FileNotFoundError, files.UnsafePath):
        return None
    # PNG keeps text metadata uncompressed (a tEXt chunk), SVG in <dc:description>.
    match = re.search(
        rb"nzdefence-" + figure.name.encode() + rb"-digest:([0-9a-f]{64})", raw
    )
    return match.group(1).decode() if match else None


def _country_name(code: str) -> str:
    if code in SPECIAL_PARTNERS:
        return SPECIAL_PARTNERS[code][0]
    import pycountry

    country = pycountry.countries.get(alpha_3=code)
    return getattr(country, "common_name", None) or (country.name if country else code)


def draw(tables: dict, root: Path) -> list[Path]:
    """Draw every figure into docs/; return the paths written."""
    from . import files

    figures = {}
    for figure in FIGURES:
        figures.update(figure.render(tables))
    files.write_atomically(figures, root)
    return [root / path for path in figures]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.hashsalt": "nzdefence", "font.size": 8})
    return plt


def _save(
    figure, stem: Path, suffixes: tuple[str, ...], stamp: str
) -> dict[Path, bytes]:
    metadata = {".svg": {"Date": None, "Description": stamp}}
    metadata[".png"] = {"Software": None, "Description": stamp}
    saved = {}
    for suffix in suffixes:
        buffer = io.BytesIO()
        figure.savefig(buffer, format=suffix[1:], dpi=110, metadata=metadata[suffix])
        saved[stem.with_suffix(suffix)] = buffer.getvalue()
    return saved


def _later(day: date, days: int) -> date:
    """``day`` plus ``days``, or the last day the calendar has."""
    return (
        day + timedelta(days=days)
        if date.max - day > timedelta(days=days)
        else date.max
    )


def render(tables: dict) -> dict[Path, bytes]:
    """The timeline as SVG and PNG bytes, by path relative to the checkout's root."""
    plt = _pyplot()
    import matplotlib.dates as mdates
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    drawn, undated = bars(tables)
    codes = sorted(
        {bar.partner for bar in drawn} - set(SPECIAL_PARTNERS), key=_country_name
    )
    # tab10 without its purple and grey, which SPECIAL_PARTNERS take.
    palette = [c for i, c in enumerate(plt.get_cmap("tab10").colors) if i not in (4, 7)]
    colours = {code: palette[i % len(palette)] for i, code in enumerate(codes)}
    colours.update({key: colour for key, (_, colour) in SPECIAL_PARTNERS.items()})
    counts = [sum(bar.table == panel for bar in drawn) for panel in PANELS]
    # With nothing dated the axes still show a year; dates at the calendar's ends stay on it.
    start = date(min((bar.start for bar in drawn), default=date(2020, 1, 1)).year, 1, 1)
    end = _later(date(max((bar.end for bar in drawn), default=start).year, 12, 31), 1)
    # A single day would be a sliver: every bar is at least this wide, centred on its period.
    minimum = timedelta(days=max(7, (end - start).days // 50))
    figure, axes = plt.subplots(
        len(PANELS),
        1,
        sharex=True,
        figsize=(11, 2.4 + 0.34 * sum(counts) + 0.5 * len(PANELS)),
        gridspec_kw={"height_ratios": [max(c, 1) + 1 for c in counts]},
    )
    for axis, panel in zip(axes, PANELS):
        rows = [bar for bar in drawn if bar.table == panel]
        for y, bar in enumerate(rows):
            width = _later(bar.end, 1) - bar.start
            left = bar.start
            if width < minimum:
                left, width = bar.start + (width - minimum) / 2, minimum
            colour = colours[bar.partner]
            axis.barh(
                y,
                width,
                left=left,
                height=0.62,
                facecolor=colour if bar.concluded else "white",
                hatch="////" if bar.inferred else None,
                edgecolor=("white" if bar.inferred else colour)
                if bar.concluded
                else colour,
                linewidth=0.5 if bar.concluded else 1.4,
            )
            if bar.precision == "day":
                axis.plot(
                    [bar.start + timedelta(hours=12)],
                    [y],
                    marker="|",
                    markersize=17,
                    markeredgewidth=1.6,
                    color="black",
                )
            axis.annotate(
                f" {bar.precision}" + (", inferred" if bar.inferred else ""),
                (mdates.date2num(left + width), y),
                va="center",
                fontsize=6.5,
                color="#555555",
            )
        axis.set_yticks(
            range(len(rows)),
            [textwrap.fill(bar.label, 44) for bar in rows],
            fontsize=7,
        )
        axis.tick_params(axis="y", length=0)
        axis.set_ylim(-0.7, max(len(rows), 1) - 0.3)
        axis.invert_yaxis()
        axis.set_title(
            f"{PANEL_TITLES[panel]} ({len(rows)} dated)",
            loc="left",
            fontsize=9,
            fontweight="bold",
        )
        axis.grid(axis="x", linewidth=0.3)
    # A tick a year, or every few years over a long span (a tick for each of thousands of
    # years would take minutes).
    axes[-1].xaxis.set_major_locator(
        mdates.YearLocator(base=max(1, (end.year - start.year) // 12))
    )
    axes[-1].xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    axes[-1].set_xlim(start, _later(end, 200))  # room for the precision notes
    shown = [
        *codes,
        *(key for key in SPECIAL_PARTNERS if key in {b.partner for b in drawn}),
    ]
    legend = [Patch(color=colours[p], label=_country_name(p)) for p in shown]
    styles = [
        Patch(
            facecolor="grey",
            edgecolor="grey",
            label="signed, joined, in force…; held; deployed, established",
        ),
        Patch(
            facecolor="white",
            edgecolor="grey",
            linewidth=1.4,
            label="proposed, invited, in discussion, exploring…; planned; announced",
        ),
        Patch(facecolor="grey", hatch="////", edgecolor="white", label="date inferred"),
        Line2D(
            [],
            [],
            color="black",
            marker="|",
            markersize=9,
            markeredgewidth=1.6,
            linestyle="none",
            label="a single day (bar widened)",
        ),
    ]
    figure.legend(
        handles=legend,
        loc="lower center",
        fontsize=7,
        ncol=max(1, min(len(legend), 6)),
        title="colour: the other country involved with New Zealand",
        title_fontsize=7,
        bbox_to_anchor=(0.5, 0.045),
        frameon=False,
    )
    figure.legend(
        handles=styles,
        loc="lower center",
        fontsize=7,
        ncol=len(styles),
        bbox_to_anchor=(0.5, 0.012),
        frameon=False,
    )
    figure.suptitle(
        "Dated agreement milestones, engagements, exercises and deployments in nzdefence: New Zealand's, and other "
        "countries' that the sources report",
        fontsize=10,
    )
    figure.text(
        0.01,
        0.003,
        "A bar spans the period the text dates the record to (a day, month, half-year, year). "
        f"{undated} records are not shown (undated, or beyond the {MAX_BARS_PER_PANEL} most "
        "recent of a panel). Data: nzdefence, CC-BY-4.0.",
        fontsize=6.5,
    )
    figure.tight_layout(rect=(0, 0.1, 1, 0.98))
    saved = _save(figure, FIGURE_STEM, (".svg", ".png"), FIGURES[0].stamp(tables))
    plt.close(figure)
    return saved


MAX_FIGURE_YEARS = 20


def render_partners(tables: dict) -> dict[Path, bytes]:
    """docs/partners.png: the partners-by-year table as heat maps, counts annotated."""
    plt = _pyplot()
    import numpy as np

    from .partners import COUNTED, partners_by_year

    # Computed once here, for the drawing and its digest: it is most of the figure's time.
    derived = partners_by_year(tables)
    table = derived.to_pylist()
    partners = sorted(
        {row["partner"] for row in table},
        key=lambda code: (
            -sum(row["records"] for row in table if row["partner"] == code),
            _country_name(code),
        ),
    )
    # The figure shows the most recent years that have records (the table has them all):
    # a record dated from the year 1 must not make it thousands of columns wide.
    dated = [row["year"] for row in table if row["year"] is not None]
    last = max(dated, default=0)
    years = list(
        range(max(min(dated, default=0), last - MAX_FIGURE_YEARS + 1), last + 1)
    )
    columns = [*years, None]
    column_of = {year: i for i, year in enumerate(columns)}
    row_of = {partner: i for i, partner in enumerate(partners)}
    grids = {
        counted.table: np.zeros((len(partners), len(columns)), dtype=int)
        for counted in COUNTED
    }
    for row in table:
        if row["year"] not in column_of:
            continue  # earlier than the years shown
        where = row_of[row["partner"]], column_of[row["year"]]
        for counted in COUNTED:
            grids[counted.table][where] = row[counted.table]
    highest = max(1, *(int(grid.max()) for grid in grids.values()))
    figure, axes = plt.subplots(
        1,
        len(COUNTED),
        sharey=True,
        figsize=(2.0 + 0.3 * len(columns) * len(COUNTED), 1.9 + 0.3 * len(partners)),
    )
    colours = plt.get_cmap("Blues")
    for axis, counted in zip(axes, COUNTED):
        grid = grids[counted.table]
        shown = np.ma.masked_equal(grid, 0)
        image = axis.imshow(
            shown, cmap=colours, vmin=0, vmax=highest * 1.15, aspect="auto"
        )
        for (i, j), value in np.ndenumerate(grid):
            if value:
                axis.text(
                    j,
                    i,
                    str(value),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if value > highest * 0.55 else "black",
                )
        axis.set_xticks(
            range(len(columns)),
            [str(year) if year is not None else "undated" for year in columns],
            rotation=90,
            fontsize=7,
        )
        axis.axvline(len(years) - 0.5, color="black", linewidth=1.2)
        axis.set_xticks(np.arange(len(columns) + 1) - 0.5, minor=True)
        axis.set_yticks(np.arange(len(partners) + 1) - 0.5, minor=True)
        axis.grid(which="minor", color="#dddddd", linewidth=0.5)
        axis.tick_params(which="both", length=0)
        axis.set_title(counted.table, fontsize=9)
    axes[0].set_yticks(
        range(len(partners)), [f"{_country_name(code)} ({code})" for code in partners]
    )
    del image
    figure.suptitle(
        "Records involving New Zealand and each partner country, by year", fontsize=10
    )
    figure.text(
        0.01,
        0.01,
        textwrap.fill(
            "Counts from dataset/derived/partners_by_year.csv, which lists the ids of the "
            "records counted. A record with several partners counts for each; one lasting "
            "several years, in each year. Statements: a New Zealand speaker on a topic naming "
            "the partner. Undated records in the last column. Data: nzdefence, CC-BY-4.0.",
            230,
        ),
        fontsize=6.5,
    )
    figure.tight_layout(rect=(0, 0.05, 1, 0.97))
    saved = _save(
        figure,
        PARTNERS_FIGURE.with_suffix(""),
        (".png",),
        stamp_text(FIGURES[1].name, _derived_digest(derived)),
    )
    plt.close(figure)
    return saved


FIGURES = (
    Figure(
        "timeline",
        FIGURE_STEM.with_suffix(".svg"),
        digest,
        render,
        "the timeline shows other data than the CSVs hold; run nzdefence build",
    ),
    Figure(
        "partners",
        PARTNERS_FIGURE,
        partners_digest,
        render_partners,
        "the partners figure shows other data than the CSVs hold; run nzdefence build",
    ),
)
