"""What the report shows, read from the public marts (one query per chart).

Every query reads the published marts (schema ``marts`` by default), so the report shows what
consumers see. A mart that is not there (the campaign marts of an older build) gives ``None``,
and its chart is left out with a note instead of failing the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import sql

Row = tuple[Any, ...]


@dataclass
class ReportData:
    """The rows behind every chart; ``None`` where the mart does not exist."""

    marts_schema: str
    as_of_date: date | None = None
    persons: int | None = None
    published_version: int | None = None
    rfm: list[Row] | None = None
    cohorts: list[Row] | None = None
    traffic_lights: list[Row] | None = None
    value_lifecycle: list[Row] | None = None
    clusters: list[Row] | None = None
    preferred_channels: list[Row] | None = None
    channel_reach: list[Row] | None = None
    consent_states: list[Row] | None = None
    scorecard: list[Row] | None = None
    quarantine: list[Row] | None = None
    records_per_person: list[Row] | None = None
    campaigns: list[Row] | None = None
    nps: list[Row] | None = None
    notes: list[str] = field(default_factory=list)


#: chart -> (mart it reads, query with {marts} for the schema)
QUERIES: dict[str, tuple[str, str]] = {
    "rfm": (
        "customer_segments",
        "select r_score, f_score, rfm_segment, count(*) from {marts}.customer_segments "
        "where r_score is not null and f_score is not null group by 1, 2, 3 order by 1, 2, 3",
    ),
    "cohorts": (
        "cohort_retention",
        "select cohort_month, months_since_activation, retention_rate, customers_at_start "
        "from {marts}.cohort_retention order by 1, 2",
    ),
    "traffic_lights": (
        "traffic_light_history",
        "select month, traffic_light, count(*) from {marts}.traffic_light_history "
        "group by 1, 2 order by 1, 2",
    ),
    "value_lifecycle": (
        "customer_segments",
        "select coalesce(value_tier, '(none)'), lifecycle_stage, count(*) "
        "from {marts}.customer_segments group by 1, 2 order by 1, 2",
    ),
    "clusters": (
        "cluster_profiles",
        "select cluster_id, cluster_label, feature_name, customers, customer_share, mean_value, "
        "z_score from {marts}.cluster_profiles order by cluster_id, feature_name",
    ),
    "preferred_channels": (
        "customer_segments",
        "select coalesce(preferred_channel, '(none)'), count(*) from {marts}.customer_segments "
        "where not is_prospect or preferred_channel is not null group by 1 order by 2 desc",
    ),
    "channel_reach": (
        "customer_channels",
        "select channel, count(*) filter (where is_reachable), "
        "count(*) filter (where is_reachable and has_marketing_consent), "
        "count(*) filter (where is_in_audience), count(*) filter (where is_preferred_channel) "
        "from {marts}.customer_channels group by 1 order by 2 desc",
    ),
    "consent_states": (
        "customer_consent",
        "select channel, consent_state, count(*) from {marts}.customer_consent "
        "where purpose = 'marketing' group by 1, 2 order by 1, 2",
    ),
    "scorecard": (
        "dq_scorecard",
        "select source_system, field_name, completeness, validity, duplicate_rate "
        "from {marts}.dq_scorecard order by 1, 2",
    ),
    "quarantine": (
        "dq_quarantine",
        "select source_table, reason_code, count(*) from {marts}.dq_quarantine "
        "group by 1, 2 order by 1, 2",
    ),
    "records_per_person": (
        "customers",
        "select least(record_count, 10), count(*) from {marts}.customers where not is_erased "
        "group by 1 order by 1",
    ),
    # the campaign marts (issue 13): shown once they exist
    "campaigns": (
        "campaign_performance",
        "select campaign_id, coalesce(campaign_name, campaign_id), uplift, uplift_ci_low, "
        "uplift_ci_high, roi_pct, verdict from {marts}.campaign_performance "
        "order by start_date, campaign_id",
    ),
    "nps": (
        "nps_by_segment",
        "select segment_type, segment_value, sum(responses), sum(promoters), sum(detractors) "
        "from {marts}.nps_by_segment "
        "where segment_type in ('all', 'lifecycle_stage', 'value_tier', 'rfm_segment') "
        "group by 1, 2 order by 1, 2",
    ),
}


def _plain(value: Any) -> Any:
    """Decimals as floats: the figures go to JSON."""
    return float(value) if isinstance(value, Decimal) else value


def _exists(conn: psycopg.Connection[Any], schema: str, table: str) -> bool:
    row = conn.execute("select to_regclass(%s) is not null", (f'"{schema}"."{table}"',)).fetchone()
    return bool(row and row[0])


def read_report_data(conn: psycopg.Connection[Any], marts_schema: str) -> ReportData:
    """Run every chart's query against the public marts of ``marts_schema``."""
    data = ReportData(marts_schema=marts_schema)
    marts = sql.Identifier(marts_schema)
    if not _exists(conn, marts_schema, "customer_segments"):
        data.notes.append(
            f"schema {marts_schema} has no published marts: run `crm-segments build` first"
        )
        return data
    row = conn.execute(
        sql.SQL("select max(as_of_date), count(*) from {}.customer_segments").format(marts)
    ).fetchone()
    if row:
        data.as_of_date, data.persons = row[0], int(row[1])
    if _exists(conn, f"{marts_schema}__publish", "versions"):
        version = conn.execute(
            sql.SQL("select max(version) from {}.versions where state = 'current'").format(
                sql.Identifier(f"{marts_schema}__publish")
            )
        ).fetchone()
        data.published_version = version[0] if version else None
    for name, (mart, query) in QUERIES.items():
        if not _exists(conn, marts_schema, mart):
            data.notes.append(f"{mart} is not in schema {marts_schema}: its chart is left out")
            continue
        try:
            with conn.transaction():
                rows = conn.execute(sql.SQL(query).format(marts=marts)).fetchall()  # type: ignore[arg-type]
        except psycopg.Error as exc:  # a mart of another shape than this report knows
            data.notes.append(f"{mart} could not be read ({exc.diag.message_primary or exc})")
            continue
        setattr(data, name, [tuple(_plain(v) for v in r) for r in rows])
    return data
