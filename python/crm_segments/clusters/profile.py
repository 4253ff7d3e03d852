"""The cluster profile: the clusters side by side in a table, and persons scored per label."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql
from rich.table import Table

from crm_segments.clusters.model import ClusterModel, ClusterSettings
from crm_segments.clusters.store import table_exists


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"


def profile_table(model: ClusterModel, scored: dict[str, int] | None = None) -> Table:
    """The clusters side by side: label, size, and the members' mean of every feature (raw units).

    One column per cluster (and one for the whole training population), one row per measure, so
    the table stays narrow for up to cluster_k_max clusters.
    """
    title = (
        f"cluster model v{model.model_version}: k={model.k}, silhouette {model.silhouette:.3f}, "
        f"{model.training_rows:,} customers, fitted {model.fitted_at:%Y-%m-%d %H:%M} UTC"
    )
    table = Table(title=title, title_justify="left")
    table.add_column("cluster")
    for cid in model.cluster_ids:
        table.add_column(str(cid), justify="right")
    table.add_column("all", justify="right", style="bold")
    total = max(model.training_rows, 1)
    table.add_row("label", *model.labels, "")
    table.add_row("customers", *(f"{n:,}" for n in model.sizes), f"{model.training_rows:,}")
    table.add_row("share", *(f"{n / total:.0%}" for n in model.sizes), "100%")
    if scored is not None:
        now = [scored.get(label, 0) for label in model.labels]
        table.add_row("scored now", *(f"{n:,}" for n in now), f"{sum(now):,}")
    for i, name in enumerate(model.features):
        table.add_row(
            f"{name} (mean)",
            *(_fmt(float(v)) for v in model.member_means[:, i]),
            _fmt(float(model.population_means[i])),
        )
    return table


def scored_counts(
    conn: psycopg.Connection[Any], settings: ClusterSettings
) -> dict[str, int] | None:
    """Persons per model label in int_customer_clusters (None before the first build)."""
    if not table_exists(conn, settings.intermediate_schema, "int_customer_clusters"):
        return None
    rows = conn.execute(
        sql.SQL("select coalesce(model_label, cluster_status), count(*) from {} group by 1").format(
            sql.Identifier(settings.intermediate_schema, "int_customer_clusters")
        )
    ).fetchall()
    return {str(label): int(n) for label, n in rows}
