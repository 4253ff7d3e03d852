"""`crm-segments report` (issue 14): the page is self-contained, and every chart draws in a real
browser (headless Chromium) without a script error.

The charts are fed a small synthetic ReportData with every chart's rows, the campaign marts'
included (they exist on builds with issue 13), so no database is needed here; the report of a
real build is rendered by python/tests/test_package.py on the consumer project's marts.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from plotly.offline import get_plotlyjs

from crm_segments.report import build_charts, render_page
from crm_segments.report.data import QUERIES, ReportData

from .browser import render, screenshot
from .conftest import PROJECT_DIR

ALL_CHARTS = {
    "rfm_grid", "cohort_retention", "traffic_lights", "value_lifecycle", "cluster_profiles",
    "channels", "consent_states", "dq_scorecard", "quarantine", "records_per_person",
    "campaign_uplift", "campaign_roi", "nps_by_segment",
}  # fmt: skip


def synthetic() -> ReportData:
    months = [date(2026, m, 1) for m in range(5, 11)]
    return ReportData(
        marts_schema="marts",
        as_of_date=date(2026, 10, 31),
        persons=2041,
        published_version=3,
        rfm=[
            (r, f, "Champions" if r + f > 7 else "Lost", 10 * r + f)
            for r in range(1, 6)
            for f in range(1, 6)
        ],
        cohorts=[
            (date(2026, c, 1), m, 1 - 0.05 * m, 40) for c in range(1, 7) for m in range(0, 10 - c)
        ],
        traffic_lights=[
            (m, light, 10 + i)
            for i, m in enumerate(months)
            for light in ("green", "yellow", "red", "black")
        ],
        value_lifecycle=[
            (t, s, 7) for t in ("high", "valuable", "(none)") for s in ("new", "active", "at_risk")
        ],
        clusters=[
            (c, f"cluster {c}", feature, 100 * c, 0.2 * c, 10.0 * c, 0.5 * (c - 2))
            for c in (1, 2, 3)
            for feature in ("arpu", "voice_mou", "recency_days")
        ],
        preferred_channels=[("email", 500), ("sms", 300), ("(none)", 50)],
        channel_reach=[("email", 900, 600, 500, 400), ("sms", 800, 500, 450, 300)],
        consent_states=[
            (ch, st, 100) for ch in ("email", "sms") for st in ("granted", "withdrawn", "unknown")
        ],
        scorecard=[(s, f, 0.9, 0.8, 0.01) for s in ("crm", "web") for f in ("email", "phone")],
        quarantine=[("crm_contacts", "duplicate_row", 12), ("usage_monthly", "invalid_key", 3)],
        records_per_person=[(1, 900), (2, 400), (3, 50), (10, 2)],
        campaigns=[
            ("C1", "Retention SMS <Q4>", 0.04, 0.01, 0.07, 250.0, "strong"),
            ("C2", "Upsell e-mail", -0.01, -0.03, 0.01, 40.0, "loses"),
        ],
        nps=[("all", "all", 200, 80, 50), ("lifecycle_stage", "active", 120, 60, 20)],
        notes=["a note with <html> in it"],
    )


def test_every_chart_is_built_and_each_has_a_reading_guide() -> None:
    charts = build_charts(synthetic())
    assert {c.key for c in charts} == ALL_CHARTS
    for chart in charts:
        assert chart.guide.endswith("."), chart.key
        assert len(chart.guide) < 260, f"{chart.key}: a reading guide is one line"


def test_missing_campaign_marts_leave_their_charts_out() -> None:
    data = synthetic()
    data.campaigns = None
    data.nps = None
    keys = {c.key for c in build_charts(data)}
    assert keys == ALL_CHARTS - {"campaign_uplift", "campaign_roi", "nps_by_segment"}


def test_queries_read_only_the_public_marts() -> None:
    """Every query reads {marts}.<a public mart> (no intermediate or staging schema)."""
    marts = {p.stem for p in (PROJECT_DIR / "models" / "marts").rglob("*.sql")}
    for name, (mart, query) in QUERIES.items():
        tables = set(re.findall(r"\{marts\}\.(\w+)", query))
        assert tables == {mart}, name
        assert "from {marts}." in query and "staging" not in query and "intermediate" not in query
        if mart not in {"campaign_performance", "nps_by_segment"}:  # issue 13's marts
            assert mart in marts, f"{name} reads {mart}, which is not a mart"


def test_page_is_self_contained_and_draws_in_chromium(tmp_path: Path) -> None:
    data = synthetic()
    page = tmp_path / "report.html"
    page.write_text(render_page(data, build_charts(data)), encoding="utf-8")
    text = page.read_text(encoding="utf-8")
    assert get_plotlyjs() in text, "plotly.js is inline"
    ours = text.replace(get_plotlyjs(), "")
    assert not re.search(r"<script[^>]* src=|<link|@import|url\(", ours), "nothing is fetched"
    assert "Retention SMS <Q4>" not in text.split('id="report-data"')[0], "labels are escaped"
    assert "a note with &lt;html&gt; in it" in text

    rendered = render(page)
    assert rendered.errors == "", rendered.errors
    assert rendered.attribute("data-charts") == str(len(ALL_CHARTS))
    assert rendered.attribute("data-charts-drawn") == str(len(ALL_CHARTS)), "every chart drew"
    drawn = set(re.findall(r'<div[^>]* id="chart-(\w+)"[^>]* data-drawn="true"', rendered.dom))
    assert drawn == ALL_CHARTS
    assert rendered.dom.count('class="main-svg"') >= len(ALL_CHARTS)
    shot = screenshot(page, PROJECT_DIR / "target" / "report_synthetic.png")
    assert shot.stat().st_size > 10_000
