"""Roles on a real database: log in as the BI, campaign and build roles and prove what each
may and may not select (embedded server, and a Debian PostgreSQL server when installed).

The marts are built by a plain `dbt build` after `crm-segments db roles`, which publishes them
(on-run-end, write-audit-publish); their grants are put on the public marts when publishing,
from the manifest's `meta: {pii: true}` tags and the `campaign_role_reads` meta.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from crm_segments.build import parse_kept, parse_key
from crm_segments.contract import RAW_TABLES
from crm_segments.evaluate import erasure_check

from .conftest import MODELS_ONLY, PROJECT_DIR, run_cli
from .pg15 import external_server, find_pg_bin
from .test_e2e import assert_every_row_accounted_for

PASSWORD = "role-test-password"

#: a demo person (billing record B7700000002) whose erasure request names an e-mail
ERASED_EMAIL = "kseniyai7414@mail.ru"

CAMPAIGN_TABLES = {"campaign_audience", "global_control_group", "next_best_action"}

Connect = Callable[[str], psycopg.Connection]


def dbt_build(target_path: Path, env: dict[str, str] | None = None) -> None:
    """A plain `dbt build` of the whole project into target_path; its on-run-end publishes."""
    dbt = Path(sys.executable).parent / "dbt"
    environment = {**os.environ, **(env or {}), "DBT_TARGET_PATH": str(target_path)}
    environment.pop("CRM_SEGMENTS_PUBLISH", None)
    args = ["build", "--profiles-dir", str(PROJECT_DIR)]
    with parse_kept(parse_key(args), target_path):  # as the CLI does: no full parse each time
        done = subprocess.run(
            [str(dbt), *args],
            cwd=PROJECT_DIR,
            env=environment,
            capture_output=True,
            text=True,
            timeout=1800,
        )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "crm_segments: published version" in done.stdout, done.stdout[-3000:]


def mart_columns(target_path: Path) -> dict[str, dict[str, bool]]:
    """mart name -> {column: is_pii} from the manifest of the run."""
    manifest = json.loads((target_path / "manifest.json").read_text())
    marts: dict[str, dict[str, bool]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and "/marts/" in node["original_file_path"]:
            marts[node["name"]] = {
                name: bool((col.get("meta") or {}).get("pii"))
                for name, col in node["columns"].items()
            }
    return marts


def can_select(connect: Connect, role: str, query: sql.Composable) -> bool:
    with connect(role) as conn:
        try:
            conn.execute(query).fetchall()
        except psycopg.errors.InsufficientPrivilege:
            return False
    return True


def select_columns(table: str, columns: list[str], schema: str = "marts") -> sql.Composed:
    return sql.SQL("select {} from {} limit 1").format(
        sql.SQL(", ").join(sql.Identifier(c) for c in columns), sql.Identifier(schema, table)
    )


def assert_role_privileges(connect: Connect, marts: dict[str, dict[str, bool]]) -> None:
    assert {"customers", "campaign_audience", "customer_consent", "dq_quarantine"} <= set(marts)
    assert marts["customers"]["email"] and marts["campaign_audience"]["address"]
    # BI: every non-PII column of every built mart; no PII column; nothing below the marts
    for table, columns in marts.items():
        public = [c for c, pii in columns.items() if not pii]
        assert can_select(connect, "crm_bi", select_columns(table, public)), table
        for column in (c for c, pii in columns.items() if pii):
            assert not can_select(connect, "crm_bi", select_columns(table, [column])), (
                f"crm_bi reads PII {table}.{column}"
            )
    assert not can_select(connect, "crm_bi", sql.SQL("select * from marts.customers"))
    for relation in (
        "raw.crm_contacts",
        "staging.stg_crm__contacts",
        "intermediate.int_contacts_resolved",
    ):
        schema, table = relation.split(".")
        query = sql.SQL("select 1 from {} limit 1").format(sql.Identifier(schema, table))
        assert not can_select(connect, "crm_bi", query), relation
        assert not can_select(connect, "crm_campaign", query), relation
        assert can_select(connect, "crm_build", query) == (schema == "raw"), relation
    # campaign: the whole of campaign_audience, global_control_group and next_best_action, no
    # other mart
    for table in marts:
        query = sql.SQL("select * from {} limit 1").format(sql.Identifier("marts", table))
        assert can_select(connect, "crm_campaign", query) == (table in CAMPAIGN_TABLES), table
    with connect("crm_campaign") as conn:
        rows = conn.execute("select count(*) from marts.campaign_audience").fetchone()
        assert rows is not None and rows[0] > 0
    # build: may create a schema of its own
    with connect("crm_build") as conn:
        conn.execute("create schema role_probe")
        conn.execute("drop schema role_probe")


@pytest.fixture(scope="module")
def demo_marts(embedded_pg, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo data loaded and every mart built, after `crm-segments db roles`; the target path."""
    target = tmp_path_factory.mktemp("target_roles")
    loaded = run_cli("load", "seeds/demo")
    assert loaded.returncode == 0, loaded.stderr
    # the demo's erasure requests name accounts (their keys stay); one person asks by e-mail
    request = target / "erasure_request"
    request.mkdir()
    with (request / "suppressions.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(RAW_TABLES["suppressions"])
        writer.writerow(
            ["SUP-TEST-ERASE", "email", ERASED_EMAIL, "erasure_request", "2026-09-01", ""]
        )
    appended = run_cli("load", str(request), "--append")
    assert appended.returncode == 0, appended.stdout + appended.stderr
    roles = run_cli("db", "roles", "--password", PASSWORD)
    assert roles.returncode == 0, roles.stdout + roles.stderr
    assert "crm_campaign" in roles.stdout
    dbt_build(target)
    # a plain `dbt build` runs the unit tests too (`crm-segments build` leaves them out unless
    # --unit-tests): this is where the test suite runs every one of them, once
    unit_tests = json.loads((target / "manifest.json").read_text())["unit_tests"]
    ran = [
        r["unique_id"]
        for r in json.loads((target / "run_results.json").read_text())["results"]
        if r["unique_id"].startswith("unit_test.") and r["status"] == "pass"
    ]
    assert len(unit_tests) > 50 and sorted(ran) == sorted(unit_tests)
    return target


def dbt_test(target_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`dbt test` with these arguments (a selection, vars) on the demo build of target_path."""
    dbt = Path(sys.executable).parent / "dbt"
    command = ["test", "--profiles-dir", str(PROJECT_DIR), *args]
    with parse_kept(parse_key(command), target_path):
        return subprocess.run(
            [str(dbt), *command],
            cwd=PROJECT_DIR,
            env={**os.environ, "DBT_TARGET_PATH": str(target_path)},
            capture_output=True,
            text=True,
            timeout=900,
        )


#: the invariant data tests of tests/consent on the built marts
CONSENT_TESTS = ("--select", "path:tests/consent")
#: the unique_combination_of_columns tests of two intermediate models
UNIQUE_KEY_TESTS = (
    "--select",
    "test_name:unique_combination_of_columns,int_customer_consents_current",
    "test_name:unique_combination_of_columns,int_contact_pair_matches",
)
#: the tables of the view int_contacts_standardized
STANDARDIZED_PARTS = ("int_contacts_standardized_part_a", "int_contacts_standardized_part_b")
ONE_SCAN_TESTS = (
    "test_name:columns_not_null,int_customer_consents_current",
    "test_name:columns_not_null,int_contact_pair_matches",
    "accepted_values_int_contacts_standardized",
    "accepted_values_int_contact_pairs_compared",
)


@pytest.mark.e2e
def test_audience_invariants_hold_and_catch_violations(embedded_pg, demo_marts: Path) -> None:
    """The invariant tests pass on the build, and fail once rows that break them are planted."""
    passed = dbt_test(demo_marts, *CONSENT_TESTS)
    assert passed.returncode == 0, passed.stdout[-3000:]
    queries = {
        "suppressed": "select customer_id from intermediate.int_suppressions_resolved"
        " where is_active and suppression_level = 'person' and reason = 'fraud'",
        "control": "select customer_id from marts.global_control_group",
        "no_grant": "select customer_id from marts.customer_consent"
        " where channel = 'email' and purpose = 'marketing' and consent_state = 'unknown'"
        " and customer_id not in (select customer_id from marts.global_control_group)",
        "erased": "select customer_id from marts.customers where is_erased",
    }
    with psycopg.connect(embedded_pg.url, autocommit=True) as conn:
        picked: dict[str, str] = {}
        for case, query in queries.items():
            row = conn.execute(query + " order by 1 limit 1").fetchone()
            assert row, f"the demo data has no {case} case"
            picked[case] = row[0]
        for case in ("suppressed", "control", "no_grant"):
            conn.execute(
                "insert into marts.campaign_audience values"
                " (%s, 'email', %s, 'email', false, null, null, 0, 0, now())",
                (picked[case], f"{case}@planted.example"),
            )
        conn.execute(
            "update marts.customers set email = 'back@planted.example' where customer_id = %s",
            (picked["erased"],),
        )
        try:
            failed = dbt_test(demo_marts, *CONSENT_TESTS)
        finally:
            conn.execute(
                "delete from marts.campaign_audience where address like '%@planted.example'"
            )
            conn.execute(
                "update marts.customers set email = null where customer_id = %s",
                (picked["erased"],),
            )
    assert failed.returncode != 0
    for test in (
        "assert_audience_has_current_marketing_grant",
        "assert_audience_not_suppressed",
        "assert_audience_not_in_control_group",
        "assert_no_erased_pii_in_marts",
    ):
        assert re.search(rf"FAIL \d+ {test}", failed.stdout), test


@pytest.mark.e2e
def test_key_not_null_and_value_tests_catch_planted_rows(embedded_pg, demo_marts: Path) -> None:
    """A planted duplicate key fails the test whichever way it counts the keys, and the other
    model's test passes: with the var at 0 both tests sort the keys, by default (the demo's
    tables are small) both hash them. A planted row without a channel fails the model's one
    not-null test (columns_not_null), and only that row: the other model's passes. Two values
    outside their lists on one contact record fail the model's one accepted-values test
    (columns_accepted_values) twice; the pair model's passes."""
    target = demo_marts / "unique_keys"
    compiled = target / "run" / "crm_segments" / "models" / "intermediate"
    with psycopg.connect(embedded_pg.url, autocommit=True) as conn:
        planted = conn.execute(
            "insert into intermediate.int_customer_consents_current"
            " select * from intermediate.int_customer_consents_current"
            " order by customer_id, channel, purpose limit 1 returning ctid::text"
        ).fetchone()
        assert planted
        # a second copy, then without its channel (a key of its own: the unique test ignores it)
        copied = conn.execute(
            "insert into intermediate.int_customer_consents_current"
            " select * from intermediate.int_customer_consents_current"
            " order by customer_id, channel, purpose offset 1 limit 1 returning ctid::text"
        ).fetchone()
        conn.execute(
            "update intermediate.int_customer_consents_current set channel = null"
            " where ctid = %s::tid",
            copied,
        )
        # a contact record with a phone type and a script outside their lists
        outside = conn.execute(
            "select contact_key, phone_type, name_script"
            " from intermediate.int_contacts_standardized order by contact_key limit 1"
        ).fetchone()
        assert outside
        # the view int_contacts_standardized unites two tables: the record is in one of them
        for part in STANDARDIZED_PARTS:
            conn.execute(
                f"update intermediate.{part}"
                " set phone_type = 'pager', name_script = 'runic' where contact_key = %s",
                (outside[0],),
            )
        try:
            for rows, sorting in ((0, 2), (None, 0)):
                # the var decides whether a test sorts the keys (a table of that many rows or
                # more) or hashes them; None: its default (5,000,000), as the build had it
                var = {"unique_test_sort_min_rows": rows}
                given = () if rows is None else ("--vars", json.dumps(var))
                run = dbt_test(target, *UNIQUE_KEY_TESTS, *ONE_SCAN_TESTS, *given)
                assert run.returncode != 0, run.stdout[-3000:]
                assert re.search(
                    r"FAIL 1 crm_segments_unique_combination_of_columns_"
                    r"int_customer_consents_current",
                    run.stdout,
                ), run.stdout[-3000:]
                assert re.search(
                    r"PASS crm_segments_unique_combination_of_columns_int_contact_pair_matches",
                    run.stdout,
                ), run.stdout[-3000:]
                assert re.search(
                    r"FAIL 1 crm_segments_columns_not_null_int_customer_consents_current",
                    run.stdout,
                ), run.stdout[-3000:]
                assert re.search(
                    r"PASS crm_segments_columns_not_null_int_contact_pair_matches", run.stdout
                ), run.stdout[-3000:]
                assert re.search(r"FAIL 2 accepted_values_int_contacts_standardized", run.stdout), (
                    run.stdout[-3000:]
                )
                assert re.search(r"PASS accepted_values_int_contact_pairs_compared", run.stdout), (
                    run.stdout[-3000:]
                )
                tests = [p.read_text() for p in compiled.rglob("*unique_combinatio*.sql")]
                assert len(tests) == 2
                assert sum("sorted_keys" in sql_text for sql_text in tests) == sorting, rows
        finally:
            conn.execute(
                "delete from intermediate.int_customer_consents_current"
                " where ctid = %s::tid or channel is null",
                planted,
            )
            for part in STANDARDIZED_PARTS:
                conn.execute(
                    f"update intermediate.{part}"
                    " set phone_type = %s, name_script = %s where contact_key = %s",
                    (outside[1], outside[2], outside[0]),
                )


@pytest.mark.e2e
def test_mart_rules_are_constraints_of_the_published_tables(embedded_pg, demo_marts: Path) -> None:
    """A mart's key, value lists, ranges and cross-column rules are constraints of its contract
    (not data tests): the published version's tables carry them - every mart its primary key,
    added after the rows (macro postgres__create_table_as) - and refuse a row that breaks one."""
    with psycopg.connect(embedded_pg.url) as conn:
        version = conn.execute(
            "select version_schema from marts__publish.versions where state = 'current'"
        ).fetchone()
        assert version
        keyed = {
            table: definition
            for table, definition in conn.execute(
                "select conrelid::regclass::text, pg_get_constraintdef(oid) from pg_constraint"
                " where contype = 'p' and connamespace = %s::regnamespace",
                (version[0],),
            )
        }
        assert len(keyed) == len(mart_columns(demo_marts)) == 21, keyed
        assert keyed[f"{version[0]}.campaign_performance"] == "PRIMARY KEY (campaign_id)"
        with pytest.raises(psycopg.errors.UniqueViolation), conn.transaction():
            conn.execute(
                sql.SQL("insert into {} select * from {} limit 1").format(
                    sql.Identifier(version[0], "customers"), sql.Identifier(version[0], "customers")
                )
            )
        checks = {
            (table, definition)
            for table, definition in conn.execute(
                "select conrelid::regclass::text, pg_get_constraintdef(oid) from pg_constraint"
                " where contype = 'c' and connamespace = %s::regnamespace",
                (version[0],),
            )
        }
        tables = {table.split(".")[-1] for table, _ in checks}
        assert {"campaign_performance", "customer_segments", "dq_scorecard"} <= tables, checks
        breaks = {
            "campaign_performance": "verdict = 'great'",
            "nps_by_segment": "responses = responses + 1",
            "dq_scorecard": "validity = 1.5",
        }
        for table, change in breaks.items():
            with pytest.raises(psycopg.errors.CheckViolation), conn.transaction():
                conn.execute(
                    sql.SQL("update {} set " + change).format(sql.Identifier(version[0], table))
                )


@pytest.mark.e2e
def test_roles_on_embedded_server(embedded_pg, demo_marts: Path) -> None:
    tmp_path = demo_marts

    def connect(role: str) -> psycopg.Connection:
        password = None if role == "postgres" else PASSWORD
        return psycopg.connect(
            embedded_pg.url.replace("postgres@", f"{role}@"), password=password, autocommit=True
        )

    assert_role_privileges(connect, mart_columns(tmp_path))
    # the versions behind the public marts are not readable by the consumer roles
    with connect("postgres") as conn:
        row = conn.execute(
            "select version_schema from marts__publish.versions where state = 'current'"
        )
        version_schema = row.fetchone()[0]  # type: ignore[index]
    for role in ("crm_bi", "crm_campaign"):
        for schema in (version_schema, "marts__build"):
            query = sql.SQL("select 1 from {}").format(sql.Identifier(schema, "customers"))
            assert not can_select(connect, role, query), (role, schema)


@pytest.mark.e2e
@pytest.mark.pg15
def test_roles_on_a_normal_server(tmp_path: Path) -> None:
    bin_dir = find_pg_bin()
    if bin_dir is None:
        pytest.skip("no Debian PostgreSQL server binaries (apt-get install postgresql)")
    with external_server(bin_dir) as server:
        env = server.env()
        loaded = run_cli("load", "seeds/demo", env=env)
        assert loaded.returncode == 0, loaded.stderr
        roles = run_cli("db", "roles", "--password", PASSWORD, env=env)
        assert roles.returncode == 0, roles.stdout + roles.stderr
        # the operator's command against the `postgres` target (the embedded build above is a
        # plain `dbt build`): one whole build on this server serves both checks
        built = run_cli("build", env={**env, "DBT_TARGET_PATH": str(tmp_path)})
        assert built.returncode == 0, built.stdout[-4000:] + built.stderr[-2000:]
        assert "target 'postgres'" in built.stdout
        assert "published version 1" in built.stdout
        assert_every_row_accounted_for(server.url)

        def connect(role: str) -> psycopg.Connection:
            return psycopg.connect(
                host=server.host, port=server.port, dbname=server.dbname, user=role,
                password=PASSWORD, autocommit=True,
            )  # fmt: skip

        assert_role_privileges(connect, mart_columns(tmp_path))


# ---------------------------------------------------------------------------------------------
# erasure everywhere the project writes (issue 11), on the same published demo build; these
# tests come last in the module: the second one redacts the raw data
# ---------------------------------------------------------------------------------------------
# the resolution chain, models only (its data tests ran in the whole build of demo_marts)
RESOLUTION = ["+customer_source_map", "+customers", "+dq_quarantine", *MODELS_ONLY]


def erased_identifiers(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return erasure_check.erased_identifiers(conn)


def find_anywhere(url: str, values: list[str], *, include_raw: bool) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return erasure_check.find_anywhere(conn, values, include_raw=include_raw)


@pytest.mark.e2e
def test_erased_persons_data_is_nowhere_the_project_writes(embedded_pg, demo_marts: Path) -> None:
    """After a published build, no schema the project writes (staging, intermediate, the build
    and published marts, kept versions, stored test failures, clusters) holds an erased person's
    e-mail, phone or national id; only the raw landing zone does."""
    values = erased_identifiers(embedded_pg.url)
    assert len(values) >= 3, "the demo data has erased persons with identifiers"
    assert find_anywhere(embedded_pg.url, values, include_raw=False) == {}
    # the search can fail: it finds each kind of identifier where it still is, the raw landing
    # zone (the raw phone column as typed, with separators; the national ids by their digits)
    in_raw = set(find_anywhere(embedded_pg.url, values, include_raw=True))
    kinds = {f"raw.crm_contacts.{c}" for c in ("email", "phone", "national_id")}
    assert kinds <= in_raw, f"raw still has them: {sorted(in_raw)}"


def test_the_search_reads_phones_not_codes(embedded_pg) -> None:
    """A phone is found however it is typed (separators, 00 or +, trunk prefix, inside JSON),
    but digits glued to a letter are part of a code: a record key RT74-2321963 does not hold
    the national number 742321963 of a phone 0742 321 963 (a false positive of the 1M search).
    """
    forms = erasure_check.phone_forms("0742 321 963", None, None, "RO")
    assert {"40742321963", "0040742321963", "0742321963", "742321963"} <= forms
    values = erasure_check.identifiers_of([(None, "0742 321 963", None, None, None, "RO")])
    stored = {
        "+40 742 321 963": 1,
        "0040-742-321-963": 1,
        "tel.0742.321.963": 1,
        '{"phone": "(0742) 321963"}': 1,
        "RT74-2321963": 0,
        "T0040742321963": 0,
        "a voucher 9742321963": 0,
    }
    schema = "marts_search_probe"  # a written schema's name (marts%), dropped again
    with psycopg.connect(embedded_pg.url, autocommit=True) as conn:
        conn.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(schema)))
        conn.execute(sql.SQL("create schema {}").format(sql.Identifier(schema)))
        try:
            for i, value in enumerate(stored):
                table = sql.Identifier(schema, f"t{i}")
                conn.execute(sql.SQL("create table {} (v text)").format(table))
                conn.execute(sql.SQL("insert into {} values (%s)").format(table), (value,))
            found = {
                key: count
                for key, count in erasure_check.find_anywhere(
                    conn, values, include_raw=False
                ).items()
                if key.startswith(schema + ".")
            }
        finally:
            conn.execute(sql.SQL("drop schema {} cascade").format(sql.Identifier(schema)))
    expected = {f"{schema}.t{i}.v": n for i, n in enumerate(stored.values()) if n}
    assert found == expected


def substring_search(url: str, values: list[str]) -> dict[str, int]:
    """The plain reference: rows whose lower-cased text contains an identifier (`like`)."""
    patterns = [f"%{v.lower()}%" for v in values]
    found: dict[str, int] = {}
    with psycopg.connect(url) as conn:
        for schema, table, column in erasure_check.searched_columns(conn, include_raw=True):
            query = sql.SQL("select count(*) from {} where lower({}::text) like any(%s)").format(
                sql.Identifier(schema, table), sql.Identifier(column)
            )
            row = conn.execute(query, (patterns,)).fetchone()
            if row and row[0]:
                found[f"{schema}.{table}.{column}"] = int(row[0])
    return found


@pytest.mark.e2e
def test_the_search_finds_what_a_substring_search_finds(embedded_pg, demo_marts: Path) -> None:
    """The token search (linear at any scale) misses nothing a `like '%id%'` search for the
    stored forms of the identifiers finds (the e-mail, the phone as typed and in E.164, the
    national id of 60 contact records), in every table, raw included; it may find more (the
    same phone or passport typed another way)."""
    with psycopg.connect(embedded_pg.url) as conn:
        records = erasure_check.contact_records(conn, sample=60)
    stored = sorted(
        {v.strip() for record in records for v in record[:4] if v and len(v.strip()) >= 8}
    )
    expected = substring_search(embedded_pg.url, stored)
    found = find_anywhere(embedded_pg.url, erasure_check.identifiers_of(records), include_raw=True)
    assert len(expected) > 10, "the identifiers stand in many tables"
    missed = {p: (n, found.get(p, 0)) for p, n in expected.items() if found.get(p, 0) < n}
    assert not missed, f"rows the token search misses (like, tokens): {missed}"


@pytest.mark.e2e
def test_purge_raw_and_a_record_sent_again(embedded_pg, demo_marts: Path, tmp_path: Path) -> None:
    """`erase --purge-raw` redacts the raw rows too (keys kept, logged); after a build nothing
    anywhere holds the identifiers; a record of an erased person that a source system sends
    again is found by the hashed erasure request and erased again."""
    values = erased_identifiers(embedded_pg.url)
    assert ERASED_EMAIL in values  # the request by e-mail reached its person
    with psycopg.connect(embedded_pg.url) as conn:
        found = conn.execute(
            "select * from raw.crm_contacts where lower(trim(email)) = %s "
            "order by source_system, source_record_id limit 1",
            (ERASED_EMAIL,),
        )
        columns = [c.name for c in found.description or []]
        record = dict(zip(columns, found.fetchone() or (), strict=False))
    assert record, "the demo has a contact record with that e-mail"
    purged = run_cli("erase", "--purge-raw")
    assert purged.returncode == 0, purged.stdout + purged.stderr
    assert "raw rows of" in purged.stdout
    # what reads the redacted raw rows (the tables scrubbed by the last publish stay scrubbed)
    built = run_cli("build", "--select", *RESOLUTION)
    assert built.returncode == 0, built.stdout[-4000:] + built.stderr[-2000:]
    assert find_anywhere(embedded_pg.url, values, include_raw=True) == {}
    with psycopg.connect(embedded_pg.url) as conn:
        logged = conn.execute(
            "select table_name, row_count from raw._crm_load_log where mode = 'erase'"
        ).fetchall()
        assert dict(logged)["crm_contacts"] > 0
        hashed = conn.execute(
            "select count(*) from raw.suppressions where scope_value like 'sha256:%'"
        ).fetchone()
        assert hashed is not None and hashed[0] > 0
    # the source system sends the person again: the hashed request erases them again
    contract = {k: v for k, v in record.items() if k in RAW_TABLES["crm_contacts"]}
    resent = {**contract, "source_system": "web", "source_record_id": "resent-after-erasure"}
    (tmp_path / "again").mkdir()
    with (tmp_path / "again" / "crm_contacts.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(RAW_TABLES["crm_contacts"]))
        writer.writeheader()
        writer.writerow({k: record.get(k) or "" for k in RAW_TABLES["crm_contacts"]} | resent)
    assert run_cli("load", str(tmp_path / "again"), "--append").returncode == 0
    rebuilt = run_cli("build", "--select", *RESOLUTION)
    assert rebuilt.returncode == 0, rebuilt.stdout[-4000:] + rebuilt.stderr[-2000:]
    with psycopg.connect(embedded_pg.url) as conn:
        row = conn.execute(
            "select customers.is_erased, customers.email "
            "from marts__build.customer_source_map as map "
            "join marts__build.customers as customers using (customer_id) "
            "where map.source_record_id = 'resent-after-erasure'"
        ).fetchone()
    assert row == (True, None)
