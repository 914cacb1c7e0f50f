"""An agreement's status is the stage of its latest milestone: one truth, checked.

Milestones are ordered by ``date_end``, undated ones before dated ones. A milestone whose
period is nested with the latest one's (April within the first half of 2025, or a month
holding its last day) counts as later when its stage comes later in the stage list, since the
text cannot order them by date.
"""

from __future__ import annotations

import pandas as pd

from .problems import Problem


def status_problems(
    agreements: pd.DataFrame,
    milestones: pd.DataFrame,
    stages: tuple[str, ...],
    shown: str,
) -> list[Problem]:
    """``agreements.status`` must be the stage of the agreement's latest milestone, and
    every agreement must have a milestone."""
    rank = {stage: position for position, stage in enumerate(stages)}
    latest = {}
    # A stage outside the list is reported by the single-table checks; it orders nothing.
    known = milestones[milestones["stage"].isin(list(rank)).to_numpy(dtype=bool)]
    for agreement, rows in known.dropna(subset=["agreement"]).groupby(
        "agreement", sort=False, observed=True
    ):
        latest[agreement] = _latest(rows, rank)
    problems = []
    for line, agreement, status in agreements[["id", "status"]].itertuples(name=None):
        if pd.isna(agreement) or pd.isna(status):
            continue  # reported by the single-table checks
        if agreement not in latest:
            problems.append(
                Problem(
                    shown,
                    int(line),
                    "status",
                    f"{agreement!r} has no milestone with a known stage; its status must be the stage of its latest milestone in milestones.csv",
                )
            )
            continue
        milestone = latest[agreement]
        if milestone["stage"] != status:
            problems.append(
                Problem(
                    shown,
                    int(line),
                    "status",
                    f"status is {status!r} but the latest milestone of {agreement!r} is "
                    f"{milestone['stage']!r} ({milestone['id']}, {_period(milestone)})",
                )
            )
    return problems


def _latest(rows: pd.DataFrame, rank: dict[str, int]) -> pd.Series:
    dated = rows[rows["date_end"].notna()]
    if dated.empty:
        return rows.loc[rows["stage"].map(rank).idxmax()]
    last = dated.loc[dated["date_end"].idxmax()]
    # Periods nested with the last one's (within it, or holding it and ending with it) cannot be
    # ordered by date: the later stage counts as later.
    nested = (dated["date_start"] >= last["date_start"]) | (
        dated["date_end"] == last["date_end"]
    )
    nested &= dated["date_end"] <= last["date_end"]
    candidates = dated[nested]
    return candidates.loc[candidates["stage"].map(rank).idxmax()]


def _period(milestone: pd.Series) -> str:
    if pd.isna(milestone["date_end"]):
        return "undated"
    return f"{milestone['date_start']:%Y-%m-%d}–{milestone['date_end']:%Y-%m-%d}"
