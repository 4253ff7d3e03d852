"""Write - audit - publish (issue 11) on its own embedded server.

Consumers read the public marts; a build writes and tests in the build schema and publishes all
marts together only when everything passed. Here: a first build publishes; a user's view,
column grant and row-level security policy go on a public mart; new data arrives; builds killed
while staging and while writing the marts, and a build whose test fails, publish nothing (the
public marts stay equal to the previous version, md5 per mart); a clean rerun publishes the new
state, a --full-refresh another version, and a rollback returns to the one before - the user's
view, grant and policy survive every step.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from crm_segments import db
from crm_segments.generate import generate

from .conftest import PROJECT_DIR, run_cli
from .test_operator_loop import daily_batch, mart_fingerprints

PROBE_PASSWORD = "probe-password"
FAILING_TEST = PROJECT_DIR / "tests" / "zz_publish_probe_fails.sql"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    pgdata = tmp_path_factory.mktemp("publish_pg") / "data"
    status = db.start_embedded(pgdata)
    env = {
        "CRM_SEGMENTS_PGDATA": str(pgdata),
        "CRM_SEGMENTS_TARGET": "embedded",
        "DBT_TARGET_PATH": "target_test_publish",
        "DBT_LOG_PATH": "target_test_publish/logs",
        **db.embedded_env(status),
    }
    try:
        yield {**env, "url": status.url}
    finally:
        db.stop_embedded(pgdata)


def cli(server: dict[str, str], *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in server.items() if k != "url"}
    result = run_cli(*args, env=env)
    if ok:
        assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    return result


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


@pytest.mark.e2e
def test_killed_or_failed_builds_publish_nothing(
    server: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    base = tmp_path_factory.mktemp("publish")
    generate(150, 303, base / "a", progress=False)
    cli(server, "load", str(base / "a"))
    first = cli(server, "build").stdout
    assert "published version 1" in first
    url = server["url"]
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
    published = mart_fingerprints(url, "marts")

    # new data: a day of records, transactions and consent withdrawals
    daily_batch(base / "a", base / "day")
    cli(server, "load", str(base / "day"), "--append")

    for when in ("model stg_crm__contacts", "model customers "):
        killed_build(server, when)
        wait_for_idle(url)
        assert mart_fingerprints(url, "marts") == published, f"killed at {when}"
        assert versions(url) == [(1, "current")]

    FAILING_TEST.write_text(
        "-- written and removed by python/tests/test_publish.py: an audit that fails\n"
        "select customer_id from {{ ref('customers') }}\n",
        encoding="utf-8",
    )
    try:
        failed = cli(server, "build", ok=False)
    finally:
        FAILING_TEST.unlink()
    assert failed.returncode == 1
    assert "marts NOT published" in failed.stdout
    assert mart_fingerprints(url, "marts") == published
    assert versions(url) == [(1, "current")]
    assert_user_objects_survive(url)

    rerun = cli(server, "build").stdout
    assert "published version 2" in rerun
    second = mart_fingerprints(url, "marts")
    assert second != published
    assert second == mart_fingerprints(url, "marts__build")
    assert_user_objects_survive(url)

    cli(server, "build", "--full-refresh")
    assert versions(url) == [(1, "kept"), (2, "kept"), (3, "current")]
    assert mart_fingerprints(url, "marts") == second  # the same data
    assert_user_objects_survive(url)

    rolled = cli(server, "publish", "--rollback").stdout
    assert "version 2 (current)" in rolled
    assert versions(url) == [(1, "kept"), (2, "current"), (3, "kept")]
    assert mart_fingerprints(url, "marts") == second
    rolled = cli(server, "publish", "--rollback", "--to", "1").stdout
    assert mart_fingerprints(url, "marts") == published
    assert_user_objects_survive(url)

    # retention: the fourth version drops the oldest kept one (publish_keep_versions = 3)
    cli(server, "build")
    states = dict(versions(url))
    assert states[4] == "current" and states[1] == "dropped"
    with psycopg.connect(url) as conn:
        gone = conn.execute("select to_regnamespace('marts__v1') is null").fetchone()
        assert gone == (True,)
    assert Path(PROJECT_DIR / "tests").is_dir()
