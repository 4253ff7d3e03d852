"""`crm-segments load`: COPY into the raw schema, and its error paths on a real server."""

from __future__ import annotations

import csv
from pathlib import Path

import psycopg
import pytest

from crm_segments.contract import RAW_TABLES
from crm_segments.load import LoadError, load_directory

HEADER = ",".join(RAW_TABLES["nps_responses"])


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
    results = load_directory(conn, tmp_path, schema=schema)
    by_table = {r.table: r for r in results}
    assert set(RAW_TABLES) <= set(by_table)
    assert by_table["nps_responses"].rows == 2
    assert count(conn, schema, "nps_responses") == 2
    assert by_table["crm_contacts"].file is None
    assert count(conn, schema, "crm_contacts") == 0
    columns = [
        r[0]
        for r in conn.execute(
            "select column_name from information_schema.columns "
            "where table_schema = %s and table_name = 'crm_contacts' order by ordinal_position",
            (schema,),
        )
    ]
    assert columns == list(RAW_TABLES["crm_contacts"])


def test_replace_truncates_and_append_adds(
    conn: psycopg.Connection, schema: str, tmp_path: Path
) -> None:
    write(tmp_path / "nps_responses.csv", f"{HEADER}\nR1,A1,2026-01-01,9\n")
    load_directory(conn, tmp_path, schema=schema)
    load_directory(conn, tmp_path, schema=schema)
    assert count(conn, schema, "nps_responses") == 1
    load_directory(conn, tmp_path, schema=schema, replace=False)
    assert count(conn, schema, "nps_responses") == 2


def test_header_in_any_order_with_extra_columns_and_bom(
    conn: psycopg.Connection, schema: str, tmp_path: Path
) -> None:
    columns = [*reversed(RAW_TABLES["nps_responses"]), "survey_channel"]
    body = ",".join(columns) + "\n" + "7,2026-01-01,A1,R1,sms\n"
    write(tmp_path / "nps_responses.csv", b"\xef\xbb\xbf" + body.encode())
    [result] = [r for r in load_directory(conn, tmp_path, schema=schema) if r.rows]
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
