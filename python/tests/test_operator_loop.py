"""The operator's loop (issue 10), on an embedded server of its own.

Load extract A and build; load extract B over it (replace) and build; append a batch C (a day
of new transactions, consent withdrawals, contact records that link to existing persons and a
newer version of a known record) and build (only the day's contact records are standardized
again); replace the usage of a past month with corrected figures and build; change a raw
row by hand (not by a load) and build. After every
step each mart must equal a `--full-refresh` build of the same raw data, row for row (md5 per
mart; the run-time stamp dq_quarantine.quarantined_at left out): no state of an incremental
model may go stale. The builds here build the models only (the data tests are not what this is
about and cost most of a build's time) and their marts are compared in the build schema;
test_publish.py runs the same extracts through whole, tested and published builds.

Every full refresh's marts must also equal the fingerprints recorded in
golden/operator_loop_marts.json (floats rounded to 6 decimals): a change that is meant to leave
the results alone (speed work, a restructuring) must leave every mart as it was. A change that
is meant to change results records the new fingerprints with CRM_SEGMENTS_UPDATE_GOLDEN=1 and
shows the difference in its commit.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from crm_segments.evaluate.fingerprints import mart_fingerprints

from .conftest import MODELS_ONLY
from .operator_moves import (
    cli,
    corrected_usage,
    daily_batch,
    extracts_a_and_b,
    own_server,
)

#: the marts of every step's full refresh, recorded (rows, md5 with floats rounded)
GOLDEN = Path(__file__).parent / "golden" / "operator_loop_marts.json"
DIGITS = 6


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A server of this module's own: the loop leaves a cluster model and a history behind."""
    with own_server(tmp_path_factory.mktemp("loop_pg") / "data", "loop") as env:
        yield env


def assert_equals_full_refresh(
    server: dict[str, str], step: str, after_build: Callable[[], None] | None = None
) -> dict[str, list[object]]:
    """Build as an operator does, then a --full-refresh of the same raw data: same marts.
    `after_build` looks at the operator's build before the full refresh. Returns the full
    refresh's fingerprints with floats rounded (for the recorded ones)."""
    built = cli(server, "build", *MODELS_ONLY)
    assert "marts not published: a partial build" in built
    if after_build is not None:
        after_build()
    incremental = mart_fingerprints(server["url"])
    cli(server, "build", "--full-refresh", *MODELS_ONLY)
    full = mart_fingerprints(server["url"])
    differing = sorted(t for t in full if incremental.get(t) != full[t])
    assert not differing, f"after {step}: marts differ from a full refresh: " + ", ".join(
        f"{t} {incremental.get(t)} != {full[t]}" for t in differing
    )
    assert incremental["customers"][0] > 0
    rounded = mart_fingerprints(server["url"], digits=DIGITS)
    return {table: list(fingerprint) for table, fingerprint in rounded.items()}


def standardized_row_versions(server: dict[str, str]) -> dict[str, str]:
    """contact_key -> the row version (xmin) of its standardized row: a row written again by a
    build has a new one."""
    with psycopg.connect(server["url"]) as conn:
        rows = conn.execute(
            "select contact_key, xmin::text from intermediate.int_contacts_standardized_part_a "
            "union all "
            "select contact_key, xmin::text from intermediate.int_contacts_standardized_part_b"
        ).fetchall()
    return dict(rows)


def assert_equals_golden(recorded: dict[str, dict[str, list[object]]]) -> None:
    """Every step's marts as recorded in GOLDEN (written anew with CRM_SEGMENTS_UPDATE_GOLDEN=1)."""
    if os.environ.get("CRM_SEGMENTS_UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    differing = [
        f"{step}: {table} {now} != recorded {then}"
        for step in sorted(golden.keys() | recorded.keys())
        for table in sorted(golden.get(step, {}).keys() | recorded.get(step, {}).keys())
        if (now := recorded.get(step, {}).get(table)) != (then := golden.get(step, {}).get(table))
    ]
    assert not differing, (
        "marts differ from the recorded ones (a change meant to change results records them "
        "with CRM_SEGMENTS_UPDATE_GOLDEN=1):\n" + "\n".join(differing)
    )


@pytest.mark.e2e
def test_operator_loop_equals_full_refresh(
    server: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    base = tmp_path_factory.mktemp("loop")
    extract_a, extract_b = extracts_a_and_b(base)
    recorded: dict[str, dict[str, list[object]]] = {}

    def check(step: str, after_build: Callable[[], None] | None = None) -> None:
        recorded[step] = assert_equals_full_refresh(server, step, after_build)

    cli(server, "load", str(extract_a))
    check("load A")

    cli(server, "load", str(extract_b))  # replace: every table has a file
    check("load B (replace)")

    batch = base / "c"
    day_contacts = daily_batch(extract_b, batch)
    cli(server, "load", str(batch), "--append")
    written_before = standardized_row_versions(server)

    def only_the_day_standardized() -> None:
        # the incremental standardization wrote the day's records (new ones and the newer
        # version of a known one) and left every other record's row as it was
        after = standardized_row_versions(server)
        rewritten = {key for key, version in after.items() if written_before.get(key) != version}
        assert rewritten == day_contacts, sorted(rewritten ^ day_contacts)[:10]

    check("append C", only_the_day_standardized)

    fix = base / "fix"
    assert corrected_usage(extract_b, fix) > 0
    loaded = cli(server, "load", str(fix))  # replace only usage_monthly
    assert "kept" in loaded
    check("a corrected past month")
    with psycopg.connect(server["url"]) as conn:
        row = conn.execute(
            "select count(*) from raw.crm_contacts where source_record_id like 'day-%'"
        ).fetchone()
        assert row == (15,), "the usage-only replace left the appended contacts alone"

    # a raw row changed by hand, not by a load: the incremental staging cannot see it, so the
    # build stages every table whole
    with psycopg.connect(server["url"], autocommit=True) as conn:
        conn.execute("update raw.transactions set amount = '0.01' where transaction_id = 'day-0'")
    built = cli(server, "build", *MODELS_ONLY)
    said = " ".join(built.split())  # the console wraps long lines
    assert "raw rows changed outside crm-segments load in transactions" in said
    check("an edit by hand")
    assert_equals_golden(recorded)
    assert os.environ.get("CRM_SEGMENTS_PGDATA") != server["CRM_SEGMENTS_PGDATA"]
