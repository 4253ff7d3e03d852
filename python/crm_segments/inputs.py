"""What a build reads, as one fingerprint: a build whose inputs equal the published version's,
with nothing built since, has nothing to do (issue 15: a build with nothing changed costs
seconds, not a full build).

The inputs are the raw tables, the stored models a build scores with (cluster model, match
weights), the project's code (models, macros, seeds, tests, dbt_project.yml), the package and
dbt versions, the target, the dbt vars and the roles publishing grants to. A raw table is read
as its row count, the sum of its rows' creating transaction ids (``xmin``: any insert, update or
delete changes it) and its file node (a TRUNCATE or a rewrite changes it): one sequential scan
of that one system column, no row is hashed. A build whose results depend on the wall clock
(``as_of_date: today``) is never skipped.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from psycopg import sql

#: the project files a build depends on (paths relative to the project directory)
PROJECT_PATHS = ("dbt_project.yml", "vars_schema.yml", "models", "macros", "seeds", "tests")


def project_digest(project_dir: Path) -> str:
    """sha256 over the project's files (relative path and content, in path order)."""
    digest = hashlib.sha256()
    for name in PROJECT_PATHS:
        root = project_dir / name
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            digest.update(path.relative_to(project_dir).as_posix().encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()


def table_states(conn: Any, schemas: list[str]) -> dict[str, list[Any]]:
    """Per table of the given schemas: [row count, sum of xmin, file node]."""
    tables = conn.execute(
        "select n.nspname, c.relname, coalesce(pg_relation_filenode(c.oid), 0) "
        "from pg_class as c join pg_namespace as n on n.oid = c.relnamespace "
        "where n.nspname = any(%s) and c.relkind in ('r', 'p') and not c.relispartition "
        "order by 1, 2",
        (schemas,),
    ).fetchall()
    states: dict[str, list[Any]] = {}
    for schema, table, filenode in tables:
        count, xmins = conn.execute(
            sql.SQL(
                "select count(*), coalesce(sum(xmin::text::bigint), 0)::text from {}.{}"
            ).format(sql.Identifier(schema), sql.Identifier(table))
        ).fetchone()
        states[f"{schema}.{table}"] = [count, xmins, filenode]
    return states


def derived_state(conn: Any, schemas: list[str]) -> str:
    """The md5 of the relations a build writes (staging, intermediate, the build schema): each
    one's kind and file node (a rebuilt table is a new file) and its rows written so far (an
    incremental model's merge). Taken right after publishing; any build since changes it."""
    rows = conn.execute(
        "select n.nspname, c.relname, c.relkind, coalesce(pg_relation_filenode(c.oid), 0), "
        "coalesce(s.n_tup_ins + s.n_tup_upd + s.n_tup_del, 0) "
        "from pg_class as c join pg_namespace as n on n.oid = c.relnamespace "
        "left join pg_stat_user_tables as s on s.relid = c.oid "
        "where n.nspname = any(%s) and c.relkind in ('r', 'p', 'v', 'm') order by 1, 2",
        (schemas,),
    ).fetchall()
    text = json.dumps([list(row) for row in rows], default=str)
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def fingerprint(
    conn: Any,
    *,
    project_dir: Path,
    schemas: list[str],
    target: str,
    overrides: dict[str, Any],
    versions: dict[str, str],
    roles: list[str],
) -> tuple[str, str]:
    """The md5 of everything a build reads (see the module docstring), and which of the roles
    that publishing grants to exist (`crm-segments db roles` after a build needs a build); with
    the md5 of the first schema's tables alone (the raw data)."""
    existing = conn.execute(
        "select rolname from pg_roles where rolname = any(%s) order by 1", (roles,)
    ).fetchall()
    tables = table_states(conn, schemas)
    first = {name: state for name, state in tables.items() if name.startswith(f"{schemas[0]}.")}
    payload = {
        "roles": [row[0] for row in existing],
        "tables": tables,
        "project": project_digest(project_dir),
        "target": target,
        "vars": overrides,
        "versions": versions,
    }
    return md5_of(payload), md5_of(first)


def md5_of(value: Any) -> str:
    """The md5 of a JSON-serializable value (keys sorted)."""
    text = json.dumps(value, sort_keys=True, default=str)
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def published_fingerprint(conn: Any, marts_schema: str) -> tuple[int, str | None] | None:
    """The current published version and the fingerprint stored with it (inputs, then the
    derived state, joined by '/'); None when nothing is published or the log predates
    fingerprints."""
    log = conn.execute("select to_regclass(%s)", (f'"{marts_schema}__publish".versions',))
    if log.fetchone()[0] is None:
        return None
    has_column = conn.execute(
        "select 1 from information_schema.columns where table_schema = %s "
        "and table_name = 'versions' and column_name = 'inputs_fingerprint'",
        (f"{marts_schema}__publish",),
    ).fetchone()
    if not has_column:
        return None
    row = conn.execute(
        sql.SQL(
            "select version, inputs_fingerprint from {}.versions where state = 'current'"
        ).format(sql.Identifier(f"{marts_schema}__publish"))
    ).fetchone()
    return (row[0], row[1]) if row else None
