"""The end of a build for humans and logs: the as-of date, the raw batches, business figures.

Read from the database after a build (the marts and a few intermediate tables); every query
tolerates a table that is not there (a partial ``--select`` build), and says so instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import psycopg
from psycopg import sql
from rich.console import Console
from rich.table import Table

from crm_segments.db import table_exists


@dataclass
class BusinessSummary:
    """What the build produced, in business terms."""

    as_of_date: date | None = None
    as_of_source: str | None = None
    as_of_at: datetime | None = None
    last_billed_month: date | None = None
    last_data_date: date | None = None
    last_batch: tuple[int, str, datetime] | None = None
    persons: int | None = None
    erased: int | None = None
    prospects: int | None = None
    reachable: dict[str, int] = field(default_factory=dict)
    audience: dict[str, int] = field(default_factory=dict)
    quarantined: dict[str, int] = field(default_factory=dict)
    cluster_model: tuple[int, datetime, int] | None = None
    cluster_scored: int | None = None
    notes: list[str] = field(default_factory=list)


def _rows(conn: psycopg.Connection[Any], query: sql.Composable) -> list[tuple[Any, ...]]:
    return list(conn.execute(query).fetchall())


def read_summary(conn: psycopg.Connection[Any], schemas: dict[str, str]) -> BusinessSummary:
    """Collect the figures; ``schemas`` maps raw/intermediate/marts/clusters to schema names."""
    out = BusinessSummary()
    raw, inter, marts = schemas["raw"], schemas["intermediate"], schemas["marts"]
    if table_exists(conn, inter, "int_as_of_dates_resolved"):
        row = conn.execute(
            sql.SQL(
                "select as_of_date, as_of_source, as_of_at, last_billed_month, last_data_date "
                "from {}.int_as_of_dates_resolved"
            ).format(sql.Identifier(inter))
        ).fetchone()
        if row:
            (
                out.as_of_date,
                out.as_of_source,
                out.as_of_at,
                out.last_billed_month,
                out.last_data_date,
            ) = row
    if table_exists(conn, raw, "_crm_load_log"):
        row = conn.execute(
            sql.SQL(
                "select batch_id, mode, max(loaded_at) from {}._crm_load_log "
                "group by batch_id, mode order by batch_id desc limit 1"
            ).format(sql.Identifier(raw))
        ).fetchone()
        if row:
            out.last_batch = (int(row[0]), str(row[1]), row[2])
    if table_exists(conn, marts, "customers"):
        row = conn.execute(
            sql.SQL(
                "select count(*) filter (where not is_erased), count(*) filter (where is_erased), "
                "count(*) filter (where is_prospect and not is_erased) from {}.customers"
            ).format(sql.Identifier(marts))
        ).fetchone()
        if row:
            out.persons, out.erased, out.prospects = (int(v) for v in row)
    if table_exists(conn, inter, "int_customer_channels_reachable"):
        out.reachable = dict(
            _rows(
                conn,
                sql.SQL(
                    "select channel, count(distinct customer_id) "
                    "from {}.int_customer_channels_reachable "
                    "where is_reachable group by channel order by channel"
                ).format(sql.Identifier(inter)),
            )
        )
    if table_exists(conn, marts, "campaign_audience"):
        out.audience = dict(
            _rows(
                conn,
                sql.SQL(
                    "select channel, count(*) from {}.campaign_audience "
                    "group by channel order by channel"
                ).format(sql.Identifier(marts)),
            )
        )
    if table_exists(conn, marts, "dq_quarantine"):
        out.quarantined = dict(
            _rows(
                conn,
                sql.SQL(
                    "select source_table || ': ' || reason_code, count(*) from {}.dq_quarantine "
                    "group by 1 order by 2 desc, 1"
                ).format(sql.Identifier(marts)),
            )
        )
    clusters = schemas.get("clusters", "clusters")
    if table_exists(conn, clusters, "cluster_models") and table_exists(
        conn, inter, "int_customer_clusters"
    ):
        row = conn.execute(
            sql.SQL(
                "select m.model_version, m.fitted_at, m.training_rows from {}.cluster_models as m "
                "where m.model_version = (select max(model_version) from {}.int_customer_clusters)"
            ).format(sql.Identifier(clusters), sql.Identifier(inter))
        ).fetchone()
        if row:
            out.cluster_model = (int(row[0]), row[1], int(row[2]))
        scored = conn.execute(
            sql.SQL(
                "select count(*) from {}.int_customer_clusters where cluster_id is not null"
            ).format(sql.Identifier(inter))
        ).fetchone()
        out.cluster_scored = int(scored[0]) if scored else None
    return out


def as_of_line(summary: BusinessSummary) -> str:
    """``as of 2026-10-31, from the data (...)`` - the one line every build ends with."""
    if summary.as_of_date is None:
        if summary.as_of_source == "no_data":
            return "as of: none - the data has no dated row; set the var as_of_date"
        return "as of: unknown (int_as_of_dates_resolved was not built)"
    source = {
        "data": "from the data",
        "var": "from the var as_of_date",
        "clock": "from the clock (as_of_date: today)",
        "load_date": "the date of the last load (the data has no dated row)",
    }.get(summary.as_of_source or "", summary.as_of_source or "")
    details = []
    if summary.as_of_source == "data":
        if summary.last_billed_month is not None:
            details.append(f"last billed month {summary.last_billed_month:%Y-%m}")
        if summary.last_data_date is not None:
            details.append(f"last day with data {summary.last_data_date:%Y-%m-%d}")
    if summary.as_of_at is not None:
        details.append(f"consent and contact rules as of {summary.as_of_at:%Y-%m-%d %H:%M} UTC")
    tail = f" ({'; '.join(details)})" if details else ""
    return f"as of {summary.as_of_date:%Y-%m-%d}, {source}{tail}"


def print_business_summary(summary: BusinessSummary, console: Console) -> None:
    """Persons, reachability and audience per channel, quarantine by reason, the model in use."""
    console.print(as_of_line(summary), highlight=False)
    if summary.last_batch is not None:
        batch, mode, at = summary.last_batch
        console.print(f"raw data: last load batch {batch} ({mode}, {at:%Y-%m-%d %H:%M} UTC)")
    if summary.persons is not None:
        console.print(
            f"persons: {summary.persons:,} "
            f"({summary.prospects or 0:,} prospects without an account)"
            + (f", {summary.erased:,} erased" if summary.erased else "")
        )
    if summary.reachable or summary.audience:
        table = Table(title="reach by channel", title_justify="left")
        table.add_column("channel")
        table.add_column("reachable persons", justify="right")
        table.add_column("campaign_audience rows", justify="right")
        for channel in sorted(set(summary.reachable) | set(summary.audience)):
            table.add_row(
                channel,
                f"{summary.reachable.get(channel, 0):,}",
                f"{summary.audience.get(channel, 0):,}",
            )
        console.print(table)
    if summary.quarantined:
        total = sum(summary.quarantined.values())
        console.print(f"quarantined rows: {total:,} (dq_quarantine)")
        for reason, n in summary.quarantined.items():
            console.print(f"  {reason}: {n:,}", highlight=False)
    if summary.cluster_model is not None:
        version, fitted_at, training = summary.cluster_model
        scored = summary.cluster_scored or 0
        console.print(
            f"cluster model v{version} (fitted {fitted_at:%Y-%m-%d} on {training:,} customers) "
            f"scores {scored:,} customers now",
            highlight=False,
        )
    for note in summary.notes:
        console.print(f"[yellow]note[/] {note}", highlight=False)
