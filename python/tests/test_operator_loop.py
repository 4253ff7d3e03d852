"""The operator's loop (issue 10) and write - audit - publish (issue 11), on one embedded server.

1. The loop: load extract A and build; load extract B over it (replace) and build; append a
batch C (a day of new transactions, consent withdrawals and contact records that link to
existing persons) and build; replace the usage of a past month with corrected figures and
build. After every step each mart must equal a `--full-refresh` build of the same
raw data, row for row (md5 per mart; the run-time stamp dq_quarantine.quarantined_at left out):
no state of an incremental model may go stale. The first two builds are whole `crm-segments
build`s, tested and published (the public marts are compared); the others build the models
only, to save time, and their marts are compared in the build schema.

2. Publishing, continuing on the same server: a user's view, column grant and row-level
security policy go on a public mart after the second build; the two model-only builds publish
nothing; builds killed while staging and while writing the marts, and a build whose test fails,
publish nothing (the public marts stay equal, md5 per mart); a clean rerun publishes the new
state, a --full-refresh another version (the oldest beyond publish_keep_versions is dropped),
and rollbacks return to earlier versions - the user's objects survive every step.
"""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from crm_segments import db
from crm_segments.contract import RAW_TABLES
from crm_segments.generate import generate

from .conftest import PROJECT_DIR, run_cli
from .test_e2e import assert_every_row_accounted_for

PROBE_PASSWORD = "probe-password"

#: columns that hold the time of the build, not a function of the data
RUN_STAMPS = {("dq_quarantine", "quarantined_at")}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A second embedded server: the loop leaves a cluster model and a history behind."""
    pgdata = tmp_path_factory.mktemp("loop_pg") / "data"
    status = db.start_embedded(pgdata)
    env = {
        "CRM_SEGMENTS_PGDATA": str(pgdata),
        "CRM_SEGMENTS_TARGET": "embedded",
        "DBT_TARGET_PATH": "target_test_loop",
        "DBT_LOG_PATH": "target_test_loop/logs",
        **db.embedded_env(status),
    }
    try:
        yield {**env, "url": status.url}
    finally:
        db.stop_embedded(pgdata)


def cli(server: dict[str, str], *args: str) -> str:
    env = {k: v for k, v in server.items() if k != "url"}
    result = run_cli(*args, env=env)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    return result.stdout


def mart_fingerprints(url: str, schema: str = "marts__build") -> dict[str, tuple[int, str]]:
    """(rows, md5 of all rows in a canonical order) per mart (table or view) of a schema."""
    out: dict[str, tuple[int, str]] = {}
    with psycopg.connect(url) as conn:
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
                r[0]
                for r in conn.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = %s and table_name = %s order by ordinal_position",
                    (schema, table),
                )
                if (table, r[0]) not in RUN_STAMPS
            ]
            row_expr = "row(" + ", ".join(f'"{c}"' for c in columns) + ")::text"
            row = conn.execute(
                f"select count(*), md5(coalesce(string_agg(r, E'\\n' order by r), '')) "
                f'from (select {row_expr} as r from "{schema}"."{table}") as t'
            ).fetchone()
            assert row is not None
            out[table] = (int(row[0]), str(row[1]))
    return out


#: the models only: the data tests of every build are not what this test is about (and cost
#: most of a build's time); the first two builds run them
MODELS_ONLY = ["--exclude", "resource_type:test", "resource_type:unit_test"]


def assert_equals_full_refresh(server: dict[str, str], step: str, *, tests: bool = False) -> str:
    """Build as an operator does, then a --full-refresh of the same raw data: same marts."""
    built = cli(server, "build", *([] if tests else MODELS_ONLY))
    incremental = mart_fingerprints(server["url"])
    if tests:  # tested and published: the public marts are this build's
        assert "published version" in built
        assert mart_fingerprints(server["url"], "marts") == incremental
    else:
        assert "marts not published: a partial build" in built
    cli(server, "build", "--full-refresh", *MODELS_ONLY)
    full = mart_fingerprints(server["url"])
    differing = sorted(t for t in full if incremental.get(t) != full[t])
    assert not differing, f"after {step}: marts differ from a full refresh: " + ", ".join(
        f"{t} {incremental.get(t)} != {full[t]}" for t in differing
    )
    assert incremental["customers"][0] > 0
    return built


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def write_rows(path: Path, table: str, rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(RAW_TABLES[table]), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def daily_batch(extract: Path, out: Path) -> None:
    """A day of new data for extract B: transactions, withdrawals, records of known persons."""
    contacts = [
        r for r in read_rows(extract / "crm_contacts.csv") if r["email"] and r["account_id"]
    ][:15]
    write_rows(
        out / "crm_contacts.csv",
        "crm_contacts",
        [
            {**r, "source_system": "web", "source_record_id": f"day-{i}", "account_id": ""}
            for i, r in enumerate(contacts)
        ],
    )
    transactions = read_rows(extract / "transactions.csv")[:40]
    write_rows(
        out / "transactions.csv",
        "transactions",
        [
            {**r, "transaction_id": f"day-{i}", "transaction_at": "2026-10-31 12:00:00"}
            for i, r in enumerate(transactions)
        ],
    )
    events = [r for r in read_rows(extract / "consent_events.csv") if r["event_id"]][:30]
    write_rows(
        out / "consent_events.csv",
        "consent_events",
        [
            {**r, "event_id": f"day-{i}", "action": "withdraw", "event_at": "2026-10-31 09:00:00"}
            for i, r in enumerate(events)
        ],
    )


def corrected_usage(extract: Path, out: Path) -> int:
    """The usage file of extract B with the revenue of August 2026 doubled (a billing fix)."""
    rows = read_rows(extract / "usage_monthly.csv")
    changed = 0
    for row in rows:
        if row["billing_month"].startswith("2026-08") and row["revenue"]:
            try:
                row["revenue"] = f"{float(row['revenue']) * 2:.2f}"
                changed += 1
            except ValueError:
                pass  # a deliberately unreadable number stays as it is
    write_rows(out / "usage_monthly.csv", "usage_monthly", rows)
    return changed


@pytest.mark.e2e
def test_operator_loop_equals_full_refresh(
    server: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    base = tmp_path_factory.mktemp("loop")
    extract_a, extract_b = base / "a", base / "b"
    generate(150, 101, extract_a, progress=False)
    generate(400, 202, extract_b, progress=False)

    cli(server, "load", str(extract_a))
    built = assert_equals_full_refresh(server, "load A", tests=True)
    assert "as of 2026-10-31, from the data" in built
    assert_every_row_accounted_for(server["url"])

    cli(server, "load", str(extract_b))  # replace: every table has a file
    built = assert_equals_full_refresh(server, "load B (replace)", tests=True)
    # the model fitted on A's ~120 customers does not describe B's ~330: the build says so
    assert "assert cluster model fits scored population" in built
    assert "--refit-clusters" in built
    add_user_objects(server["url"])  # on the published version 2 (test_publish_... below)

    batch = base / "c"
    daily_batch(extract_b, batch)
    cli(server, "load", str(batch), "--append")
    assert_equals_full_refresh(server, "append C")

    fix = base / "fix"
    assert corrected_usage(extract_b, fix) > 0
    loaded = cli(server, "load", str(fix))  # replace only usage_monthly
    assert "kept" in loaded
    assert_equals_full_refresh(server, "a corrected past month")
    with psycopg.connect(server["url"]) as conn:
        row = conn.execute(
            "select count(*) from raw.crm_contacts where source_record_id like 'day-%'"
        ).fetchone()
        assert row == (15,), "the usage-only replace left the appended contacts alone"
    assert os.environ.get("CRM_SEGMENTS_PGDATA") != server["CRM_SEGMENTS_PGDATA"]


def killed_build(server: dict[str, str], when: str) -> str:
    """Start `crm-segments build`, SIGKILL it (and its process group) once a progress line
    containing ``when`` appears; returns what it printed."""
    env = {**os.environ, **{k: v for k, v in server.items() if k != "url"}}
    process = subprocess.Popen(
        [sys.executable, "-m", "crm_segments.cli", "build"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    seen: list[str] = []
    assert process.stdout is not None
    try:
        for line in process.stdout:
            seen.append(line)
            if when in line:
                break
        else:
            pytest.fail(f"the build ended before {when!r}:\n" + "".join(seen[-40:]))
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
    return "".join(seen)


def wait_for_idle(url: str, seconds: float = 60) -> None:
    """The killed build's statements end on the server (client_connection_check_interval)."""
    deadline = time.monotonic() + seconds
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "select count(*) from pg_stat_activity where datname = current_database() "
                "and pid <> pg_backend_pid() and state <> 'idle' "
                "and backend_type = 'client backend'"
            ).fetchone()
            if row == (0,):
                return
            time.sleep(1)
    pytest.fail("statements of the killed build were still running after a minute")


def versions(url: str) -> list[tuple[int, str]]:
    with psycopg.connect(url) as conn:
        return [
            (int(v), str(s))
            for v, s in conn.execute(
                "select version, state from marts__publish.versions order by version"
            )
        ]


def assert_user_objects_survive(url: str) -> None:
    with psycopg.connect(url) as conn:
        row = conn.execute("select count(*) from public.my_city_counts").fetchone()
        assert row is not None and row[0] > 0
    probe = url.replace("postgres@", "crm_probe@")
    with psycopg.connect(probe, password=PROBE_PASSWORD) as conn:
        rows = conn.execute("select distinct country_code from marts.customers").fetchall()
        assert rows == [("RO",)], "the probe role sees only its rows (row-level security)"
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select email from marts.customers")


def add_user_objects(url: str) -> None:
    """What a consumer builds on a public mart: a view, a role with a column grant, a policy."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "create view public.my_city_counts as "
            "select city, count(*) as persons from marts.customers group by city"
        )
        conn.execute(f"create role crm_probe login password '{PROBE_PASSWORD}'")
        conn.execute("grant usage on schema marts to crm_probe")
        conn.execute("grant select (customer_id, country_code) on marts.customers to crm_probe")
        conn.execute("alter table marts.customers enable row level security")
        conn.execute(
            "create policy romania_only on marts.customers for select to crm_probe "
            "using (country_code = 'RO')"
        )
    assert_user_objects_survive(url)


def failing_project(tmp: Path) -> Path:
    """A copy of the project with one more singular test, which fails (an audit that fails),
    so that the project under test is never changed."""
    copy = tmp / "project"
    shutil.copytree(
        PROJECT_DIR,
        copy,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", ".pgdata", "target*", "logs*", "out", "__pycache__", "*.egg-info"
        ),
    )
    (copy / "tests" / "zz_audit_fails.sql").write_text(
        "-- an audit that fails: every customer is a finding\n"
        "select customer_id from {{ ref('customers') }}\n",
        encoding="utf-8",
    )
    return copy


@pytest.mark.e2e
def test_publish_is_all_or_nothing(
    server: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Runs after the loop (same server): version 2 is published, with the user's objects on
    it; the loop's last two builds built the models only and published nothing. Version 1
    (extract A) is already dropped: extract B brought other erasure requests, and a kept
    version that predates an erasure request may hold that person's data."""
    url = server["url"]
    assert versions(url) == [(1, "dropped"), (2, "current")]
    published = mart_fingerprints(url, "marts")
    assert published != mart_fingerprints(url, "marts__build"), "C and D changed the data"
    assert_user_objects_survive(url)

    for when in ("model stg_crm__contacts", "model customers "):
        killed_build(server, when)
        wait_for_idle(url)
        assert mart_fingerprints(url, "marts") == published, f"killed at {when}"
        assert versions(url) == [(1, "dropped"), (2, "current")]

    project = failing_project(tmp_path_factory.mktemp("failing"))
    failed = run_cli(
        "build",
        env={
            **{k: v for k, v in server.items() if k != "url"},
            "CRM_SEGMENTS_PROJECT_DIR": str(project),
        },
        cwd=project,
    )
    assert failed.returncode == 1, failed.stdout[-3000:]
    assert "FAIL test zz_audit_fails" in failed.stdout
    assert "marts NOT published" in failed.stdout
    assert mart_fingerprints(url, "marts") == published
    assert versions(url) == [(1, "dropped"), (2, "current")]
    assert_user_objects_survive(url)

    rerun = cli(server, "build")
    assert "published version 3" in rerun
    third = mart_fingerprints(url, "marts")
    assert third != published
    assert third == mart_fingerprints(url, "marts__build")
    assert_user_objects_survive(url)

    cli(server, "build", "--full-refresh")
    assert versions(url) == [(1, "dropped"), (2, "kept"), (3, "kept"), (4, "current")]
    assert mart_fingerprints(url, "marts") == third  # the same data
    with psycopg.connect(url) as conn:
        gone = conn.execute("select to_regnamespace('marts__v1') is null").fetchone()
        assert gone == (True,)
    assert_user_objects_survive(url)

    rolled = cli(server, "publish", "--rollback")
    assert "version 3 (current)" in rolled
    assert mart_fingerprints(url, "marts") == third
    cli(server, "publish", "--rollback", "--to", "2")
    assert versions(url) == [(1, "dropped"), (2, "current"), (3, "kept"), (4, "kept")]
    assert mart_fingerprints(url, "marts") == published
    assert_user_objects_survive(url)
