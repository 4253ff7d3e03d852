"""Stability of customer_id (issue 3): rebuilds and appended batches on the embedded DB.

The demo data (2,000 customers) is loaded into the session's embedded server and only the
entity-resolution chain's models are built (``--select +customer_source_map +customers
+dq_quarantine``, without the data tests, which the whole builds of other files run), into its
own dbt target path. Then:

- a full rebuild of unchanged input gives every record the same customer_id;
- appending a batch of new contact records (some linking to existing persons, some new)
  changes the customer_id of no person whose records are untouched by the batch;
- `crm-segments identity explain` shows why a record belongs to its person.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import psycopg
import pytest

from crm_segments import db

from .conftest import MODELS_ONLY, PROJECT_DIR, run_cli

DEMO = PROJECT_DIR / "seeds" / "demo"
ENV = {
    "DBT_TARGET_PATH": "target_test_identity",
    "DBT_LOG_PATH": "target_test_identity/logs",
}
SELECT = ["--select", "+customer_source_map", "+customers", "+dq_quarantine", *MODELS_ONLY]
LINKING = 25  # batch records copying an existing person's name, birth date and e-mail
NEW = 25  # batch records of people nobody has seen


def build() -> None:
    result = run_cli("build", *SELECT, "--profile", "5", env=ENV)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "slowest nodes of" in " ".join(result.stdout.split()), result.stdout[-2000:]


def source_map(conn: psycopg.Connection) -> dict[str, str]:
    """contact_key -> customer_id of every resolved record."""
    rows = conn.execute("select contact_key, customer_id from marts__build.customer_source_map")
    return dict(rows.fetchall())


def persons(mapping: dict[str, str]) -> dict[str, set[str]]:
    """customer_id -> its records."""
    out: dict[str, set[str]] = defaultdict(set)
    for key, customer in mapping.items():
        out[customer].add(key)
    return out


@pytest.fixture(scope="module")
def first_build(embedded_pg: db.EmbeddedStatus) -> dict[str, str]:
    loaded = run_cli("load", str(DEMO))
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    build()
    with psycopg.connect(embedded_pg.url, autocommit=True) as conn:
        mapping = source_map(conn)
    assert len(mapping) > 2_000
    return mapping


def linking_rows(conn: psycopg.Connection) -> list[dict[str, str]]:
    """New web records of existing persons: same name, birth date and e-mail as one of their
    records (the e-mail is valid and not junk, so the record must link)."""
    rows = conn.execute(
        """
        select std.first_name, std.last_name, std.birth_date::text, std.email, std.country_code
        from intermediate.int_contacts_standardized as std
        inner join intermediate.int_contact_identifiers as ids
            on ids.contact_key = std.contact_key
            and ids.identifier_type = 'email' and not ids.is_junk
        where std.first_name is not null and std.last_name is not null
            and std.birth_date is not null and std.name_script = 'latin'
        order by md5(std.contact_key)
        limit %s
        """,
        (LINKING,),
    ).fetchall()
    assert len(rows) == LINKING
    return [
        {
            "source_system": "web",
            "source_record_id": f"w-batch-link-{i:03d}",
            "first_name": first,
            "last_name": last,
            "birth_date": birth,
            "email": email,
            "country": country or "",
            "updated_at": "2026-06-01 10:00:00",
        }
        for i, (first, last, birth, email, country) in enumerate(rows)
    ]


def new_rows() -> list[dict[str, str]]:
    """Web leads of people who are not in the demo data (and not related to each other)."""
    firsts = ["Octavian", "Sorina", "Teodor", "Viorica", "Lucian"]
    return [
        {
            "source_system": "web",
            "source_record_id": f"w-batch-new-{i:03d}",
            "first_name": firsts[i % len(firsts)],
            "last_name": f"Zamfirescu{chr(97 + i)}",
            "birth_date": f"19{60 + i}-0{1 + i % 9}-1{i % 10}",
            "email": f"batch.newcomer{i:03d}@example.ro",
            "phone": f"+40 745 {100000 + 37 * i}",
            "country": "RO",
            "updated_at": "2026-06-01 10:00:00",
        }
        for i in range(NEW)
    ]


def write_batch(directory: Path, rows: list[dict[str, str]]) -> None:
    with (DEMO / "crm_contacts.csv").open(encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    directory.mkdir()
    with (directory / "crm_contacts.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, restval="")
        writer.writeheader()
        writer.writerows(rows)


def test_rebuild_of_unchanged_input_keeps_every_id(
    embedded_pg: db.EmbeddedStatus, first_build: dict[str, str]
) -> None:
    build()
    with psycopg.connect(embedded_pg.url, autocommit=True) as conn:
        again = source_map(conn)
    assert again == first_build


def test_explain_a_record(first_build: dict[str, str]) -> None:
    """`crm-segments identity explain` names the record's person, the person's records and
    each candidate pair's field comparisons and decision; a wrong key is a clear error."""
    records = persons(first_build)
    customer, keys = next((c, sorted(k)) for c, k in sorted(records.items()) if len(k) >= 2)
    done = run_cli("identity", "explain", keys[0], env=ENV)
    assert done.returncode == 0, done.stdout + done.stderr
    out = " ".join(done.stdout.split())
    assert f"is customer {customer}, with {len(keys)} record(s)" in out, out
    assert "same person: yes" in out and "-> match:" in out, out
    for field in ("given name", "family name", "birth date", "national id", "address"):
        assert field in out, out
    assert "prior model v0" in out and "= match weight probability" in out, out
    missing = run_cli("identity", "explain", "crm:no-such-record", env=ENV)
    assert missing.returncode == 2 and "no contact record crm:no-such-record" in missing.stderr
    malformed = run_cli("identity", "explain", "no-colon", env=ENV)
    assert malformed.returncode == 2 and "SOURCE_SYSTEM:RECORD_ID" in malformed.stderr


def test_train_match_weights(embedded_pg: db.EmbeddedStatus, first_build: dict[str, str]) -> None:
    """`crm-segments identity train` learns the weights from the build's pairs and stores a
    version (here in a schema the build does not read, so the other tests keep the default)."""
    schema = "identity_model_test"
    done = run_cli("identity", "train", "--model-schema", schema, env=ENV)
    assert done.returncode == 0, done.stdout + done.stderr
    out = " ".join(done.stdout.split())
    assert "EM over" in out and f"stored as model v1 in {schema}.match_weights" in out, out
    with psycopg.connect(embedded_pg.url, autocommit=True) as conn:
        rows = dict(
            conn.execute(
                f"select field || ' ' || level, ln(m_probability / u_probability) / ln(2) "
                f"from {schema}.match_weights where field <> 'prior'"
            ).fetchall()
        )
        conn.execute(f"drop schema {schema} cascade")
    assert rows["birth_date equal"] > 3 and rows["email equal"] > 3, rows
    assert rows["birth_date different"] < 0, rows


def test_appended_batch_changes_no_untouched_person(
    embedded_pg: db.EmbeddedStatus, first_build: dict[str, str], tmp_path: Path
) -> None:
    with psycopg.connect(embedded_pg.url, autocommit=True) as conn:
        batch = linking_rows(conn) + new_rows()
    write_batch(tmp_path / "batch", batch)
    loaded = run_cli("load", str(tmp_path / "batch"), "--append")
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    try:
        build()
        with psycopg.connect(embedded_pg.url, autocommit=True) as conn:
            after = source_map(conn)
    finally:
        # leave the raw data as the demo for the other tests of the session
        with psycopg.connect(embedded_pg.url, autocommit=True) as conn:
            conn.execute("delete from raw.crm_contacts where source_record_id like 'w-batch-%'")

    batch_keys = {f"web:{row['source_record_id']}" for row in batch}
    assert batch_keys <= after.keys(), "every batch record is resolved"
    assert set(first_build) <= after.keys(), "no old record is lost"

    # persons after the batch that contain a batch record are touched, and so is every old
    # person with a record in them; all the others must keep their id and their records
    touched_after = {after[key] for key in batch_keys}
    linked = {first_build[k] for k, c in after.items() if c in touched_after and k in first_build}
    old_persons = persons(first_build)
    untouched = {c: keys for c, keys in old_persons.items() if c not in linked}
    changed = {
        customer: sorted({after[key] for key in keys})
        for customer, keys in untouched.items()
        if {after[key] for key in keys} != {customer}
    }
    assert not changed, f"untouched persons whose id changed or who were split: {changed}"

    # the batch did what it was meant to: the linking records joined existing persons, the
    # new people stayed on their own
    joined = {after[f"web:{row['source_record_id']}"] for row in batch[:LINKING]}
    assert len(linked) >= LINKING * 0.9, "the linking records found their persons"
    assert joined <= {after[k] for k in first_build}
    for row in batch[LINKING:]:
        customer = after[f"web:{row['source_record_id']}"]
        assert [k for k, c in after.items() if c == customer] == [f"web:{row['source_record_id']}"]
    assert len(untouched) > len(old_persons) - 2 * LINKING
