"""``crm-segments report``: one self-contained HTML file of charts over the published marts.

Roles: ``data`` reads the marts (one query per chart), ``charts`` turns rows into plotly figures
with a reading guide each, ``page`` writes the HTML with plotly.js inline.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from crm_segments.report.charts import Chart, build_charts
from crm_segments.report.data import ReportData, read_report_data
from crm_segments.report.page import render_page

__all__ = ["Chart", "ReportData", "ReportResult", "build_charts", "render_page", "write_report"]


@dataclass(frozen=True)
class ReportResult:
    """What ``write_report`` wrote."""

    path: Path
    charts: list[str]
    notes: list[str]
    bytes: int


def write_report(conn: psycopg.Connection[Any], marts_schema: str, out: Path) -> ReportResult:
    """Read the public marts of ``marts_schema`` and write the report to ``out``."""
    data = read_report_data(conn, marts_schema)
    charts = build_charts(data)
    page = render_page(data, charts)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return ReportResult(
        path=out.resolve(),
        charts=[c.key for c in charts],
        notes=list(data.notes),
        bytes=len(page.encode("utf-8")),
    )
