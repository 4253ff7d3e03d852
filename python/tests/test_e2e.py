"""End to end on real PostgreSQL: generate -> load -> `crm-segments build` (dbt build + tests).

The embedded server's whole build is the first step of python/tests/test_publish.py
(which uses assert_every_row_accounted_for from here); the `postgres` target on a Debian
PostgreSQL server is built in test_roles.py (test_roles_on_a_normal_server). This module runs a
failing build and hostile input.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

import psycopg
import pytest

from crm_segments.contract import RAW_TABLES
from crm_segments.synth.generate import generate

from .conftest import PROJECT_DIR, run_cli

STAGING = {
    "crm_contacts": "stg_crm__contacts",
    "usage_monthly": "stg_crm__monthly_usages",
    **{t: f"stg_crm__{t}" for t in RAW_TABLES if t not in ("crm_contacts", "usage_monthly")},
}


@pytest.fixture(scope="session")
def small_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("data") / "small"
    generate(400, 20261123, out, progress=False)
    return out


#: reasons for which a raw row is not staged; later steps quarantine staged rows too (a contact
#: that identifies nobody, a consent event on an unknown record): those rows are staged rows
STAGING_REASONS = tuple(
    row["reason_code"]
    for row in csv.DictReader(
        (PROJECT_DIR / "seeds" / "reference" / "quarantine_reasons.csv").open(encoding="utf-8")
    )
    if row["is_staging_reason"] == "true"
)


def accounting(url: str) -> dict[str, tuple[int, int, int]]:
    """raw, staged and quarantined-at-staging row counts per raw table."""
    counts: dict[str, tuple[int, int, int]] = {}
    with psycopg.connect(url) as conn:
        for table, model in STAGING.items():
            row = conn.execute(
                f"select (select count(*) from raw.{table}), "
                f"(select count(*) from staging.{model}), "
                "(select count(*) from marts.dq_quarantine where source_table = %s"
                " and reason_code = any(%s))",
                (table, list(STAGING_REASONS)),
            ).fetchone()
            assert row is not None
            counts[table] = (int(row[0]), int(row[1]), int(row[2]))
    return counts


def assert_every_row_accounted_for(url: str) -> None:
    """raw = staged + quarantined for every raw table; a staged contact is mapped or
    quarantined; the generator's garbage is quarantined, its bad numbers flagged. (Checked on
    the embedded server by python/tests/test_publish.py after its first build.)"""
    counts = accounting(url)
    for table, (raw, staged, quarantined) in counts.items():
        assert raw == staged + quarantined, f"{table}: {raw} != {staged} + {quarantined}"
    assert counts["crm_contacts"][0] > 0
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "select (select count(*) from staging.stg_crm__contacts), "
            "(select count(*) from marts.customer_source_map), "
            "(select count(*) from marts.dq_quarantine where source_table = 'crm_contacts' "
            "and reason_code = 'unidentifiable_contact')"
        ).fetchone()
    assert row is not None
    staged, mapped, unidentifiable = row
    assert staged == mapped + unidentifiable, "a staged contact is mapped or quarantined"
    assert sum(q for _, _, q in counts.values()) > 0, "the generator's garbage rows are quarantined"
    with psycopg.connect(url) as conn:
        reasons = {
            r[0] for r in conn.execute("select distinct reason_code from marts.dq_quarantine")
        }
        assert {"missing_key", "duplicate_row", "duplicate_key"} <= reasons
        invalid = conn.execute(
            "select count(*) from staging.stg_crm__monthly_usages where has_invalid_fields"
        ).fetchone()
        assert invalid is not None and invalid[0] > 0, "bad numbers become NULL plus a flag"


@pytest.mark.e2e
def test_failed_build_exits_non_zero_and_names_the_node(embedded_pg, small_dataset: Path) -> None:
    loaded = run_cli("load", str(small_dataset))
    assert loaded.returncode == 0, loaded.stderr
    with psycopg.connect(embedded_pg.url, autocommit=True) as conn:
        conn.execute("alter table raw.campaigns rename to campaigns_gone")
    try:
        built = run_cli("build", "--select", "base_crm__campaigns+")
        assert built.returncode == 1
        assert "FAIL model base_crm__campaigns" in built.stdout
        assert "skipped" in built.stdout
    finally:
        with psycopg.connect(embedded_pg.url, autocommit=True) as conn:
            conn.execute("alter table raw.campaigns_gone rename to campaigns")


def test_demo_dataset_is_committed() -> None:
    demo = PROJECT_DIR / "seeds" / "demo"
    for table, columns in RAW_TABLES.items():
        header = (demo / f"{table}.csv").read_text(encoding="utf-8").splitlines()[0]
        assert header.split(",") == list(columns)
    assert (demo / "truth" / "contact_records.csv").exists()


@pytest.mark.e2e
def test_a_megabyte_in_every_contact_column(embedded_pg, tmp_path: Path) -> None:
    """Bounded input (issue 11): one row per crm_contacts column holding 1 MB of one repeated
    letter. Keys that long are quarantined (key_too_long); any other column is NULL and listed
    in invalid_fields before a pattern sees it; the resolution chain builds in normal time
    (printed, recorded in BENCHMARKS.md; not asserted)."""
    columns = list(RAW_TABLES["crm_contacts"])
    normal = {
        "source_system": "crm", "source_record_id": "", "account_id": "A1",
        "full_name": "Ion Popescu", "first_name": "", "last_name": "", "birth_date": "1980-01-02",
        "national_id": "", "email": "ion.popescu@example.ro", "phone": "0722 123 456",
        "address_line": "Str. Mare 5", "city": "Cluj", "postal_code": "400001", "country": "RO",
        "updated_at": "2026-10-01",
    }  # fmt: skip
    directory = tmp_path / "huge"
    directory.mkdir()
    with (directory / "crm_contacts.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        for i, column in enumerate(columns):
            writer.writerow({**normal, "source_record_id": f"huge-{i}", column: "a" * 1_000_000})
    loaded = run_cli("load", str(directory), "--replace-all")
    assert loaded.returncode == 0, loaded.stderr
    started = time.perf_counter()
    built = run_cli("build", "--select", "+customer_source_map", "+dq_quarantine")
    seconds = time.perf_counter() - started
    assert built.returncode == 0, built.stdout[-4000:] + built.stderr[-2000:]
    print(f"\n1 MB values in every crm_contacts column: resolution chain built in {seconds:.0f} s")
    with psycopg.connect(embedded_pg.url) as conn:
        reasons = dict(
            conn.execute(
                "select reason_code, count(*) from marts__build.dq_quarantine "
                "where source_table = 'crm_contacts' group by 1"
            ).fetchall()
        )
        assert reasons.get("key_too_long") == 2, reasons  # source_system, source_record_id
        flagged = dict(
            conn.execute(
                "select source_record_id, invalid_fields from staging.stg_crm__contacts"
            ).fetchall()
        )
    for i, column in enumerate(columns):
        if column in ("source_system", "source_record_id"):
            assert f"huge-{i}" not in flagged
        else:
            assert column in flagged[f"huge-{i}"], (column, flagged.get(f"huge-{i}"))
