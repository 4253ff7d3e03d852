"""Where is an erased person's data? (issue 11) Used by python/tests/test_roles.py and bench/run.py.

``erased_identifiers`` reads the e-mails, phones (as typed, and their last nine digits) and
national ids of the erased persons from the raw records resolved to them; ``find_anywhere``
searches every text, JSON and array column of every table (and view) in the schemas the project
writes - staging, intermediate, the build and published marts, the kept versions, stored test
failures, clusters - and, on request, raw, for any of them.

The search is linear in the data, whatever the number of identifiers (tens of thousands at 1M
customers): each value is cut into tokens that are hash-joined with the identifiers, instead of
testing every value against every identifier with ``like``:

- e-mails: every run of characters around an ``@`` (up to a blank, quote, comma, semicolon,
  bracket or backslash), lower-cased, equal to an erased e-mail;
- phones and national ids by their digits: a stretch of digits and blanks, dots, dashes, slashes
  or brackets (``+7 (912) 345-67-89``) is one number (``79123456789``); a number of 9 or more
  digits holds the identifier's digits (a phone's last nine, a national id's all) - found
  through its 9-digit windows, so the identifier may sit anywhere inside a longer number;
- national ids with fewer than 9 digits: equal to a whole alphanumeric token (separators
  removed from the identifier).

The identifiers go to the server as arrays (``= any`` over a constant array is a hash probe), so
the planner may scan a big table in parallel.
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

WINDOW = 9  # digits of a phone's tail, and of the window through which digit identifiers match
EMAIL_TOKEN = r"""[^\s"',;<>()\[\]{}\\]+@[^\s"',;<>()\[\]{}\\]+"""
DIGIT_RUN = r"\d[\d\s().\-/]{7,}\d"  # a number, maybe typed with separators
SEPARATORS = " ().-/"


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
            if len(digits) >= WINDOW:
                values.update({phone, digits[-WINDOW:]})
        if national_id and len(national_id) >= 8:
            values.add(national_id)
    return sorted(values)


def search_keys(values: list[str]) -> tuple[set[str], set[str], set[str]]:
    """The identifiers as the search matches them: e-mails, digit strings, alphanumeric tokens.

    A value with an ``@`` is an e-mail; a value with 9 or more digits is matched by its digits
    (a phone typed with separators, its 9-digit tail and a national id all are); anything else
    (a short national id) as one alphanumeric token.
    """
    emails: set[str] = set()
    digits: set[str] = set()
    tokens: set[str] = set()
    for value in values:
        text = value.strip().lower()
        only_digits = re.sub(r"\D", "", text)
        if "@" in text:
            emails.add(text)
        elif len(only_digits) >= WINDOW:
            digits.add(only_digits)
        elif text:
            tokens.add(re.sub(r"[^0-9a-z]", "", text))
    return emails, digits, tokens


def _columns(conn: psycopg.Connection[Any], *, include_raw: bool) -> list[tuple[str, str, str]]:
    schemas = WRITTEN + (" or schema_name = 'raw'" if include_raw else "")
    return conn.execute(  # type: ignore[return-value]
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


# one column: the rows with a token equal to (or a number holding) an identifier; cheap tests
# (`strpos`, one `~` without captures) keep the set-returning regular expressions off the values
# that cannot match, and a window's hit is confirmed against the whole identifier
COLUMN_QUERY = """
select count(*) from (select {column}::text as v from {table}) as t
where (strpos(t.v, '@') > 0 and exists (
        select 1 from regexp_matches(lower(t.v), %(email_token)s, 'g') as m
        where m[1] = any(%(emails)s::text[])))
    or (t.v ~ %(digit_run)s and exists (
        select 1
        from regexp_matches(t.v, %(digit_run)s, 'g') as m
        cross join lateral (select translate(m[1], %(separators)s, '') as digits) as n
        cross join generate_series(1, length(n.digits) - %(window)s + 1) as w (i)
        where substr(n.digits, w.i, %(window)s) = any(%(keys)s::text[])
            and exists (
                select 1 from unnest(%(digits)s::text[]) as d (digits)
                where left(d.digits, %(window)s) = substr(n.digits, w.i, %(window)s)
                    and strpos(n.digits, d.digits) > 0)))
    or (cardinality(%(tokens)s::text[]) > 0 and exists (
        select 1 from regexp_matches(lower(t.v), '[0-9a-z]+', 'g') as a
        where a[1] = any(%(tokens)s::text[])))
"""


def find_anywhere(
    conn: psycopg.Connection[Any], values: list[str], *, include_raw: bool
) -> list[str]:
    """``schema.table.column: N rows`` for every column whose text holds one of ``values``.

    Without ``include_raw`` the raw schema and the base views over it (which store nothing
    themselves) are left out.
    """
    if not values:
        return []
    emails, digits, tokens = search_keys(values)
    parameters = {
        "email_token": EMAIL_TOKEN,
        "digit_run": DIGIT_RUN,
        "separators": SEPARATORS,
        "window": WINDOW,
        "emails": sorted(emails),
        "keys": sorted({d[:WINDOW] for d in digits}),
        "digits": sorted(digits),
        "tokens": sorted(tokens),
    }
    found: list[str] = []
    for schema, table, column in _columns(conn, include_raw=include_raw):
        query = sql.SQL(COLUMN_QUERY).format(
            table=sql.Identifier(schema, table), column=sql.Identifier(column)
        )
        row = conn.execute(query, parameters).fetchone()
        if row and row[0]:
            found.append(f"{schema}.{table}.{column}: {row[0]} rows")
    return found
