"""Where is an erased person's data? (issue 11) Used by python/tests/test_roles.py and bench/run.py.

``erased_identifiers`` reads the e-mails, phones (as typed, and their last nine digits) and
national ids of the erased persons from the raw records resolved to them; ``find_anywhere``
searches every text, JSON and array column of every table (and view) in the schemas the project
writes - staging, intermediate, the build and published marts, the kept versions, stored test
failures, clusters - and, on request, raw, for any of them.
"""

from __future__ import annotations

import re
from typing import Any

import psycopg
from psycopg import sql

WRITTEN = (
    "schema_name in ('staging', 'intermediate', 'dq_test_failures', 'clusters') "
    "or schema_name like 'marts%'"
)


def erased_identifiers(conn: psycopg.Connection[Any]) -> list[str]:
    """Identifiers of the erased persons, from their raw contact records."""
    rows = conn.execute(
        """
        select lower(trim(raw.email)), trim(raw.phone), upper(trim(raw.national_id))
        from intermediate.int_customers_erased as erased
        join intermediate.int_contacts_resolved as records using (customer_id)
        join staging.base_crm__contacts as base
            on base._key_source_system = records.source_system
            and base._key_source_record_id = records.source_record_id
        join raw.crm_contacts as raw
            -- a resolved record has both keys, so plain equality finds its raw rows, and lets
            -- the planner hash-join (`is not distinct from` probed the raw table per record:
            -- quadratic, hours at 1M)
            on raw.source_system = base.source_system
            and raw.source_record_id = base.source_record_id
        """
    ).fetchall()
    values: set[str] = set()
    for email, phone, national_id in rows:
        if email and "@" in email:
            values.add(email)
        if phone:
            digits = re.sub(r"\D", "", phone)
            if len(digits) >= 9:
                values.update({phone, digits[-9:]})
        if national_id and len(national_id) >= 8:
            values.add(national_id)
    return sorted(values)


def find_anywhere(
    conn: psycopg.Connection[Any], values: list[str], *, include_raw: bool
) -> list[str]:
    """``schema.table.column: N rows`` for every column whose text holds one of ``values``.

    Without ``include_raw`` the raw schema and the base views over it (which store nothing
    themselves) are left out.
    """
    if not values:
        return []
    schemas = WRITTEN + (" or schema_name = 'raw'" if include_raw else "")
    columns = conn.execute(
        f"""
        select c.table_schema, c.table_name, c.column_name
        from information_schema.columns as c
        join information_schema.tables as t using (table_schema, table_name)
        join (select nspname as schema_name from pg_namespace) as s
            on s.schema_name = c.table_schema
        where ({schemas})
            and c.data_type in ('text', 'jsonb', 'ARRAY', 'character varying')
            and (t.table_type = 'BASE TABLE'
                or (t.table_type = 'VIEW' and ({str(include_raw).lower()}
                    or c.table_name not like 'base_crm%%')))
        order by 1, 2, 3
        """
    ).fetchall()
    patterns = [f"%{v.lower()}%" for v in values]
    found: list[str] = []
    for schema, table, column in columns:
        query = sql.SQL("select count(*) from {} where lower({}::text) like any(%s)").format(
            sql.Identifier(schema, table), sql.Identifier(column)
        )
        row = conn.execute(query, (patterns,)).fetchone()
        if row and row[0]:
            found.append(f"{schema}.{table}.{column}: {row[0]} rows")
    return found
