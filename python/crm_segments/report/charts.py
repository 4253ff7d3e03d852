"""The report's charts: plotly figures built from ReportData, each with a one-line reading guide."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

from crm_segments.report.data import ReportData, Row

LIGHT_COLOURS = {"green": "#2e9e44", "yellow": "#f2c230", "red": "#d64541", "black": "#222222"}
CONSENT_COLOURS = {
    "granted": "#2e9e44",
    "withdrawn": "#d64541",
    "expired": "#f39c34",
    "unknown": "#b8bec6",
}
LIFECYCLE_ORDER = ["prospect", "new", "active", "at_risk", "churned"]
VALUE_TIER_ORDER = ["high", "valuable", "low", "negative", "(none)"]


@dataclass(frozen=True)
class Chart:
    """One chart of the report."""

    key: str
    section: str
    title: str
    guide: str
    figure: dict[str, Any]


def _layout(fig: go.Figure, height: int = 420, **kwargs: Any) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "height": height,
        "margin": {"l": 60, "r": 20, "t": 30, "b": 60},
        "template": "plotly_white",
        "font": {"family": "system-ui, sans-serif", "size": 12},
        "legend": {"orientation": "h", "y": -0.18},
    }
    fig.update_layout(**{**settings, **kwargs})
    return fig.to_plotly_json()


def _pct(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.0f}%"


def rfm_grid(rows: list[Row]) -> Chart:
    """Recency x frequency scores: persons per cell, and the cell's most common segment."""
    counts: dict[tuple[int, int], int] = defaultdict(int)
    segments: dict[tuple[int, int], dict[str, int]] = defaultdict(dict)
    for r, f, segment, n in rows:
        counts[(r, f)] += n
        segments[(r, f)][segment or "?"] = n
    scores = [1, 2, 3, 4, 5]
    z = [[counts.get((r, f), 0) for f in scores] for r in scores]
    text = [
        [
            f"{max(segments[(r, f)], key=segments[(r, f)].__getitem__)}<br>{counts[(r, f)]:,}"
            if (r, f) in counts
            else ""
            for f in scores
        ]
        for r in scores
    ]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[f"F{f}" for f in scores],
            y=[f"R{r}" for r in scores],
            text=text,
            texttemplate="%{text}",
            colorscale="Blues",
            colorbar={"title": "persons"},
            hovertemplate="%{y} %{x}: %{z:,} persons<extra></extra>",
        )
    )
    return Chart(
        "rfm_grid",
        "Segments",
        "RFM grid: recency x frequency",
        "Top right (R5 F5) are recent, frequent buyers (Champions); bottom left have not bought "
        "for long and rarely (Lost). Each cell names its most common segment and counts persons.",
        _layout(fig, xaxis_title="frequency score", yaxis_title="recency score"),
    )


def cohort_heatmap(rows: list[Row], max_cohorts: int = 36) -> Chart:
    """Retention rate by activation cohort and months since activation."""
    cohorts = sorted({r[0] for r in rows})[-max_cohorts:]
    months = sorted({r[1] for r in rows if r[0] in cohorts})
    rate = {(r[0], r[1]): r[2] for r in rows}
    z = [[rate.get((c, m)) for m in months] for c in cohorts]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=months,
            y=[c.strftime("%Y-%m") for c in cohorts],
            colorscale="YlGnBu",
            zmin=0,
            zmax=1,
            colorbar={"title": "retained", "tickformat": ".0%"},
            hovertemplate="cohort %{y}, month %{x}: %{z:.0%} active<extra></extra>",
        )
    )
    return Chart(
        "cohort_retention",
        "Segments",
        "Cohort retention",
        "Each row is an activation month; read left to right how much of it is still active "
        "after N months. Darker is better; a row that fades fast is a cohort that churns.",
        _layout(
            fig,
            height=520,
            xaxis_title="months since activation",
            yaxis_title="cohort",
            yaxis={"autorange": "reversed", "type": "category"},
        ),
    )


def traffic_light_history(rows: list[Row]) -> Chart:
    """Baseline high-end customers by traffic light, month by month."""
    months = sorted({r[0] for r in rows})
    by_light = {(r[0], r[1]): r[2] for r in rows}
    fig = go.Figure(
        [
            go.Bar(
                name=light,
                x=[m.strftime("%Y-%m") for m in months],
                y=[by_light.get((m, light), 0) for m in months],
                marker_color=colour,
            )
            for light, colour in LIGHT_COLOURS.items()
        ]
    )
    return Chart(
        "traffic_lights",
        "Segments",
        "High-end traffic lights by month",
        "The photographed high-end customers month by month: green still high-end, yellow "
        "early warning (usage down or a complaint), red no longer high-end, black churned. "
        "Growing yellow and red is the retention team's to-do list.",
        _layout(fig, barmode="stack", yaxis_title="baseline customers"),
    )


def value_tier_by_lifecycle(rows: list[Row]) -> Chart:
    """Persons by value tier and lifecycle stage."""
    counts = {(r[0], r[1]): r[2] for r in rows}
    tiers = [t for t in VALUE_TIER_ORDER if any(k[0] == t for k in counts)]
    tiers += sorted({k[0] for k in counts} - set(tiers))
    stages = [s for s in LIFECYCLE_ORDER if any(k[1] == s for k in counts)]
    stages += sorted({k[1] for k in counts} - set(stages))
    z = [[counts.get((t, s), 0) for s in stages] for t in tiers]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=stages,
            y=tiers,
            text=[[f"{v:,}" for v in row] for row in z],
            texttemplate="%{text}",
            colorscale="Purples",
            colorbar={"title": "persons"},
            hovertemplate="%{y} / %{x}: %{z:,} persons<extra></extra>",
        )
    )
    return Chart(
        "value_lifecycle",
        "Segments",
        "Value tier x lifecycle stage",
        "Where the margin sits in the customer life: high-value persons in at_risk are the "
        "first retention targets; (none) has no active month in the value-tier window.",
        _layout(
            fig,
            xaxis_title="lifecycle stage",
            yaxis_title="value tier",
            yaxis={"autorange": "reversed"},
        ),
    )


def cluster_profiles(rows: list[Row]) -> Chart:
    """Feature means per cluster as SDs off the population mean, and the cluster sizes."""
    clusters: dict[int, tuple[str, int, float]] = {}
    features: list[str] = []
    z_of: dict[tuple[int, str], float | None] = {}
    mean_of: dict[tuple[int, str], float | None] = {}
    for cluster_id, label, feature, customers, share, mean, z in rows:
        clusters[cluster_id] = (label or f"cluster {cluster_id}", customers, share)
        if feature not in features:
            features.append(feature)
        z_of[(cluster_id, feature)] = z
        mean_of[(cluster_id, feature)] = mean
    ids = sorted(clusters, key=lambda c: -clusters[c][1])
    names = [f"{clusters[c][0]} ({clusters[c][1]:,}, {_pct(clusters[c][2])})" for c in ids]
    fig = go.Figure(
        go.Heatmap(
            z=[[z_of.get((c, f)) for f in features] for c in ids],
            x=features,
            y=names,
            text=[
                ["" if mean_of.get((c, f)) is None else f"{mean_of[(c, f)]:,.1f}" for f in features]
                for c in ids
            ],
            texttemplate="%{text}",
            colorscale="RdBu",
            reversescale=True,
            zmid=0,
            colorbar={"title": "SDs off mean"},
            hovertemplate="%{y}<br>%{x}: mean %{text} (%{z:+.2f} SD)<extra></extra>",
        )
    )
    return Chart(
        "cluster_profiles",
        "Segments",
        "Behavioural cluster profiles",
        "Each row is a k-means cluster with its size; cells show the feature's mean, coloured by "
        "how far it lies from all customers (red above, blue below).",
        _layout(fig, height=380, margin={"l": 260, "r": 20, "t": 30, "b": 60}),
    )


def channels(preferred: list[Row] | None, reach: list[Row] | None) -> Chart:
    """Reachable, consented and in the audience per channel; preferred channel counts."""
    traces: list[go.Bar] = []
    if reach:
        names = [r[0] for r in reach]
        for index, (label, colour) in enumerate(
            [
                ("reachable", "#9bbcd9"),
                ("reachable + marketing consent", "#4a86c5"),
                ("in the audience now", "#1f4e8c"),
            ],
            start=1,
        ):
            traces.append(
                go.Bar(name=label, x=names, y=[r[index] for r in reach], marker_color=colour)
            )
    if preferred:
        traces.append(
            go.Bar(
                name="preferred channel",
                x=[r[0] for r in preferred],
                y=[r[1] for r in preferred],
                marker_color="#f39c34",
            )
        )
    fig = go.Figure(traces)
    return Chart(
        "channels",
        "Channels and consent",
        "Reach, consent, audience and preferred channel",
        "Per channel, persons with a usable address, of them those with a marketing grant, and "
        "those a campaign may contact today (after suppressions, control group and contact "
        "pressure); orange is how many prefer the channel.",
        _layout(fig, barmode="group", yaxis_title="persons"),
    )


def consent_by_channel(rows: list[Row]) -> Chart:
    """Marketing consent state per channel."""
    channels_ = sorted({r[0] for r in rows})
    counts = {(r[0], r[1]): r[2] for r in rows}
    fig = go.Figure(
        [
            go.Bar(
                name=state,
                x=channels_,
                y=[counts.get((c, state), 0) for c in channels_],
                marker_color=colour,
            )
            for state, colour in CONSENT_COLOURS.items()
        ]
    )
    return Chart(
        "consent_states",
        "Channels and consent",
        "Marketing consent by channel",
        "Only green (granted, not expired) allows marketing; unknown means no event was ever "
        "recorded, which is a no under opt-in.",
        _layout(fig, barmode="stack", yaxis_title="persons"),
    )


def dq_scorecard(rows: list[Row]) -> Chart:
    """Completeness (colour) and validity (text) per source system and field."""
    systems = sorted({r[0] for r in rows})
    fields = sorted({r[1] for r in rows})
    cell = {(r[0], r[1]): r for r in rows}
    fig = go.Figure(
        go.Heatmap(
            z=[[cell[(s, f)][2] if (s, f) in cell else None for f in fields] for s in systems],
            x=fields,
            y=systems,
            text=[
                [
                    f"{_pct(cell[(s, f)][2])}<br>v {_pct(cell[(s, f)][3])}"
                    if (s, f) in cell
                    else ""
                    for f in fields
                ]
                for s in systems
            ],
            texttemplate="%{text}",
            colorscale="RdYlGn",
            zmin=0,
            zmax=1,
            colorbar={"title": "complete", "tickformat": ".0%"},
            hovertemplate="%{y}.%{x}: %{z:.0%} present<extra></extra>",
        )
    )
    return Chart(
        "dq_scorecard",
        "Data quality",
        "Contact data scorecard",
        "Per source system and field: colour = share of records where the field is present, "
        "'v' = share of those that are valid. Red cells are what to fix at the source.",
        _layout(fig, height=380),
    )


def quarantine(rows: list[Row]) -> Chart:
    """Quarantined raw rows by source table and reason."""
    tables = sorted({r[0] for r in rows})
    reasons = sorted({r[1] for r in rows})
    counts = {(r[0], r[1]): r[2] for r in rows}
    fig = go.Figure(
        [
            go.Bar(
                name=reason,
                y=tables,
                x=[counts.get((t, reason), 0) for t in tables],
                orientation="h",
            )
            for reason in reasons
        ]
    )
    return Chart(
        "quarantine",
        "Data quality",
        "Quarantine by table and reason",
        "Every raw row that was not used, by table and reason code (dq_quarantine): nothing is "
        "dropped silently. A new long bar after a load means a source changed.",
        _layout(
            fig,
            height=460,
            barmode="stack",
            xaxis_title="rows",
            margin={"l": 150, "r": 20, "t": 30, "b": 80},
        ),
    )


def records_per_person(rows: list[Row]) -> Chart:
    """Persons by the number of contact records resolved to them."""
    fig = go.Figure(
        go.Bar(
            x=[f"{n}+" if n >= 10 else str(n) for n, _ in rows],
            y=[count for _, count in rows],
            marker_color="#6c7a89",
            text=[f"{count:,}" for _, count in rows],
            textposition="outside",
        )
    )
    return Chart(
        "records_per_person",
        "Data quality",
        "Persons by number of contact records",
        "How many source records entity resolution merged into each person: most have a few; "
        "a long tail of large persons would hint at over-merging.",
        _layout(
            fig, xaxis_title="contact records", yaxis_title="persons", xaxis={"type": "category"}
        ),
    )


def campaign_uplift(rows: list[Row]) -> Chart:
    """Uplift (treated - control response rate) with its confidence interval, per campaign."""
    shown = [r for r in rows if r[2] is not None]
    fig = go.Figure(
        go.Scatter(
            x=[r[2] for r in shown],
            y=[r[1] for r in shown],
            mode="markers",
            marker={"size": 9, "color": "#1f4e8c"},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [(r[4] - r[2]) if r[4] is not None else 0 for r in shown],
                "arrayminus": [(r[2] - r[3]) if r[3] is not None else 0 for r in shown],
            },
            hovertemplate="%{y}: uplift %{x:.1%}<extra></extra>",
        )
    )
    fig.add_vline(x=0, line_dash="dash", line_color="#888")
    return Chart(
        "campaign_uplift",
        "Campaigns",
        "Uplift by campaign (95% interval)",
        "Response rate of the contacted minus that of the control group; a bar that does not "
        "cross the dashed zero line is an effect the campaign caused, not luck.",
        _layout(
            fig,
            height=max(320, 26 * len(shown) + 100),
            xaxis={"tickformat": ".0%", "title": "uplift"},
            margin={"l": 220, "r": 20, "t": 30, "b": 60},
        ),
    )


def campaign_roi(rows: list[Row]) -> Chart:
    """ROI per campaign with the 100% (pays back) and 200% (strong) lines."""
    shown = [r for r in rows if r[5] is not None]
    fig = go.Figure(
        go.Bar(
            y=[r[1] for r in shown],
            x=[r[5] for r in shown],
            orientation="h",
            marker_color=["#2e9e44" if r[5] >= 100 else "#d64541" for r in shown],
            hovertemplate="%{y}: ROI %{x:.0f}%<extra></extra>",
        )
    )
    fig.add_vline(x=100, line_dash="dash", line_color="#888")
    fig.add_vline(x=200, line_dash="dot", line_color="#2e9e44")
    return Chart(
        "campaign_roi",
        "Campaigns",
        "ROI by campaign",
        "Incremental revenue / cost in percent: right of the dashed 100% line a campaign paid "
        "back, right of the dotted 200% line it is a strong programme.",
        _layout(
            fig,
            height=max(320, 26 * len(shown) + 100),
            xaxis_title="ROI %",
            margin={"l": 220, "r": 20, "t": 30, "b": 60},
        ),
    )


def nps_by_segment(rows: list[Row]) -> Chart:
    """NPS = % promoters - % detractors, per segment label, over all months."""
    labels = []
    values = []
    for segment_type, value, responses, promoters, detractors in rows:
        if not responses:
            continue
        labels.append("all answers" if segment_type == "all" else f"{segment_type}: {value}")
        values.append(100.0 * (promoters - detractors) / responses)
    fig = go.Figure(
        go.Bar(
            y=labels,
            x=values,
            orientation="h",
            marker_color=["#2e9e44" if v >= 0 else "#d64541" for v in values],
            hovertemplate="%{y}: NPS %{x:.0f}<extra></extra>",
        )
    )
    return Chart(
        "nps_by_segment",
        "Campaigns",
        "NPS by segment",
        "Net promoter score (% answering 9-10 minus % answering 0-6) of each segment, from -100 "
        "to 100; compare each bar with 'all answers'.",
        _layout(
            fig,
            height=max(320, 22 * len(labels) + 100),
            xaxis={"range": [-100, 100], "title": "NPS"},
            margin={"l": 260, "r": 20, "t": 30, "b": 60},
        ),
    )


def build_charts(data: ReportData) -> list[Chart]:
    """Every chart whose data is there, in report order."""
    charts: list[Chart] = []
    if data.rfm:
        charts.append(rfm_grid(data.rfm))
    if data.cohorts:
        charts.append(cohort_heatmap(data.cohorts))
    if data.traffic_lights:
        charts.append(traffic_light_history(data.traffic_lights))
    if data.value_lifecycle:
        charts.append(value_tier_by_lifecycle(data.value_lifecycle))
    if data.clusters:
        charts.append(cluster_profiles(data.clusters))
    elif data.clusters is not None:
        data.notes.append("cluster_profiles is empty: no cluster model fitted yet")
    if data.channel_reach or data.preferred_channels:
        charts.append(channels(data.preferred_channels, data.channel_reach))
    if data.consent_states:
        charts.append(consent_by_channel(data.consent_states))
    if data.scorecard:
        charts.append(dq_scorecard(data.scorecard))
    if data.quarantine:
        charts.append(quarantine(data.quarantine))
    if data.records_per_person:
        charts.append(records_per_person(data.records_per_person))
    if data.campaigns:
        charts.append(campaign_uplift(data.campaigns))
        charts.append(campaign_roi(data.campaigns))
    if data.nps:
        charts.append(nps_by_segment(data.nps))
    return charts
