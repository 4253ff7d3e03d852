"""Write - audit - publish (issue 11), on an embedded server of its own.

Extract A is loaded and built (tested, published as version 1), then extract B over it
(version 2; version 1 is dropped at once: B brings other erasure requests, and a kept version
older than an erasure request may hold that person's data). A user's view, column grant and
row-level security policy go on a public mart. A day's batch C is appended; builds killed while
staging and while writing the marts, and a build whose test fails, publish nothing (the public
marts stay equal, md5 per mart); a clean --full-refresh rerun publishes the new state as
another version, a build with nothing changed stops early, and rollbacks move between the kept
versions - the user's objects survive every step. test_operator_loop.py runs the same
extracts model by model against full refreshes.
"""

from __future__ import annotations

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

from crm_segments.evaluate.fingerprints import mart_fingerprints

from .conftest import PROJECT_DIR, run_cli
from .operator_moves import cli, daily_batch, extracts_a_and_b, own_server
from .test_e2e import assert_every_row_accounted_for

PROBE_PASSWORD = "probe-password"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A server of this module's own (versions, the user's objects)."""
    with own_server(tmp_path_factory.mktemp("publish_pg") / "data", "publish") as env:
        yield env


def published_build(server: dict[str, str], version: int) -> str:
    """A whole `crm-segments build`: tested, then published as `version`."""
    built = cli(server, "build")
    assert f"published version {version}" in built, built[-3000:]
    return built


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
    so that the project under test is never changed. It reads the staged contact records: dbt
    skips everything downstream, so the failed build costs a fraction of a whole one."""
    copy = tmp / "project"
    shutil.copytree(
        PROJECT_DIR,
        copy,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", ".pgdata", "target*", "logs*", "out", "__pycache__", "*.egg-info"
        ),
    )
    (copy / "tests" / "zz_audit_fails.sql").write_text(
        "-- an audit that fails: every contact record is a finding\n"
        "select source_record_id from {{ ref('stg_crm__contacts') }}\n",
        encoding="utf-8",
    )
    return copy


@pytest.mark.e2e
def test_publish_is_all_or_nothing(
    server: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    base = tmp_path_factory.mktemp("extracts")
    extract_a, extract_b = extracts_a_and_b(base)
    url = server["url"]

    cli(server, "load", str(extract_a))
    built = published_build(server, 1)
    assert "as of 2026-10-31, from the data" in built
    assert_every_row_accounted_for(url)

    cli(server, "load", str(extract_b))  # replace: every table has a file
    built = published_build(server, 2)
    # the model fitted on A's ~120 customers does not describe B's ~330: the build says so
    assert "assert cluster model fits scored population" in built
    assert "--refit-clusters" in built
    assert versions(url) == [(1, "dropped"), (2, "current")]
    add_user_objects(url)
    published = mart_fingerprints(url, "marts")

    daily_batch(extract_b, base / "c")
    cli(server, "load", str(base / "c"), "--append")
    assert versions(url) == [(1, "dropped"), (2, "current")]
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
    # other code: the incremental staging is rebuilt whole
    said = " ".join(failed.stdout.split())  # the console wraps long lines
    assert "incremental staging rebuilt whole (code, vars or versions changed)" in said
    assert "FAIL test zz_audit_fails" in failed.stdout
    assert "marts NOT published" in failed.stdout
    assert mart_fingerprints(url, "marts") == published
    assert versions(url) == [(1, "dropped"), (2, "current")]
    assert_user_objects_survive(url)

    # the clean rerun is a --full-refresh: it publishes a new version and keeps the others
    # (test_operator_loop shows model by model that an incremental build gives the same rows)
    rerun = cli(server, "build", "--full-refresh")
    assert "published version 3" in rerun
    assert versions(url) == [(1, "dropped"), (2, "kept"), (3, "current")]
    third = mart_fingerprints(url, "marts")
    assert third != published, "the appended batch C changed the data"
    with psycopg.connect(url) as conn:
        gone = conn.execute("select to_regnamespace('marts__v1') is null").fetchone()
        assert gone == (True,)
    assert_user_objects_survive(url)

    # nothing changed since version 3: the next build compares its inputs and stops there
    idle = cli(server, "build")
    assert "nothing changed since published version 3" in idle, idle[-2000:]
    assert "dbt build" not in idle  # no dbt invocation (how long that takes is in BENCHMARKS.md)
    assert versions(url)[-1] == (3, "current")
    assert mart_fingerprints(url, "marts") == third

    rolled = cli(server, "publish", "--rollback")
    assert "version 2 (current)" in rolled
    assert versions(url) == [(1, "dropped"), (2, "current"), (3, "kept")]
    assert mart_fingerprints(url, "marts") == published
    assert_user_objects_survive(url)
    cli(server, "publish", "--rollback", "--to", "3")  # any kept version, newer ones too
    assert versions(url) == [(1, "dropped"), (2, "kept"), (3, "current")]
    assert mart_fingerprints(url, "marts") == third
    assert_user_objects_survive(url)

    # an incremental build of the same rows: extract B's erasure requests were scrubbed after
    # version 3, and the records the scrub emptied are standardized again (their input digest
    # went with their values): the marts are version 3's, those of a full refresh
    forced = cli(server, "build", "--force")
    assert "published version 4" in forced
    assert "rebuilt whole" not in " ".join(forced.split())
    assert mart_fingerprints(url, "marts") == third
    with psycopg.connect(url) as conn:
        erased = conn.execute(
            "select count(*) from (select _input_digest from"
            " intermediate.int_contacts_standardized_part_a union all select _input_digest"
            " from intermediate.int_contacts_standardized_part_b) as parts"
            " where _input_digest is null"
        ).fetchone()
    assert erased is not None and erased[0] > 0, "the scrub emptied erased persons' records"
