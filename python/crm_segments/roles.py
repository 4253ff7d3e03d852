"""Database roles: the BI role, the campaign role and the build role (``crm-segments db roles``).

The roles are created (or updated) here; what they may read is granted by the dbt build itself
(post-hooks in ``macros/consent/consent.sql``), because every rebuild of a table drops its
grants. So: create the roles once, then build.

- build role (var ``build_role``): logs in, may create schemas in the database and reads the raw
  schema; it is the role dbt should run as.
- BI role (var ``bi_role``): logs in; after a build it may select the non-PII columns of every
  mart (columns tagged ``meta: {pii: true}`` are excluded by column grants); nothing in raw,
  staging or intermediate.
- campaign role (var ``campaign_role``): logs in; after a build it may select
  ``campaign_audience`` and ``global_control_group`` only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql


@dataclass(frozen=True)
class RoleNames:
    """Role names: by default the dbt vars bi_role, campaign_role and build_role (one source)."""

    bi: str
    campaign: str
    build: str

    @classmethod
    def from_vars(cls, overrides: dict[str, Any] | None = None, **given: str | None) -> RoleNames:
        """The names of the dbt vars, each replaced by a name given (a CLI option) when set."""
        from crm_segments import project_vars

        return cls(
            **{
                field: given.get(field) or str(project_vars.value(f"{field}_role", overrides))
                for field in ("bi", "campaign", "build")
            }
        )


def _ensure_login_role(conn: psycopg.Connection[Any], name: str, password: str | None) -> bool:
    exists = conn.execute("select 1 from pg_roles where rolname = %s", (name,)).fetchone()
    verb = "alter" if exists else "create"
    statement = sql.SQL("{} role {} login").format(sql.SQL(verb), sql.Identifier(name))
    if password is not None:
        statement = sql.SQL("{} password {}").format(statement, sql.Literal(password))
    conn.execute(statement)
    return not exists


def setup_roles(
    conn: psycopg.Connection[Any],
    roles: RoleNames,
    *,
    password: str | None = None,
    raw_schema: str,
) -> list[str]:
    """Create or update the three roles; returns one line per action, for the CLI to print."""
    done: list[str] = []
    for name in (roles.build, roles.bi, roles.campaign):
        created = _ensure_login_role(conn, name, password)
        done.append(f"{'created' if created else 'updated'} role {name}")
    database = conn.execute("select current_database()").fetchone()
    assert database is not None
    db_ident = sql.Identifier(database[0])
    conn.execute(
        sql.SQL("grant connect, create, temporary on database {} to {}").format(
            db_ident, sql.Identifier(roles.build)
        )
    )
    for name in (roles.bi, roles.campaign):
        conn.execute(
            sql.SQL("grant connect on database {} to {}").format(db_ident, sql.Identifier(name))
        )
    done.append(f"{roles.build}: connect, create, temporary on database {database[0]}")
    raw = conn.execute("select 1 from pg_namespace where nspname = %s", (raw_schema,)).fetchone()
    if raw:
        conn.execute(
            sql.SQL("grant usage on schema {} to {}").format(
                sql.Identifier(raw_schema), sql.Identifier(roles.build)
            )
        )
        conn.execute(
            sql.SQL("grant select on all tables in schema {} to {}").format(
                sql.Identifier(raw_schema), sql.Identifier(roles.build)
            )
        )
        conn.execute(
            sql.SQL("alter default privileges in schema {} grant select on tables to {}").format(
                sql.Identifier(raw_schema), sql.Identifier(roles.build)
            )
        )
        done.append(f"{roles.build}: select on schema {raw_schema}")
    done.append(
        f"{roles.bi} and {roles.campaign} get their grants from the next build "
        "(post-hooks re-create them on every rebuilt mart)"
    )
    return done
