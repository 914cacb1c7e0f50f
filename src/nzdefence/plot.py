"""``nzdefence plot``: agreements, exercises and deployments on a timeline (docs/timeline.*).

Each record is a bar from date_start to date_end, so a record known only to the month or year
is drawn as the whole month or year: the sources' precision stays visible. Inferred dates are
hatched. Colour is the partner country (the other party, or "several"). Undated records cannot
be placed, and beyond 40 per panel only the most recent are drawn; the caption counts the rest.

The figure carries a digest of the rows it was drawn from; the build redraws it when that
digest changes, and ``build --check`` reports it stale. Bytes are not compared: they depend on
the installed matplotlib.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

FIGURE_STEM = Path("docs") / "timeline"
MAX_SVG_BYTES = 64 << 20
STYLE_VERSION = "2"  # bump when the drawing changes, so that the build redraws
PANELS = ("agreements", "exercises", "deployments")
_DIGEST = re.compile(rb"nzdefence-timeline-digest:([0-9a-f]{64})")


@dataclass(frozen=True)
class Bar:
    table: str
    id: str
    label: str
    start: date
    end: date
    precision: str
    inferred: bool
    partner: str  # an ISO 3166-1 alpha-3 code, "several" or "NZL only"


def _partner(countries: list[str]) -> str:
    others = sorted({code for code in countries if code and code != "NZL"})
    if not others:
        return "NZL only"
    return others[0] if len(others) == 1 else "several"


MAX_BARS_PER_PANEL = 40  # a readable chart; older records are counted in the caption


def bars(tables: dict) -> tuple[list[Bar], int]:
    """The most recent dated records of each panel, and how many records are not drawn."""
    import pyarrow.compute as pc

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
            if table == "agreements":
                countries, label = row["parties"] or [], row["name"]
            elif table == "exercises":
                countries, label = (
                    [*(row["participants"] or []), row["lead"] or ""],
                    row["name"],
                )
            else:
                countries, label = (
                    [row["sending_country"]],
                    f"{row['unit']} → {row['destination'] or '?'}",
                )
            drawn.append(
                Bar(
                    table,
                    row["id"],
                    label,
                    row["date_start"],
                    row["date_end"],
                    row["date_precision"],
                    row["date_basis"] == "inferred",
                    _partner(countries),
                )
            )
    return sorted(
        drawn, key=lambda bar: (PANELS.index(bar.table), bar.start, bar.id)
    ), left_out


def digest(tables: dict) -> str:
    drawn, left_out = bars(tables)
    payload = json.dumps(
        [STYLE_VERSION, left_out, [asdict(bar) for bar in drawn]],
        default=str,
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def drawn_digest(root: Path) -> str | None:
    """The digest embedded in the committed SVG, if there is one."""
    from . import files

    try:
        svg = files.read_bytes(
            root, FIGURE_STEM.with_suffix(".svg").as_posix(), limit=MAX_SVG_BYTES
        )
    except (FileNotFoundError, files.UnsafePath):
        return None
    match = _DIGEST.search(svg)
    return match.group(1).decode() if match else None


def _country_name(code: str) -> str:
    if code in ("several", "NZL only"):
        return {"several": "several partners", "NZL only": "New Zealand alone"}[code]
    import pycountry

    country = pycountry.countries.get(alpha_3=code)
    return getattr(country, "common_name", None) or (country.name if country else code)


def draw(tables: dict, root: Path) -> list[Path]:
    """Draw the timeline into docs/timeline.png and docs/timeline.svg; return their paths."""
    from . import files

    figures = render(tables)
    files.write_atomically(figures, root)
    return [root / path for path in figures]


def render(tables: dict) -> dict[Path, bytes]:
    """The timeline as SVG and PNG bytes, by path relative to the checkout's root."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    drawn, undated = bars(tables)
    partners = sorted(
        {bar.partner for bar in drawn}, key=lambda p: (p in ("several", "NZL only"), p)
    )
    palette = plt.get_cmap("tab10").colors + plt.get_cmap("Dark2").colors
    colours = {partner: palette[i % len(palette)] for i, partner in enumerate(partners)}
    counts = [sum(bar.table == panel for bar in drawn) for panel in PANELS]
    plt.rcParams.update({"svg.hashsalt": "nzdefence", "font.size": 8})
    figure, axes = plt.subplots(
        len(PANELS),
        1,
        sharex=True,
        figsize=(11, 2.2 + 0.28 * sum(counts)),
        gridspec_kw={"height_ratios": [max(c, 1) for c in counts]},
    )
    for axis, panel in zip(axes, PANELS):
        rows = [bar for bar in drawn if bar.table == panel]
        for y, bar in enumerate(rows):
            width = (bar.end + timedelta(days=1)) - bar.start
            axis.barh(
                y,
                width,
                left=bar.start,
                height=0.6,
                color=colours[bar.partner],
                hatch="///" if bar.inferred else None,
                edgecolor="white" if bar.inferred else colours[bar.partner],
                linewidth=0.4,
            )
            if bar.precision == "day":
                axis.plot(
                    [bar.start],
                    [y],
                    marker="|",
                    markersize=9,
                    color=colours[bar.partner],
                )
            label = bar.label if len(bar.label) <= 48 else bar.label[:45] + "…"
            axis.annotate(
                f" {label} ({bar.precision})",
                (mdates.date2num(bar.end + timedelta(days=1)), y),
                va="center",
                fontsize=7,
            )
        axis.set_yticks([])
        axis.set_ylim(-0.8, max(len(rows), 1) - 0.2)
        axis.invert_yaxis()
        axis.set_ylabel(panel, rotation=0, ha="right", va="center", fontsize=9)
        axis.grid(axis="x", linewidth=0.3)
    axes[-1].xaxis.set_major_locator(mdates.YearLocator())
    axes[-1].xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    start = min(bar.start for bar in drawn)
    end = max(bar.end for bar in drawn)
    axes[-1].set_xlim(
        date(start.year, 1, 1), date(end.year + 3, 1, 1)
    )  # room for the labels
    legend = [Patch(color=colours[p], label=_country_name(p)) for p in partners]
    legend.append(
        Patch(facecolor="grey", hatch="///", edgecolor="white", label="date inferred")
    )
    figure.legend(
        handles=legend,
        loc="lower center",
        fontsize=7,
        ncol=len(legend),
        title="partner country",
        title_fontsize=7,
        bbox_to_anchor=(0.5, 0.025),
        frameon=False,
    )
    figure.suptitle(
        "New Zealand's agreements, exercises and deployments, as dated by the sources",
        fontsize=10,
    )
    figure.text(
        0.01,
        0.005,
        f"A bar spans the period the text dates the record to (a day, month, year...). "
        f"{undated} records are not shown (undated, or beyond the {MAX_BARS_PER_PANEL} most recent of a panel). "
        "Data: nzdefence, CC-BY-4.0.",
        fontsize=7,
    )
    figure.tight_layout(rect=(0, 0.08, 1, 0.97))
    stamp = f"nzdefence-timeline-digest:{digest(tables)}"
    figures = {}
    for suffix, metadata in (
        (".svg", {"Date": None, "Description": stamp}),
        (".png", {"Software": None, "Description": stamp}),
    ):
        buffer = io.BytesIO()
        figure.savefig(buffer, format=suffix[1:], dpi=110, metadata=metadata)
        figures[FIGURE_STEM.with_suffix(suffix)] = buffer.getvalue()
    plt.close(figure)
    return figures
