"""Shared fixtures: an isolated embedded PostgreSQL for the whole test session."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from crm_segments import db

PROJECT_DIR = Path(__file__).resolve().parents[2]

# pytest-xdist runs test files in two worker processes (`make pytest`): each worker's dbt runs
# get their own target and log directories (the CLI and dbt read these variables), so that two
# dbt invocations never share a manifest, run results or a partial-parse file. Set, not
# defaulted, in a worker: the controller process imports this file first and its values reach
# the workers through their environment (with setdefault both workers used target_pytest_main)
_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
if _WORKER:
    os.environ["DBT_TARGET_PATH"] = f"target_pytest_{_WORKER}"
    os.environ["DBT_LOG_PATH"] = f"target_pytest_{_WORKER}/logs"
else:
    os.environ.setdefault("DBT_TARGET_PATH", "target_pytest_main")
    os.environ.setdefault("DBT_LOG_PATH", "target_pytest_main/logs")
# dbt's saved parse of each setting (crm_segments.build.parse_kept), in one directory for both
# workers and every temporary target directory: the suite builds with many vars and servers,
# and each change of them made the next dbt run parse the whole project again (15-30 s)
os.environ.setdefault("CRM_SEGMENTS_PARSE_CACHE", str(PROJECT_DIR / "target_pytest_parse_cache"))
# dbt's file log without its debug lines (every SQL statement): writing them is about a tenth of
# the CPU time of each build, and the suite builds the demo dozens of times. A failing test's
# output carries the node and its error; DBT_LOG_LEVEL_FILE=debug brings the whole log back
os.environ.setdefault("DBT_LOG_LEVEL_FILE", "info")


#: build the models only: for tests about what the models hold, not about the data tests (every
#: data test runs in the whole, tested builds of test_roles and test_publish)
MODELS_ONLY = ["--exclude", "resource_type:test", "resource_type:unit_test"]

#: the test files in the order pytest-xdist hands them to its workers (`make pytest` runs with
#: --no-loadscope-reorder): longest first, so that the suite does not end with one worker on a
#: long file while the other idles. From the `--durations` of a whole run; a file not listed
#: comes after these, in the usual order
LONGEST_FIRST = (
    "test_roles.py",
    "test_publish.py",
    "test_operator_loop.py",
    "test_segments.py",
    "test_package.py",
    "test_febrl.py",
    "test_cluster.py",
    "test_campaigns.py",
    "test_identity.py",
    "test_e2e.py",
    "test_cdnow.py",
    "test_phone_oracle.py",
    "test_conventions.py",
    "test_contacts_demo_truth.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Longest files first (a stable sort: the tests of a file keep their order)."""
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


@pytest.fixture(scope="session")
def embedded_pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[db.EmbeddedStatus]:
    """A fresh embedded server in a temporary data directory, used by every DB test.

    CRM_SEGMENTS_PGDATA points the CLI (and subprocesses) at it, so tests never touch the
    developer's own `.pgdata`.
    """
    pgdata = tmp_path_factory.mktemp("pg") / "data"
    previous = os.environ.get("CRM_SEGMENTS_PGDATA")
    os.environ["CRM_SEGMENTS_PGDATA"] = str(pgdata)
    os.environ["CRM_SEGMENTS_TARGET"] = "embedded"
    status = db.start_embedded(pgdata)
    os.environ.update(db.embedded_env(status))
    try:
        yield status
    finally:
        db.stop_embedded(pgdata)
        if previous is None:
            os.environ.pop("CRM_SEGMENTS_PGDATA", None)
        else:
            os.environ["CRM_SEGMENTS_PGDATA"] = previous


@pytest.fixture
def conn(embedded_pg: db.EmbeddedStatus) -> Iterator[psycopg.Connection]:
    """An autocommit connection to the test server's crm_segments database."""
    with psycopg.connect(embedded_pg.url, autocommit=True) as connection:
        yield connection


def run_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real `crm-segments` console script in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "crm_segments.cli", *args],
        cwd=cwd or PROJECT_DIR,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=1800,
    )
