"""An agreement's latest milestone: by date, undated first, and by stage when periods nest."""

from __future__ import annotations

import pandas as pd

from nzdefence.stages import latest_milestones

STAGES = ("proposed", "discussions", "signed", "joined", "in_force")


def milestones(*rows: tuple[str, str, str | None, str | None]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "id": f"m{number}",
                "agreement": "a",
                "stage": stage,
                "date_start": pd.Timestamp(start) if start else pd.NaT,
                "date_end": pd.Timestamp(end) if end else pd.NaT,
            }
            for number, (_, stage, start, end) in enumerate(rows)
        ]
    )


def latest(frame: pd.DataFrame) -> str:
    return latest_milestones(frame, STAGES).loc["a", "stage"]


def test_the_latest_date_wins_and_undated_steps_come_first():
    frame = milestones(
        ("a", "in_force", None, None),
        ("a", "proposed", "2020-01-01", "2020-12-31"),
        ("a", "discussions", "2024-11-07", "2024-11-07"),
    )
    assert latest(frame) == "discussions"


def test_a_step_within_the_latest_period_wins_by_its_stage():
    # "In April" (signed) within "the first half of 2025" (joined): joined is later.
    frame = milestones(
        ("a", "joined", "2025-01-01", "2025-06-30"),
        ("a", "signed", "2025-04-01", "2025-04-30"),
    )
    assert latest(frame) == "joined"
    # A discussion in that half and a signing in April: the signing is later.
    frame = milestones(
        ("a", "discussions", "2025-01-01", "2025-06-30"),
        ("a", "signed", "2025-04-01", "2025-04-30"),
    )
    assert latest(frame) == "signed"


def test_a_period_holding_the_last_day_is_nested_too():
    frame = milestones(
        ("a", "signed", "2025-12-31", "2025-12-31"),
        ("a", "discussions", "2025-12-01", "2025-12-31"),
    )
    assert latest(frame) == "signed"


def test_only_undated_steps_are_ordered_by_stage():
    frame = milestones(("a", "proposed", None, None), ("a", "signed", None, None))
    assert latest(frame) == "signed"


def test_a_stage_outside_the_list_orders_nothing():
    frame = milestones(
        ("a", "NA", "2026-01-01", "2026-01-01"), ("a", "signed", None, None)
    )
    assert latest(frame) == "signed"
