"""An agreement's status is the stage of its latest milestone: one truth, checked.

Milestones are ordered by ``date_end``, undated ones before dated ones. A milestone whose
period is nested with the latest one's (April within the first half of 2025, or a month
holding its last day) counts as later when its stage comes later in the stage list, since the
text cannot order them by date. Computed for all agreements at once: a loop over agreements
costs milliseconds each, which a large contribution multiplies.
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
    latest = latest_milestones(milestones, stages)
    rows = agreements[["id", "status"]].dropna()  # empty cells are reported already
    found = latest.reindex(rows["id"].astype(object).to_numpy())
    missing = found["stage"].isna().to_numpy()
    differs = ~missing & (
        found["stage"].to_numpy() != rows["status"].astype(object).to_numpy()
    )
    problems = [
        Problem(
            shown,
            int(line),
            "status",
            f"{agreement!r} has no milestone with a known stage; its status must be the stage of its latest milestone in milestones.csv",
        )
        for line, agreement in rows.loc[missing, "id"].items()
    ]
    for (line, agreement, status), (_, milestone) in zip(
        rows[differs].itertuples(name=None), found[differs].iterrows()
    ):
        problems.append(
            Problem(
                shown,
                int(line),
                "status",
                f"status is {status!r} but the latest milestone of {agreement!r} is "
                f"{milestone['stage']!r} ({milestone['id']}, {_period(milestone)})",
            )
        )
    return sorted(problems)


def latest_milestones(
    milestones: pd.DataFrame, stages: tuple[str, ...]
) -> pd.DataFrame:
    """Each agreement's latest milestone (id, stage, dates), indexed by agreement."""
    rank = {stage: position for position, stage in enumerate(stages)}
    # A stage outside the list is reported by the single-table checks; it orders nothing.
    rows = milestones[["id", "agreement", "stage", "date_start", "date_end"]]
    rows = rows[rows["stage"].isin(list(rank)).to_numpy(dtype=bool)]
    rows = rows[rows["agreement"].notna().to_numpy(dtype=bool)].copy()
    rows["rank"] = rows["stage"].astype(object).map(rank).astype(int)
    by_agreement = rows.groupby("agreement", sort=False, observed=True)
    last_end = by_agreement["date_end"].transform("max")
    ends_last = (rows["date_end"] == last_end).to_numpy(dtype=bool)
    # The widest period ending last: what is nested in it cannot be ordered by date.
    last_start = (
        rows["date_start"].where(ends_last).groupby(rows["agreement"]).transform("min")
    )
    nested = ends_last | (rows["date_start"] >= last_start).to_numpy(dtype=bool)
    undated_only = last_end.isna().to_numpy()
    candidates = rows[nested | undated_only]
    winner = candidates.sort_values("rank", kind="stable").groupby(
        "agreement", sort=False, observed=True
    )
    return winner.tail(1).set_index("agreement")


def _period(milestone: pd.Series) -> str:
    if pd.isna(milestone["date_end"]):
        return "undated"
    return f"{milestone['date_start']:%Y-%m-%d}–{milestone['date_end']:%Y-%m-%d}"
