"""The timeline draws what the records say: who is involved, their status, a label made of
what the record has, and every dated record visible."""

from __future__ import annotations

import json

from conftest import REPO

from nzdefence import plot


def test_bars_say_who_is_involved_and_never_use_placeholders(real_report):
    drawn, _ = plot.bars(real_report.checkout.tables)
    by_id = {bar.id: bar for bar in drawn}
    # Pacts between other countries are drawn as such, not as New Zealand's.
    assert (
        by_id["solomon-islands-china-security-pact-signed"].partner == plot.WITHOUT_NZ
    )
    assert by_id["japan-netherlands-acsa-signed-2025-12-18"].partner == plot.WITHOUT_NZ
    # A milestone involves its agreement's parties.
    assert by_id["nz-japan-acsa-signed-2025-12-19"].partner == "JPN"
    # A deployment without a destination is labelled by what it has (undated, so not drawn).
    deployments = real_report.checkout.tables["deployments"].to_pylist()
    (aotearoa,) = [r for r in deployments if r["id"] == "nz-aotearoa-north-korea-2024"]
    assert (
        plot._label("deployments", aotearoa)
        == "HMNZS Aotearoa, in relation to North Korea (announced)"
    )
    assert "nz-aotearoa-north-korea-2024" not in by_id
    assert not any("?" in bar.label for bar in drawn)
    # The stage is drawn: a proposal is not drawn like a signed pact.
    assert not by_id["japan-six-eyes-proposal-2020-proposed"].concluded
    assert by_id["nz-japan-security-pact-2022-signed"].concluded
    assert by_id["nz-japan-security-pact-2022-signed"].label == (
        "NZ-Japan agreement (security pact): signed"
    )


def test_every_status_is_drawn_one_way_or_the_other():
    for name, column in plot.STATUS.items():
        fields = json.loads(
            (REPO / f"schema/{name}.schema.json").read_text(encoding="utf-8")
        )["fields"]
        (status,) = [f for f in fields if f["name"] == column]
        for value in status["constraints"]["enum"]:
            assert (value in plot.CONCLUDED[name]) != (
                value in plot.NOT_CONCLUDED[name]
            ), value


def test_the_timeline_is_titled_for_what_it_draws(plotted):
    root, _ = plotted
    svg = (root / plot.FIGURE_STEM.with_suffix(".svg")).read_bytes()
    # matplotlib writes each text drawn into the SVG as a comment before its glyphs.
    (title,) = [
        line for line in svg.splitlines() if b"<!-- Dated agreement milestones" in line
    ]
    assert b"other countries" in title
    assert b"<!-- New Zealand's agreements" not in svg


def test_plot_command_draws_both_formats(plotted):
    root, printed = plotted
    assert "drew docs/timeline.svg and docs/timeline.png" in printed
    assert (root / "docs/timeline.png").read_bytes().startswith(b"\x89PNG")
    assert b"nzdefence-timeline-digest:" in (root / "docs/timeline.svg").read_bytes()
