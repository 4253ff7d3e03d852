"""Where is an erased person's data? (issue 11) Used by python/tests/test_roles.py and bench/run.py.

``erased_identifiers`` reads the e-mails, phones (as typed, and their last nine digits) and
national ids of the erased persons from the raw records resolved to them; ``find_anywhere``
searches every text, JSON and array column of every table in the schemas the project writes -
staging, intermediate, the build and published marts, the kept versions, stored test failures,
clusters - and, on request, raw, for any of them. Only tables are read: views store nothing (the
public marts are partitioned tables whose one partition is the current version's table, and the
build schema's views read them), so reading them would only read the same rows again.

The search is linear in the data, whatever the number of identifiers (tens of thousands at 1M
customers): each value is cut into tokens that are probed against the identifiers by hash
(``= any`` of a constant array), instead of testing every value against every identifier with
``like``:

- e-mails: every run of characters around an ``@`` (up to a blank, quote, comma, colon,
  semicolon, bar, bracket or backslash: ``email:ana@x.ro`` holds ``ana@x.ro``), lower-cased,
  equal to an erased e-mail;
- phones and national ids by their digits: blanks, dots, dashes, slashes and brackets are
  dropped, so a number typed with separators is one number (``+7 (912) 345-67-89`` is
  ``79123456789``); a number holds a phone when it ends with the phone's last nine digits
  (``0040 722 878 699``, ``+40722878699`` and ``phone:+40722878699`` all do), and a national id
  (or a phone as typed) when it equals its digits;
- national ids with fewer than 9 digits: equal to a whole alphanumeric token (separators
  removed from the identifier).
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

TAIL = 9  # the digits of a phone that identify it, whatever its prefix
EMAIL_TOKEN = r"""[^\s"',;:|<>()\[\]{}\\]+@[^\s"',;:|<>()\[\]{}\\]+"""
DIGIT_RUN = r"\d[\d\s().\-/]{7,}\d"  # a number of 9 digits or more, maybe typed with separators
SEPARATORS = " ().-/"
FIRST_NUMBERS = 4  # numbers of a value probed one by one; the rest (JSON records) through unnest


def erased_identifiers(conn: psycopg.Connection[Any]) -> list[str]:
    """Identifiers of the erased persons, from their raw contact records; only those that no
    person who is not erased carries too.

    A family e-mail, a household's landline, a placeholder number or a national id typed on two
    persons' records is also the other person's data: it stays on their records (and in what is
    built from them), so it is not what must be gone. Shared means: the same lower-cased e-mail,
    the same last nine digits of a phone, the same letters and digits of a national id on a
    record resolved to a person who is not erased.
    """
    rows = conn.execute(
        """
        with records as (
            select
                erased.customer_id is not null as is_erased,
                lower(trim(raw.email)) as email,
                trim(raw.phone) as phone,
                upper(trim(raw.national_id)) as national_id
            from intermediate.int_contacts_resolved as records
            join staging.base_crm__contacts as base
                on base._key_source_system = records.source_system
                and base._key_source_record_id = records.source_record_id
            join raw.crm_contacts as raw
                -- a resolved record has both keys, so plain equality finds its raw rows, and
                -- lets the planner hash-join (`is not distinct from` probed the raw table per
                -- record: quadratic, hours at 1M)
                on raw.source_system = base.source_system
                and raw.source_record_id = base.source_record_id
            left join intermediate.int_customers_erased as erased
                on erased.customer_id = records.customer_id
        ),

        keyed as (
            select
                is_erased,
                email,
                phone,
                national_id,
                right(regexp_replace(phone, '[^0-9]', '', 'g'), %(tail)s) as phone_key,
                regexp_replace(national_id, '[^0-9A-Z]', '', 'g') as national_id_key
            from records
        ),

        others as (
            select * from keyed where not is_erased
        )

        select
            case when shared_email.email is null then keyed.email end,
            case when shared_phone.phone_key is null then keyed.phone end,
            case when shared_id.national_id_key is null then keyed.national_id end
        from keyed
        -- hash joins with the distinct identifiers of the others (`not in` would probe per row)
        left join (select distinct email from others) as shared_email
            on shared_email.email = keyed.email
        left join (select distinct phone_key from others) as shared_phone
            on shared_phone.phone_key = keyed.phone_key
        left join (select distinct national_id_key from others) as shared_id
            on shared_id.national_id_key = keyed.national_id_key
        where keyed.is_erased
        """,
        {"tail": TAIL},
    ).fetchall()
    return identifiers_of(rows)


def identifiers_of(records: list[tuple[str | None, str | None, str | None]]) -> list[str]:
    """What to search for, from (e-mail, phone, national id) as typed: the e-mail lower-cased,
    the phone as typed and its last nine digits, the national id upper-cased (8 characters or
    more)."""
    values: set[str] = set()
    for email, phone, national_id in records:
        email = (email or "").strip().lower()
        if "@" in email:
            values.add(email)
        phone = (phone or "").strip()
        digits = re.sub(r"\D", "", phone)
        if len(digits) >= TAIL:
            values.update({phone, digits[-TAIL:]})
        national_id = (national_id or "").strip().upper()
        if len(national_id) >= 8:
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
        elif len(only_digits) >= TAIL:
            digits.add(only_digits)
        elif text:
            tokens.add(re.sub(r"[^0-9a-z]", "", text))
    return emails, digits, tokens


def searched_columns(
    conn: psycopg.Connection[Any], *, include_raw: bool
) -> list[tuple[str, str, str]]:
    """The text, JSON and array columns of the tables (and materialized views) to search."""
    schemas = WRITTEN + (" or schema_name = 'raw'" if include_raw else "")
    return conn.execute(  # type: ignore[return-value]
        f"""
        select n.nspname, c.relname, a.attname
        from pg_class as c
        join pg_namespace as n on n.oid = c.relnamespace
        join pg_attribute as a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
        join (select nspname as schema_name from pg_namespace) as s on s.schema_name = n.nspname
        where ({schemas})
            and c.relkind in ('r', 'm')
            and (a.atttypid in ('text'::regtype, 'jsonb'::regtype, 'json'::regtype,
                    'varchar'::regtype, 'bpchar'::regtype)
                or exists (select 1 from pg_type as t where t.oid = a.atttypid and t.typelem <> 0
                    and t.typcategory = 'A'))
        order by 1, 2, 3
        """
    ).fetchall()


# one value $V with its numbers $N (cut once, in a fenced subquery, and only for a value long
# enough to hold a number of 9 digits): does a token equal an identifier? The first
# FIRST_NUMBERS numbers are probed as array elements, without a set-returning function per row
# (most values have one number); the e-mail and token tests run only where they can match
EMAIL_MATCH = """(strpos($V, '@') > 0 and exists (
        select 1 from regexp_matches(lower($V), %(email_token)s, 'g') as m
        where m[1] = any(%(emails)s::text[])))"""
NUMBER_MATCH = (
    "($N is not null and ("
    + " or ".join(
        f"right($N[{i}], {TAIL}) = any(%(tails)s::text[]) or $N[{i}] = any(%(digits)s::text[])"
        for i in range(1, FIRST_NUMBERS + 1)
    )
    + """
        or (cardinality($N) > %(first)s and exists (
            select 1 from unnest($N[%(first)s + 1:]) as n (number)
            where right(n.number, %(tail)s) = any(%(tails)s::text[])
                or n.number = any(%(digits)s::text[])))))"""
)
TOKEN_MATCH = """exists (
        select 1 from regexp_matches(lower($V), '[0-9a-z]+', 'g') as a
        where a[1] = any(%(tokens)s::text[]))"""
NUMBERS = """case when length($V) >= %(tail)s and $V ~ %(digit_run)s then
        string_to_array(
            btrim(regexp_replace(translate($V, %(separators)s, ''), '\\D+', ' ', 'g')), ' ')
    end"""


def table_query(schema: str, table: str, columns: list[str], *, tokens: bool) -> sql.Composed:
    """One scan of a table: per column, the number of rows whose value holds an identifier."""
    values = sql.SQL(", ").join(
        sql.SQL("{}::text as {}").format(sql.Identifier(c), sql.Identifier(f"v{i}"))
        for i, c in enumerate(columns)
    )
    numbers = sql.SQL(", ").join(
        sql.SQL(NUMBERS.replace("$V", f"v{i}") + f" as n{i}") for i in range(len(columns))
    )
    counts = []
    for i in range(len(columns)):
        match = EMAIL_MATCH + " or " + NUMBER_MATCH + (" or " + TOKEN_MATCH if tokens else "")
        match = match.replace("$V", f"t.v{i}").replace("$N", f"t.n{i}")
        counts.append(sql.SQL(f"count(*) filter (where {match})"))
    return sql.SQL(
        "select {counts} from (select *, {numbers} from (select {values} from {table}) as raw "
        "offset 0) as t"
    ).format(
        counts=sql.SQL(", ").join(counts),
        numbers=numbers,
        values=values,
        table=sql.Identifier(schema, table),
    )


def find_anywhere(
    conn: psycopg.Connection[Any], values: list[str], *, include_raw: bool
) -> dict[str, int]:
    """``{"schema.table.column": rows}`` for every column whose text holds one of ``values``.

    Without ``include_raw`` the raw schema (the landing zone, which keeps the identifiers until
    ``crm-segments erase --purge-raw``) is left out.
    """
    if not values:
        return {}
    emails, digits, tokens = search_keys(values)
    parameters = {
        "email_token": EMAIL_TOKEN,
        "digit_run": DIGIT_RUN,
        "separators": SEPARATORS,
        "tail": TAIL,
        "first": FIRST_NUMBERS,
        "emails": sorted(emails),
        "tails": sorted(d for d in digits if len(d) == TAIL),
        "digits": sorted(digits),
        "tokens": sorted(tokens),
    }
    tables: dict[tuple[str, str], list[str]] = {}
    for schema, table, column in searched_columns(conn, include_raw=include_raw):
        tables.setdefault((schema, table), []).append(column)
    found: dict[str, int] = {}
    for (schema, table), columns in tables.items():
        query = table_query(schema, table, columns, tokens=bool(tokens))
        row = conn.execute(query, parameters).fetchone() or ()
        found.update(
            (f"{schema}.{table}.{column}", int(count))
            for column, count in zip(columns, row, strict=True)
            if count
        )
    return found
