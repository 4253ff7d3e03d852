"""``crm-segments load DIR``: COPY ``DIR/<table>.csv[.gz]`` files into the raw schema.

Rules (issues 2 and 10):
- one CSV per raw table, named exactly ``<table>.csv`` or ``<table>.csv.gz``, UTF-8 (a BOM is
  tolerated), header row. Any other file in the directory is an error that names the nearest
  contract table; a directory with no contract file is an error. Subdirectories (e.g. the
  generator's ``truth/``) and hidden files are not looked at;
- the header must name every contract column (any order); extra columns are loaded as extra text
  columns and ignored downstream; a duplicated, empty or reserved column name is an error;
- a non-UTF-8 file or a malformed CSV is an error that names the file and the line;
- modes: ``replace`` (default) empties and reloads only the tables whose file is present and
  leaves the others untouched; ``append`` adds rows and refuses a file whose content was already
  appended since the table was last replaced (``force`` overrides); ``replace_all`` also empties
  the tables without a file, on purpose;
- everything is loaded in ONE transaction, together with its entry in the load log
  (``<raw schema>._crm_load_log``: batch id, mode, table, action, file, content hash, rows,
  time): any error rolls back every table, so a failed load never leaves a half-loaded dataset;
- every row carries the batch that loaded it, in the column ``_crm_batch_id`` that the loader adds
  to each raw table (the prefix ``_crm_`` is reserved for it): a build stages only the keys of the
  rows appended since the last build (macros/incremental_staging.sql). A raw table filled by
  another loader has no such column and is staged whole by every build.
"""

from __future__ import annotations

import csv
import difflib
import gzip
import hashlib
import io
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

import psycopg
from psycopg import sql

from crm_segments import __version__
from crm_segments.contract import RAW_TABLES
from crm_segments.errors import LoadError

COPY_BLOCK = 1 << 20
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
#: PostgreSQL's system columns: a user column of that name cannot be created
RESERVED_COLUMNS = frozenset({"ctid", "xmin", "xmax", "cmin", "cmax", "tableoid", "oid"})
#: the load log, one row per batch and table, in the raw schema
LOAD_LOG = "_crm_load_log"
#: the column of every raw table that holds the batch that loaded the row
BATCH_COLUMN = "_crm_batch_id"
SUFFIXES = (".csv", ".csv.gz")

Mode = Literal["replace", "append", "replace_all"]


@dataclass
class TableLoad:
    """What happened to one raw table in a load."""

    table: str
    file: Path | None
    action: str = "kept"  # replaced, appended, emptied, kept
    rows: int = 0
    seconds: float = 0.0
    sha256: str | None = None
    extra_columns: list[str] = field(default_factory=list)


@dataclass
class LoadResult:
    """A recorded batch."""

    batch_id: int
    mode: Mode
    tables: list[TableLoad]

    @property
    def rows(self) -> int:
        """Rows copied in this batch."""
        return sum(t.rows for t in self.tables)


def _table_of(name: str) -> str | None:
    for suffix in SUFFIXES:
        if name.endswith(suffix) and name[: -len(suffix)] in RAW_TABLES:
            return name[: -len(suffix)]
    return None


def _nearest(name: str) -> str:
    stem = name.lower()
    for suffix in (".gz", ".zip", ".bz2", ".xz", ".csv", ".tsv", ".txt"):
        stem = stem.removesuffix(suffix)
    if stem in RAW_TABLES:
        return f"{stem}.csv"
    match = difflib.get_close_matches(stem, list(RAW_TABLES), n=1, cutoff=0.5)
    return f"{match[0]}.csv" if match else ""


def discover(directory: Path) -> dict[str, Path]:
    """table -> its file in ``directory``; an unknown file or no file at all is an error."""
    if not directory.is_dir():
        raise LoadError(f"{directory}: not a directory")
    found: dict[str, Path] = {}
    for path in sorted(directory.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        table = _table_of(path.name)
        if table is None:
            near = _nearest(path.name)
            hint = f"; did you mean {near}?" if near else ""
            raise LoadError(
                f"{path}: not a raw table file (names are <table>.csv or <table>.csv.gz, "
                f"lower case{hint}); move it out of the directory"
            )
        if table in found:
            raise LoadError(f"{path}: {found[table].name} is in the directory too; keep one")
        found[table] = path
    if not found:
        raise LoadError(
            f"{directory}: no raw table file; expected some of "
            + ", ".join(f"{t}.csv" for t in RAW_TABLES)
        )
    return found


@contextmanager
def _open(path: Path) -> Iterator[IO[bytes]]:
    if path.name.endswith(".gz"):
        try:
            with gzip.open(path, "rb") as fh:
                yield fh
        except (gzip.BadGzipFile, EOFError) as exc:
            raise LoadError(f"{path}: not a readable gzip file ({exc})") from exc
    else:
        with path.open("rb") as fh:
            yield fh


def read_header(path: Path, table: str | None = None) -> list[str]:
    """Parse and check the header row of a raw CSV file."""
    table = table or _table_of(path.name) or path.stem
    with _open(path) as fh:
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
        elif name.lower() in RESERVED_COLUMNS:
            problems.append(f"column name {name!r} is reserved by PostgreSQL (a system column)")
        elif name.lower().startswith("_crm_"):
            problems.append(f"column name {name!r} uses the reserved prefix _crm_")
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
    # the batch of each row (rows loaded before this column existed have none: batch 0)
    conn.execute(
        sql.SQL("alter table {}.{} add column if not exists {} bigint").format(
            sql.Identifier(schema), sql.Identifier(table), sql.Identifier(BATCH_COLUMN)
        )
    )


LOG_DDL = """
create table if not exists {log} (
    batch_id bigint not null,
    loaded_at timestamptz not null,
    mode text not null,
    table_name text not null,
    action text not null,
    file_name text,
    content_sha256 text,
    row_count bigint not null,
    loaded_by text not null,
    primary key (batch_id, table_name)
)
"""


def ensure_log(conn: psycopg.Connection[Any], schema: str) -> sql.Composed:
    """Create the load log when missing; return its qualified name."""
    log = sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(LOAD_LOG))
    conn.execute(sql.SQL(LOG_DDL).format(log=log))  # type: ignore[arg-type]
    return log


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
    with _open(path) as raw:
        fh = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")
        reader = csv.reader(fh, strict=True)
        start = 1
        try:
            for _ in reader:
                start = reader.line_num + 1
        except csv.Error:
            return start
    return None


def _already_appended(
    conn: psycopg.Connection[Any], log: sql.Composable, table: str, sha256: str
) -> int | None:
    """The batch that already put this content into the table since its last replace."""
    row = conn.execute(
        sql.SQL(
            "select max(batch_id) from {log} where table_name = %s and content_sha256 = %s "
            "and action in ('replaced', 'appended') and batch_id >= coalesce(("
            "select max(batch_id) from {log} where table_name = %s "
            "and action in ('replaced', 'emptied')), 0)"
        ).format(log=log),
        (table, sha256, table),
    ).fetchone()
    return int(row[0]) if row and row[0] is not None else None


def load_directory(
    conn: psycopg.Connection[Any],
    directory: Path,
    *,
    schema: str = "raw",
    mode: Mode = "replace",
    force: bool = False,
    on_table: Callable[[TableLoad], None] | None = None,
) -> LoadResult:
    """Load the raw files of ``directory`` in one transaction and record the batch."""
    if mode not in ("replace", "append", "replace_all"):
        raise LoadError(f"unknown load mode {mode!r}")
    if not _IDENTIFIER.match(schema):
        raise LoadError(f"raw schema {schema!r} is not a plain identifier")
    files = discover(directory)
    headers = {table: read_header(path, table) for table, path in files.items()}
    results: list[TableLoad] = []
    with conn.transaction():
        conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
        log = ensure_log(conn, schema)
        # one load at a time: the batch id and the duplicate check see every earlier batch
        conn.execute(sql.SQL("lock table {} in exclusive mode").format(log))
        row = conn.execute(sql.SQL("select coalesce(max(batch_id), 0) + 1 from {}").format(log))
        batch_id = int(row.fetchone()[0])  # type: ignore[index]
        for table in RAW_TABLES:
            path = files.get(table)
            header = headers.get(table, list(RAW_TABLES[table]))
            _ensure_table(conn, schema, table, header)
            target = sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(table))
            result = TableLoad(
                table=table,
                file=path,
                extra_columns=[c for c in header if c not in RAW_TABLES[table]],
            )
            started = time.perf_counter()
            if path is None:
                if mode == "replace_all":
                    conn.execute(sql.SQL("truncate table {}").format(target))
                    result.action = "emptied"
            else:
                if mode != "append":
                    conn.execute(sql.SQL("truncate table {}").format(target))
                result.action = "appended" if mode == "append" else "replaced"
                # the copied rows take the batch id as the column's default (COPY fills only the
                # file's columns); the table keeps no default afterwards
                batch_default = sql.SQL("alter table {} alter column {} {}")
                conn.execute(
                    batch_default.format(
                        target,
                        sql.Identifier(BATCH_COLUMN),
                        sql.SQL("set default {}").format(sql.Literal(batch_id)),
                    )
                )
                result.rows, result.sha256 = _copy_file(conn, path, target, header)
                conn.execute(
                    batch_default.format(
                        target, sql.Identifier(BATCH_COLUMN), sql.SQL("drop default")
                    )
                )
                if mode == "append" and not force:
                    earlier = _already_appended(conn, log, table, result.sha256)
                    if earlier is not None:
                        raise LoadError(
                            f"{path}: the same content was already loaded into {table} by "
                            f"batch {earlier}; nothing was loaded (use --force to append it again)"
                        )
            result.seconds = time.perf_counter() - started
            if result.action != "kept":
                conn.execute(
                    sql.SQL(
                        "insert into {} (batch_id, loaded_at, mode, table_name, action, file_name,"
                        " content_sha256, row_count, loaded_by) "
                        "values (%s, clock_timestamp(), %s, %s, %s, %s, %s, %s, %s)"
                    ).format(log),
                    (
                        batch_id,
                        mode,
                        table,
                        result.action,
                        str(path) if path else None,
                        result.sha256,
                        result.rows,
                        f"crm-segments {__version__}",
                    ),
                )
            results.append(result)
            if on_table:
                on_table(result)
    return LoadResult(batch_id=batch_id, mode=mode, tables=results)


class _HashingReader:
    """Reads blocks from a file object and keeps a running sha256 of what was read."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh = fh
        self.digest = hashlib.sha256()

    def blocks(self) -> Iterator[bytes]:
        while block := self.fh.read(COPY_BLOCK):
            self.digest.update(block)
            yield block


def _copy_file(
    conn: psycopg.Connection[Any], path: Path, target: sql.Composable, header: list[str]
) -> tuple[int, str]:
    statement = sql.SQL(
        "copy {} ({}) from stdin with (format csv, header true, encoding 'UTF8')"
    ).format(target, sql.SQL(", ").join(sql.Identifier(c) for c in header))
    try:
        with conn.cursor() as cur, _open(path) as fh:
            reader = _HashingReader(fh)
            with cur.copy(statement) as copy:
                for block in reader.blocks():
                    copy.write(block)
            return cur.rowcount, reader.digest.hexdigest()
    except (psycopg.errors.DataError, psycopg.errors.BadCopyFileFormat) as exc:
        raise _copy_error(path, exc) from exc
