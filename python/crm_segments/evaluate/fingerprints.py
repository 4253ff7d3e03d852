"""Fingerprints of the marts: the row count and an md5 of all rows of each mart of a schema, in a
canonical order. Two builds whose marts have equal fingerprints gave the same rows: the
operator-loop and publication tests compare an operator's build with a full refresh of the
same raw data this way, and so does the benchmark's nightly run (`bench/run.py
--verify-full-refresh`)."""

from __future__ import annotations

import psycopg

#: columns that hold the time of the build, not a function of the data
RUN_STAMPS = {("dq_quarantine", "quarantined_at")}

#: the types whose values are rounded when fingerprints are compared across machines
FLOAT_TYPES = {"double precision", "real", "numeric"}


def mart_fingerprints(
    url: str, schema: str = "marts__build", digits: int | None = None
) -> dict[str, tuple[int, str]]:
    """(rows, md5 of all rows in a canonical order) per mart (table or view) of a schema.

    With ``digits``, floating-point and numeric values are rounded to that many decimals first:
    a fingerprint recorded on one machine then holds on another, whose floating-point sums (a
    k-means fit, an aggregate's order) may differ in the last bits."""
    out: dict[str, tuple[int, str]] = {}
    with psycopg.connect(url) as conn:
        # rows as text, in byte order: the same text and order whatever the server's (initdb's)
        # time zone, date style and collation
        conn.execute("set timezone = 'UTC'")
        conn.execute("set datestyle = 'ISO, MDY'")
        conn.execute("set extra_float_digits = 1")
        tables = [
            r[0]
            for r in conn.execute(
                "select table_name from information_schema.tables "
                "where table_schema = %s order by 1",
                (schema,),
            )
        ]
        for table in tables:
            columns = [
                f'round("{name}"::numeric, {digits})'
                if digits is not None and data_type in FLOAT_TYPES
                else f'"{name}"'
                for name, data_type in conn.execute(
                    "select column_name, data_type from information_schema.columns "
                    "where table_schema = %s and table_name = %s order by ordinal_position",
                    (schema, table),
                )
                if (table, name) not in RUN_STAMPS
            ]
            row_expr = "row(" + ", ".join(columns) + ")::text"
            row = conn.execute(
                "select count(*), "
                f"md5(coalesce(string_agg(r, E'\\n' order by r collate \"C\"), '')) "
                f'from (select {row_expr} as r from "{schema}"."{table}") as t'
            ).fetchone()
            assert row is not None
            out[table] = (int(row[0]), str(row[1]))
    return out
