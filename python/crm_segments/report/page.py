"""One self-contained HTML page: plotly.js, the figures and the reading guides inline.

Nothing is fetched when the page opens (no CDN, no fonts, no images): it can be mailed or put on
a share. Script errors are collected into ``#report-errors`` and every chart that drew gets
``data-drawn="true"``, which is what python/tests/test_report.py checks in headless Chromium.
"""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime
from typing import Any

from plotly.offline import get_plotlyjs
from plotly.utils import PlotlyJSONEncoder

from crm_segments.report.charts import Chart
from crm_segments.report.data import ReportData

STYLE = """
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 0; color: #1d2733;
       background: #f5f7fa; }
header { background: #1f4e8c; color: white; padding: 18px 32px; }
header h1 { margin: 0 0 4px 0; font-size: 22px; }
header p { margin: 0; opacity: .85; }
main { padding: 12px 32px 40px 32px; }
h2.section { margin: 28px 0 8px 0; font-size: 18px; color: #1f4e8c; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 16px; }
section.chart { background: white; border-radius: 6px; padding: 12px 16px;
                box-shadow: 0 1px 3px rgba(0,0,0,.12); }
section.chart h3 { margin: 0 0 4px 0; font-size: 15px; }
p.guide { margin: 0 0 6px 0; color: #4f5d6b; font-size: 13px; }
ul.notes { color: #6c7a89; font-size: 13px; }
#report-errors { color: #d64541; white-space: pre-wrap; }
"""

#: first script of the page: collects every error, also those of plotly.js itself
ERROR_HOOK = """
window.__reportErrors = [];
function __reportError(message) {
  window.__reportErrors.push(String(message));
  var el = document.getElementById('report-errors');
  if (el) { el.textContent = window.__reportErrors.join('\\n'); }
}
window.addEventListener('error', function (e) { __reportError(e.message || e); });
window.addEventListener('unhandledrejection', function (e) { __reportError(e.reason); });
(function () {
  var original = console.error;
  console.error = function () {
    __reportError(Array.prototype.join.call(arguments, ' '));
    original.apply(console, arguments);
  };
})();
"""

DRAW = """
(function () {
  var charts = JSON.parse(document.getElementById('report-data').textContent);
  var pending = charts.map(function (chart) {
    var el = document.getElementById(chart.id);
    return Plotly.newPlot(el, chart.figure.data, chart.figure.layout,
                          {displaylogo: false, responsive: true})
      .then(function () {
        if (el.querySelector('.main-svg')) { el.dataset.drawn = 'true'; }
        else { __reportError('chart ' + chart.id + ' has no svg'); }
      })
      .catch(function (e) { __reportError('chart ' + chart.id + ': ' + e); });
  });
  Promise.all(pending).then(function () {
    document.body.dataset.chartsDrawn = String(
      document.querySelectorAll('div.plot[data-drawn="true"]').length);
  });
})();
"""


def _script_json(value: Any) -> str:
    """JSON that can sit inside a <script> element."""
    text = json.dumps(value, cls=PlotlyJSONEncoder, ensure_ascii=False)
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def render_page(data: ReportData, charts: list[Chart], generated_at: datetime | None = None) -> str:
    """The report as one HTML document."""
    generated_at = generated_at or datetime.now(UTC)
    facts = [f"schema {data.marts_schema}"]
    if data.published_version is not None:
        facts.append(f"published version {data.published_version}")
    if data.as_of_date is not None:
        facts.append(f"as of {data.as_of_date:%Y-%m-%d}")
    if data.persons is not None:
        facts.append(f"{data.persons:,} persons")
    facts.append(f"generated {generated_at:%Y-%m-%d %H:%M} UTC")
    sections: dict[str, list[Chart]] = {}
    for chart in charts:
        sections.setdefault(chart.section, []).append(chart)
    body = []
    for section, members in sections.items():
        body.append(f'<h2 class="section">{html.escape(section)}</h2>\n<div class="grid">')
        for chart in members:
            body.append(
                f'<section class="chart" id="section-{chart.key}">'
                f"<h3>{html.escape(chart.title)}</h3>"
                f'<p class="guide">{html.escape(chart.guide)}</p>'
                f'<div class="plot" id="chart-{chart.key}"></div></section>'
            )
        body.append("</div>")
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in data.notes)
    payload = [{"id": f"chart-{c.key}", "figure": c.figure} for c in charts]
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>crm_segments report</title>
<style>{STYLE}</style>
<script>{ERROR_HOOK}</script>
<script>{get_plotlyjs()}</script>
</head>
<body data-charts="{len(charts)}">
<header><h1>crm_segments: customers, segments, channels, data quality</h1>
<p>{html.escape(" · ".join(facts))}</p></header>
<main>
{"".join(body)}
{f'<h2 class="section">Notes</h2><ul class="notes">{notes}</ul>' if notes else ""}
<pre id="report-errors"></pre>
</main>
<script type="application/json" id="report-data">{_script_json(payload)}</script>
<script>{DRAW}</script>
</body>
</html>
"""
