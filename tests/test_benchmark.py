"""The benchmark's synthetic datasets are consistent checkouts: they validate and build clean."""

from __future__ import annotations

from nzdefence.benchmark import synthesize
from nzdefence.build import build
from nzdefence.validate import validate


def test_synthetic_checkout_builds_and_validates(tmp_path):
    counts = synthesize(tmp_path / "synthetic", 2_000)
    assert counts["evidence"] == 5 * counts["agreements"] > 0
    assert build(tmp_path / "synthetic").ok
    report = validate(tmp_path / "synthetic")
    assert report.ok, [str(problem) for problem in report.problems[:5]]
    assert sum(len(frame) for frame in report.checkout.frames.values()) == sum(
        counts.values()
    )
