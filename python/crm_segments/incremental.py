"""Incremental staging's guards (issue 15: the nightly run).

The base and staging models of the append-only raw tables are incremental
(macros/incremental_staging.sql): a build stages only the key partitions that rows of new
batches reach (``crm-segments load`` writes each row's batch into ``_crm_batch_id``). So is the
standardization of contact records (macros/standardize/contacts_standardized.sql: only the
records whose staged row changed). Two things would make their rows stale without dbt noticing,
and ``crm-segments build`` then runs with ``--full-refresh``:

- other code: the staged rows were computed by the code and vars of earlier builds. The digest
  of what staging depends on (the project's files, the vars given, the package and dbt
  versions, the target) is kept with the last successful build and compared;
- raw rows changed outside ``crm-segments load``: an UPDATE, a DELETE or an INSERT by hand
  leaves the batches as they were. Per raw table, the rows of the batches the last successful
  build had staged are counted and their creating transaction ids summed (``xmin``: an update
  changes it) then and now; a table replaced or emptied by a load since is left out (the
  models stage it whole by themselves).

Both are kept in ``<staging schema>._crm_incremental_state``. The state is deleted before a
build that rebuilds the staging whole and written again only once a build that ran every
incremental model succeeded: a build that fails half-way, or a selection without some of them,
leaves no state, and the next build is a full refresh again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from psycopg import sql

from crm_segments import inputs
from crm_segments.db import table_exists

#: the table, in the staging schema, that holds the state of the last successful build
STATE_TABLE = "_crm_incremental_state"


@dataclass(frozen=True)
class IncrementalModels:
    """The incremental models of the project and the raw tables they stage."""

    models: frozenset[str]
    raw_tables: frozenset[str]


def logic_digest(
    project_dir: Any, overrides: dict[str, Any], versions: dict[str, str], target: str
) -> str:
    """The md5 of what staged rows depend on besides the raw rows."""
    return inputs.md5_of(
        {
            "project": inputs.project_digest(project_dir),
            "target": target,
            "vars": overrides,
            "versions": versions,
        }
    )


def incremental_models(manifest: Path) -> IncrementalModels:
    """The project's models materialized as incremental and the raw tables they read (from dbt's
    manifest). A missing manifest names a model that no build runs, so that nothing is
    recorded."""
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        nodes, sources = data["nodes"], data["sources"]
    except (OSError, ValueError, KeyError):
        return IncrementalModels(frozenset({"<no manifest>"}), frozenset())
    chosen = [
        node
        for node in nodes.values()
        if node.get("resource_type") == "model"
        and node.get("package_name") == "crm_segments"
        and node.get("config", {}).get("materialized") == "incremental"
    ]
    raw = {
        sources[parent]["name"]
        for node in chosen
        for parent in node.get("depends_on", {}).get("nodes", [])
        if parent in sources
    }
    return IncrementalModels(frozenset(n["name"] for n in chosen), frozenset(raw))


def _table(schema: str) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(STATE_TABLE))


def _has_batch_column(conn: Any, schema: str, table: str) -> bool:
    row = conn.execute(
        "select 1 from information_schema.columns where table_schema = %s "
        "and table_name = %s and column_name = '_crm_batch_id'",
        (schema, table),
    ).fetchone()
    return row is not None


def raw_rows_state(
    conn: Any, raw_schema: str, tables: frozenset[str], up_to: dict[str, int] | None = None
) -> dict[str, list[int]]:
    """Per raw table with a batch column: [rows, sum of their xmin, latest batch], over the rows
    of batches up to ``up_to[table]`` when given (a row without a batch counts as batch 0)."""
    state: dict[str, list[int]] = {}
    for table in sorted(tables):
        if not (
            table_exists(conn, raw_schema, table) and _has_batch_column(conn, raw_schema, table)
        ):
            continue
        relation = sql.SQL("{}.{}").format(sql.Identifier(raw_schema), sql.Identifier(table))
        where = sql.SQL("")
        if up_to is not None:
            where = sql.SQL(" where coalesce(_crm_batch_id, 0) <= {}").format(
                sql.Literal(up_to.get(table, 0))
            )
        count, xmins, latest = conn.execute(
            sql.SQL(
                "select count(*), coalesce(sum(xmin::text::bigint), 0), "
                "coalesce(max(_crm_batch_id), 0) from {}{}"
            ).format(relation, where)
        ).fetchone()
        state[table] = [int(count), int(xmins), int(latest)]
    return state


def _restarted_tables(conn: Any, raw_schema: str, since: dict[str, int]) -> set[str]:
    """The raw tables that a load replaced or emptied after the given batch."""
    if not table_exists(conn, raw_schema, "_crm_load_log"):
        return set()
    rows = conn.execute(
        sql.SQL(
            "select table_name, max(batch_id) from {}.{} "
            "where action in ('replaced', 'emptied') group by table_name"
        ).format(sql.Identifier(raw_schema), sql.Identifier("_crm_load_log"))
    ).fetchall()
    return {table for table, batch in rows if table in since and batch > since[table]}


def stale_reason(conn: Any, staging_schema: str, raw_schema: str, digest: str) -> str | None:
    """Why the incremental staging must be rebuilt whole, or None when it is up to date (the raw
    tables checked are those the last successful build recorded)."""
    if not table_exists(conn, staging_schema, STATE_TABLE):
        return "first build"
    row = conn.execute(
        sql.SQL("select logic_digest, raw_rows from {}").format(_table(staging_schema))
    ).fetchone()
    if not row:
        return "first build, or the last one failed"
    stored_digest, stored_rows = row[0], row[1] or {}
    if stored_digest != digest:
        return "code, vars or versions changed"
    latest = {table: int(state[2]) for table, state in stored_rows.items()}
    checked = latest.keys() - _restarted_tables(conn, raw_schema, latest)
    now = raw_rows_state(conn, raw_schema, frozenset(checked), up_to=latest)
    changed = sorted(t for t in checked if now.get(t, [0, 0])[:2] != stored_rows[t][:2])
    if changed:
        return f"raw rows changed outside crm-segments load in {', '.join(changed)}"
    return None


def forget(conn: Any, schema: str) -> None:
    """Delete the recorded state (before a build that rebuilds the incremental staging)."""
    if table_exists(conn, schema, STATE_TABLE):
        conn.execute(sql.SQL("delete from {}").format(_table(schema)))


def record(
    conn: Any, staging_schema: str, raw_schema: str, digest: str, tables: frozenset[str]
) -> None:
    """Record the state of a build that ran every incremental staging model and succeeded."""
    conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(staging_schema)))
    conn.execute(
        sql.SQL(
            "create table if not exists {} (logic_digest text not null, raw_rows jsonb, "
            "recorded_at timestamptz not null)"
        ).format(_table(staging_schema))
    )
    rows = raw_rows_state(conn, raw_schema, tables)
    conn.execute(sql.SQL("delete from {}").format(_table(staging_schema)))
    conn.execute(
        sql.SQL("insert into {} values (%s, %s, clock_timestamp())").format(_table(staging_schema)),
        (digest, json.dumps(rows)),
    )
