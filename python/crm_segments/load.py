"""``crm-segments load DIR``: COPY ``DIR/<table>.csv`` files into the raw schema.

Rules (issue 2):
- one CSV per raw table, UTF-8 (a BOM is tolerated), header row; a missing file is an empty table;
- the header must name every contract column (any order); extra columns are loaded as extra text
  columns and ignored downstream; a duplicated or empty column name is an error;
- a non-UTF-8 file or a malformed CSV is an error that names the file and the line;
- everything is loaded in ONE transaction: any error rolls back every table, so a failed load
  never leaves a half-loaded dataset (``--replace`` truncates inside that transaction).
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from crm_segments.contract import RAW_TABLES

COPY_BLOCK = 1 << 20
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


class LoadError(RuntimeError):
    """A raw file cannot be loaded; the message names the file and, where known, the line."""


@dataclass
class TableLoad:
    """What was loaded into one raw table."""

    table: str
    file: Path | None
    rows: int = 0
    seconds: float = 0.0
    extra_columns: list[str] = field(default_factory=list)


def read_header(path: Path) -> list[str]:
    """Parse and check the header row of a raw CSV file."""
    table = path.stem
    with path.open("rb") as fh:
        first = fh.readline()
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(f"{path}: line 1: not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    if not text.strip():
        raise LoadError(f"{path}: line 1: empty file or missing header row")
    try:
        header = next(csv.reader(io.StringIO(text), strict=True))
    except csv.Error as exc:
        raise LoadError(f"{path}: line 1: malformed header: {exc}") from exc
    header = [name.strip() for name in header]
    expected = RAW_TABLES[table]
    problems: list[str] = []
    seen: set[str] = set()
    for name in header:
        if not name:
            problems.append("an empty column name")
        elif not _IDENTIFIER.match(name):
            problems.append(f"column name {name!r} is not a plain identifier")
        elif name.lower() in seen:
            problems.append(f"column {name!r} appears twice")
        seen.add(name.lower())
    missing = [col for col in expected if col not in seen]
    if missing:
        problems.append(f"missing contract column(s) {', '.join(missing)}")
    if problems:
        raise LoadError(
            f"{path}: line 1: unexpected header ({'; '.join(problems)}); "
            f"expected the columns {', '.join(expected)}"
        )
    return [name.lower() for name in header]


def _ensure_table(
    conn: psycopg.Connection[Any], schema: str, table: str, header: list[str]
) -> None:
    columns = list(RAW_TABLES[table])
    conn.execute(
        sql.SQL("create table if not exists {}.{} ({})").format(
            sql.Identifier(schema),
            sql.Identifier(table),
            sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(c)) for c in columns),
        )
    )
    for extra in (c for c in header if c not in columns):
        conn.execute(
            sql.SQL("alter table {}.{} add column if not exists {} text").format(
                sql.Identifier(schema), sql.Identifier(table), sql.Identifier(extra)
            )
        )


def _copy_error(path: Path, exc: psycopg.Error) -> LoadError:
    diag = exc.diag
    context = diag.context or ""
    match = re.search(r"line (\d+)", context)
    where = f"line {match.group(1)}" if match else "somewhere"
    message = diag.message_primary or str(exc).splitlines()[0]
    if diag.sqlstate in ("22021", "22P05") or "encoding" in message:
        message = f"not UTF-8: {message}"
    elif diag.sqlstate == "22P04":
        message = f"malformed CSV: {message}"
        if "unterminated" in message:
            start = _unterminated_record_line(path)
            if start:
                where = f"line {start}"
                message += " (the quote opened on this line is never closed)"
    return LoadError(f"{path}: {where}: {message}")


def _unterminated_record_line(path: Path) -> int | None:
    """The line where the record with a never-closed quote starts (error path only)."""
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
        reader = csv.reader(fh, strict=True)
        start = 1
        try:
            for _ in reader:
                start = reader.line_num + 1
        except csv.Error:
            return start
    return None


def load_directory(
    conn: psycopg.Connection[Any],
    directory: Path,
    *,
    schema: str = "raw",
    replace: bool = True,
    on_table: Callable[[TableLoad], None] | None = None,
) -> list[TableLoad]:
    """Load every raw table from ``directory`` in one transaction; return what was loaded."""
    if not directory.is_dir():
        raise LoadError(f"{directory}: not a directory")
    if not _IDENTIFIER.match(schema):
        raise LoadError(f"raw schema {schema!r} is not a plain identifier")
    unknown = sorted(
        p.name for p in directory.glob("*.csv") if p.stem not in RAW_TABLES and p.is_file()
    )
    headers: dict[str, list[str]] = {}
    for table in RAW_TABLES:
        path = directory / f"{table}.csv"
        if path.is_file():
            headers[table] = read_header(path)
    results: list[TableLoad] = []
    with conn.transaction():
        conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
        for table in RAW_TABLES:
            path = directory / f"{table}.csv"
            header = headers.get(table, list(RAW_TABLES[table]))
            _ensure_table(conn, schema, table, header)
            target = sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(table))
            if replace:
                conn.execute(sql.SQL("truncate table {}").format(target))
            result = TableLoad(
                table=table,
                file=path if table in headers else None,
                extra_columns=[c for c in header if c not in RAW_TABLES[table]],
            )
            started = time.perf_counter()
            if table in headers:
                result.rows = _copy_file(conn, path, target, header)
            result.seconds = time.perf_counter() - started
            results.append(result)
            if on_table:
                on_table(result)
    if unknown:
        results.append(TableLoad(table="(ignored files: " + ", ".join(unknown) + ")", file=None))
    return results


def _copy_file(
    conn: psycopg.Connection[Any], path: Path, target: sql.Composable, header: list[str]
) -> int:
    statement = sql.SQL(
        "copy {} ({}) from stdin with (format csv, header true, encoding 'UTF8')"
    ).format(target, sql.SQL(", ").join(sql.Identifier(c) for c in header))
    try:
        with conn.cursor() as cur:
            with cur.copy(statement) as copy, path.open("rb") as fh:
                while block := fh.read(COPY_BLOCK):
                    copy.write(block)
            return cur.rowcount
    except psycopg.errors.DataError as exc:
        raise _copy_error(path, exc) from exc
    except psycopg.errors.BadCopyFileFormat as exc:
        raise _copy_error(path, exc) from exc
