"""`crm-segments load`: COPY into the raw schema, and its error paths on a real server."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import psycopg
import pytest

from crm_segments.contract import RAW_TABLES
from crm_segments.load import LoadError, load_directory

HEADER = ",".join(RAW_TABLES["nps_responses"])
LOYALTY = ",".join(RAW_TABLES["loyalty_events"])


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


def count(conn: psycopg.Connection, schema: str, table: str) -> int:
    row = conn.execute(f'select count(*) from "{schema}"."{table}"').fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture
def schema(conn: psycopg.Connection, request: pytest.FixtureRequest) -> str:
    name = "raw_" + request.node.name.lower()[:40].replace("[", "_").replace("]", "")
    conn.execute(f'drop schema if exists "{name}" cascade')
    return name


def test_loads_every_table_missing_files_are_empty(
    conn: psycopg.Connection, schema: str, tmp_path: Path
) -> None:
    write(tmp_path / "nps_responses.csv", f"{HEADER}\nR1,A1,2026-01-01,9\nR2,A2,,ten\n")
    results = load_directory(conn, tmp_path, schema=schema).tables
    by_table = {r.table: r for r in results}
    assert set(RAW_TABLES) <= set(by_table)
    assert by_table["nps_responses"].rows == 2
    assert count(conn, schema, "nps_responses") == 2
    assert by_table["crm_contacts"].file is None
    assert by_table["crm_contacts"].action == "kept"
    assert count(conn, schema, "crm_contacts") == 0
    columns = [
        r[0]
        for r in conn.execute(
            "select column_name from information_schema.columns "
            "where table_schema = %s and table_name = 'crm_contacts' order by ordinal_position",
            (schema,),
        )
    ]
    assert columns == [*RAW_TABLES["crm_contacts"], "_crm_batch_id"]


def test_replace_truncates_and_append_adds(
    conn: psycopg.Connection, schema: str, tmp_path: Path
) -> None:
    write(tmp_path / "a" / "nps_responses.csv", f"{HEADER}\nR1,A1,2026-01-01,9\n")
    write(tmp_path / "b" / "nps_responses.csv", f"{HEADER}\nR2,A1,2026-01-02,8\n")
    load_directory(conn, tmp_path / "a", schema=schema)
    load_directory(conn, tmp_path / "a", schema=schema)
    assert count(conn, schema, "nps_responses") == 1
    load_directory(conn, tmp_path / "b", schema=schema, mode="append")
    assert count(conn, schema, "nps_responses") == 2


def test_replace_touches_only_the_tables_whose_file_is_present(
    conn: psycopg.Connection, schema: str, tmp_path: Path
) -> None:
    """Issue 10: a directory holding one file must not empty the other tables."""
    write(tmp_path / "full" / "nps_responses.csv", f"{HEADER}\nR1,A1,2026-01-01,9\n")
    write(tmp_path / "full" / "loyalty_events.csv", f"{LOYALTY}\nL1,A,,1,earn\n")
    load_directory(conn, tmp_path / "full", schema=schema)
    write(tmp_path / "one" / "nps_responses.csv", f"{HEADER}\nR2,A1,2026-01-02,8\n")
    result = load_directory(conn, tmp_path / "one", schema=schema)
    actions = {t.table: t.action for t in result.tables}
    assert actions["nps_responses"] == "replaced" and actions["loyalty_events"] == "kept"
    assert count(conn, schema, "loyalty_events") == 1
    assert count(conn, schema, "nps_responses") == 1
    # --replace-all empties the others on purpose, and says so in the load log
    result = load_directory(conn, tmp_path / "one", schema=schema, mode="replace_all")
    assert {t.table: t.action for t in result.tables}["loyalty_events"] == "emptied"
    assert count(conn, schema, "loyalty_events") == 0
    logged = conn.execute(
        f'select table_name, action, row_count from "{schema}"._crm_load_log '
        "where batch_id = %s order by 1",
        (result.batch_id,),
    ).fetchall()
    assert ("loyalty_events", "emptied", 0) in logged
    assert ("nps_responses", "replaced", 1) in logged


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("campaign.csv", "did you mean campaigns.csv?"),
        ("CRM_Contacts.csv", "did you mean crm_contacts.csv?"),
        ("crm_contacts.csv.zip", "did you mean crm_contacts.csv?"),
        ("notes.txt", "not a raw table file"),
    ],
)
def test_unknown_file_is_an_error_naming_the_nearest_table(
    conn: psycopg.Connection, schema: str, tmp_path: Path, name: str, hint: str
) -> None:
    write(tmp_path / "full" / "nps_responses.csv", f"{HEADER}\nR1,A1,2026-01-01,9\n")
    load_directory(conn, tmp_path / "full", schema=schema)
    write(tmp_path / "bad" / "nps_responses.csv", f"{HEADER}\nR2,A1,2026-01-02,8\n")
    path = write(tmp_path / "bad" / name, "anything\n")
    with pytest.raises(LoadError) as info:
        load_directory(conn, tmp_path / "bad", schema=schema)
    assert str(path) in str(info.value) and hint in str(info.value)
    assert count(conn, schema, "nps_responses") == 1  # nothing was loaded


def test_directory_without_a_contract_file_is_an_error(
    conn: psycopg.Connection, schema: str, tmp_path: Path
) -> None:
    (tmp_path / "empty" / "truth").mkdir(parents=True)
    with pytest.raises(LoadError, match="no raw table file"):
        load_directory(conn, tmp_path / "empty", schema=schema)


def test_gzip_files_load_like_csv(conn: psycopg.Connection, schema: str, tmp_path: Path) -> None:
    write(
        tmp_path / "nps_responses.csv.gz",
        gzip.compress(f"{HEADER}\nR1,A1,2026-01-01,9\nR2,A2,2026-01-02,7\n".encode()),
    )
    result = load_directory(conn, tmp_path, schema=schema)
    assert {t.table: t.rows for t in result.tables}["nps_responses"] == 2
    write(tmp_path / "nps_responses.csv", f"{HEADER}\n")
    with pytest.raises(LoadError, match="keep one"):
        load_directory(conn, tmp_path, schema=schema)


def test_appending_the_same_content_twice_is_refused_unless_forced(
    conn: psycopg.Connection, schema: str, tmp_path: Path
) -> None:
    write(tmp_path / "base" / "nps_responses.csv", f"{HEADER}\nR1,A1,2026-01-01,9\n")
    write(tmp_path / "batch" / "nps_responses.csv", f"{HEADER}\nR2,A1,2026-01-02,8\n")
    load_directory(conn, tmp_path / "base", schema=schema)
    first = load_directory(conn, tmp_path / "batch", schema=schema, mode="append")
    with pytest.raises(LoadError) as info:
        load_directory(conn, tmp_path / "batch", schema=schema, mode="append")
    assert f"already loaded into nps_responses by batch {first.batch_id}" in str(info.value)
    assert count(conn, schema, "nps_responses") == 2
    load_directory(conn, tmp_path / "batch", schema=schema, mode="append", force=True)
    assert count(conn, schema, "nps_responses") == 3
    # after a replace the table no longer holds that content: appending it again is fine
    load_directory(conn, tmp_path / "base", schema=schema)
    load_directory(conn, tmp_path / "batch", schema=schema, mode="append")
    assert count(conn, schema, "nps_responses") == 2


def test_every_row_carries_its_batch_and_no_default_is_left(
    conn: psycopg.Connection, schema: str, tmp_path: Path
) -> None:
    write(tmp_path / "base" / "nps_responses.csv", f"{HEADER}\nR1,A1,2026-01-01,9\n")
    write(tmp_path / "batch" / "nps_responses.csv", f"{HEADER}\nR2,A1,2026-01-02,8\n")
    first = load_directory(conn, tmp_path / "base", schema=schema)
    second = load_directory(conn, tmp_path / "batch", schema=schema, mode="append")
    rows = conn.execute(
        f'select response_id, _crm_batch_id from "{schema}".nps_responses order by 1'
    ).fetchall()
    assert rows == [("R1", first.batch_id), ("R2", second.batch_id)]
    # every raw table has the column, and none keeps the batch as a default
    defaults = conn.execute(
        "select table_name, column_default from information_schema.columns "
        "where table_schema = %s and column_name = '_crm_batch_id'",
        (schema,),
    ).fetchall()
    assert {table for table, _ in defaults} == set(RAW_TABLES)
    assert {default for _, default in defaults} == {None}
    # a replace gives every row the new batch
    third = load_directory(conn, tmp_path / "base", schema=schema)
    rows = conn.execute(f'select response_id, _crm_batch_id from "{schema}".nps_responses')
    assert rows.fetchall() == [("R1", third.batch_id)]


def test_header_in_any_order_with_extra_columns_and_bom(
    conn: psycopg.Connection, schema: str, tmp_path: Path
) -> None:
    columns = [*reversed(RAW_TABLES["nps_responses"]), "survey_channel"]
    body = ",".join(columns) + "\n" + "7,2026-01-01,A1,R1,sms\n"
    write(tmp_path / "nps_responses.csv", b"\xef\xbb\xbf" + body.encode())
    [result] = [r for r in load_directory(conn, tmp_path, schema=schema).tables if r.rows]
    assert result.extra_columns == ["survey_channel"]
    row = conn.execute(f'select response_id, score, survey_channel from "{schema}".nps_responses')
    assert row.fetchone() == ("R1", "7", "sms")


def test_quoted_multiline_and_unicode_values(
    conn: psycopg.Connection, schema: str, tmp_path: Path
) -> None:
    path = tmp_path / "crm_contacts.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(RAW_TABLES["crm_contacts"])
        row = ["crm", "C1", "A1", "Ştefan Ţuţea", "", "", "", "", "", "", 'Str. "Mare",\n5']
        writer.writerow([*row, "", "", "România", ""])
        writer.writerow(
            ["web", "W1", "", "王小明", "", "", "", "", "", "", "", "北京", "", "中国", ""]
        )
    load_directory(conn, tmp_path, schema=schema)
    names = conn.execute(
        f'select full_name, address_line from "{schema}".crm_contacts order by 1'
    ).fetchall()
    assert names == [("Ştefan Ţuţea", 'Str. "Mare",\n5'), ("王小明", None)]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("response_id,account_id,score\nR1,A1,9\n", "missing contract column(s) responded_at"),
        (f"{HEADER},score\nR1,A1,,9,9\n", "column 'score' appears twice"),
        (f"{HEADER},\nR1,A1,,9,\n", "an empty column name"),
        (f"{HEADER},ctid\nR1,A1,,9,x\n", "column name 'ctid' is reserved by PostgreSQL"),
        ("", "empty file or missing header row"),
    ],
)
def test_unexpected_header_is_a_clear_error(
    conn: psycopg.Connection, schema: str, tmp_path: Path, content: str, expected: str
) -> None:
    path = write(tmp_path / "nps_responses.csv", content)
    with pytest.raises(LoadError) as info:
        load_directory(conn, tmp_path, schema=schema)
    message = str(info.value)
    assert str(path) in message
    assert "line 1" in message
    assert expected in message


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        (b"R1,A1,2026-01-01,9\nR2,A2,2026-01-02,\xe9t\xe9\n", 3, "not UTF-8"),
        (b'R1,A1,2026-01-01,9\nR2,A2,2026-01-02,9\nR3,"A3,2026-01-03,9\n', 4, "malformed CSV"),
        (b"R1,A1,2026-01-01,9\nR2,A2,2026-01-02,9,extra\n", 3, "extra data"),
        (b"R1,A1,2026-01-01,9\nR2,A2\n", 3, "missing data"),
    ],
)
def test_bad_file_names_file_and_line_and_loads_nothing(
    conn: psycopg.Connection, schema: str, tmp_path: Path, body: bytes, line: int, words: str
) -> None:
    good = tmp_path / "good"
    write(good / "nps_responses.csv", f"{HEADER}\nOLD,A0,2025-01-01,5\n")
    write(
        good / "loyalty_events.csv",
        "event_id,account_id,event_at,points,event_type\nL1,A,,1,earn\n",
    )
    load_directory(conn, good, schema=schema)

    bad = tmp_path / "bad"
    write(
        bad / "loyalty_events.csv", "event_id,account_id,event_at,points,event_type\nL2,A,,1,earn\n"
    )
    path = write(bad / "nps_responses.csv", HEADER.encode() + b"\n" + body)
    with pytest.raises(LoadError) as info:
        load_directory(conn, bad, schema=schema)
    message = str(info.value)
    assert str(path) in message
    assert f"line {line}" in message
    assert words in message
    # one transaction: the failed load changed nothing, not even the tables loaded before it
    ids = conn.execute(f'select response_id from "{schema}".nps_responses').fetchall()
    assert ids == [("OLD",)]
    events = conn.execute(f'select event_id from "{schema}".loyalty_events').fetchall()
    assert events == [("L1",)]


def test_not_a_directory(conn: psycopg.Connection, tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="not a directory"):
        load_directory(conn, tmp_path / "nope")


def test_windows_line_endings_and_header_case(
    conn: psycopg.Connection, schema: str, tmp_path: Path
) -> None:
    header = ",".join(name.upper() for name in RAW_TABLES["nps_responses"])
    write(tmp_path / "nps_responses.csv", f" {header}\r\nR1,A1,2026-01-01,9\r\nR2,A2,,7\r\n")
    load_directory(conn, tmp_path, schema=schema)
    rows = conn.execute(f'select response_id, score from "{schema}".nps_responses order by 1')
    assert rows.fetchall() == [("R1", "9"), ("R2", "7")]
