"""The `crm-segments` command line."""

from __future__ import annotations

import subprocess
import sys

import psycopg
import pytest

from crm_segments import __version__, project_vars
from crm_segments.cli import _build_extra, build_parser, main

from .conftest import run_cli


def test_help_lists_the_job_commands() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("db", "generate", "load", "build", "demo"):
        assert command in result.stdout


def test_help_imports_no_heavy_library() -> None:
    """`crm-segments --help` answers at once: the errors live in crm_segments.errors, and the
    commands import numpy, pandas, psycopg and dbt only when they run."""
    code = (
        "import sys\nfrom crm_segments.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('numpy', 'pandas', 'psycopg', 'dbt', 'sklearn') "
        "if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_parser_defaults() -> None:
    args = build_parser().parse_args(["load", "some/dir"])
    assert args.append is False and args.replace_all is False and args.force is False
    assert args.raw_schema is None  # resolved when the command runs: the dbt var raw_schema
    assert project_vars.value("raw_schema") == "raw"
    args = build_parser().parse_args(["build", "--select", "a", "b", "--full-refresh"])
    assert args.select == ["a", "b"] and args.full_refresh
    assert build_parser().parse_args(["build"]).profile is None
    assert build_parser().parse_args(["build", "--profile"]).profile == 15
    assert build_parser().parse_args(["build", "--profile", "5"]).profile == 5


def test_profile_lists_the_slowest_nodes_first() -> None:
    from rich.console import Console

    from crm_segments.build import BuildSummary, NodeOutcome, profile_table

    def node(name: str, kind: str, seconds: float) -> NodeOutcome:
        return NodeOutcome(f"{kind} {name}", kind, "success", seconds, name=name)

    first = BuildSummary("build", "embedded", 30.0, True, [node("a", "model", 20.0)])
    second = BuildSummary(
        "build", "embedded", 12.0, True, [node("b", "model", 5.0), node("t", "test", 15.0)]
    )
    console = Console(width=200, record=True)
    console.print(profile_table([first, second], top=2))
    text = " ".join(console.export_text().split())
    assert "slowest nodes of 3 (42s wall clock; model 25s, test 15s)" in text, text
    assert text.index("model a") < text.index("test t"), text
    assert "model b" not in text, text  # only the top 2


def test_a_failing_test_is_described_in_words() -> None:
    """The build summary says what a failing generic test found, for the tests that check
    several columns of a model at once as well."""
    from crm_segments.build import NodeOutcome, describe_test

    def failed(kind: str, failures: int, **kwargs: object) -> NodeOutcome:
        return NodeOutcome(
            f"test {kind}", "test", "fail", 0.1, failures=failures, name=kind, test_kind=kind,
            test_kwargs={"model": "{{ get_where_subquery(ref('int_x')) }}", **kwargs},
        )  # fmt: skip

    assert describe_test(failed("not_null", 1, column_name="a")) == "int_x.a: 1 row without a value"
    assert (
        describe_test(failed("columns_not_null", 3, arguments={"columns": ["a", "b"]}))
        == "int_x: 3 rows without a value in one of a, b"
    )
    values = {"values_by_column": {"a": ["x"], "b": ["y", "z"]}}
    assert (
        describe_test(failed("columns_accepted_values", 2, arguments=values))
        == "int_x: 2 column values outside the accepted lists (a, b)"
    )


def test_builds_leave_the_unit_tests_to_development_unless_asked() -> None:
    """Unit tests check SQL on fixtures; a production build skips them, `--unit-tests` not."""
    routine = _build_extra(build_parser().parse_args(["build"]))
    assert routine[-2:] == ["--exclude-resource-type", "unit_test"]
    asked = _build_extra(build_parser().parse_args(["build", "--unit-tests", "-s", "customers"]))
    assert "unit_test" not in asked and asked[:2] == ["--select", "customers"]


def test_db_commands_on_the_test_server(embedded_pg) -> None:
    status = run_cli("db", "status")
    assert status.returncode == 0
    assert str(embedded_pg.pgdata) in status.stdout
    url = run_cli("db", "url")
    assert url.stdout.strip() == embedded_pg.url
    env = run_cli("db", "env")
    assert "export CRM_SEGMENTS_EMBEDDED_HOST=" in env.stdout
    # everything after `db psql` is psql's; the options of the other actions stay theirs
    psql = run_cli("db", "psql", "-X", "-A", "-t", "-c", "select 40 + 2")
    assert psql.returncode == 0 and psql.stdout.strip() == "42", psql.stdout + psql.stderr
    roles = run_cli("db", "roles", "--password", "cli-test-password")
    assert roles.returncode == 0, roles.stdout + roles.stderr
    with psycopg.connect(
        embedded_pg.url.replace("postgres@", "crm_bi@"), password="cli-test-password"
    ) as conn:
        assert conn.execute("select current_user").fetchone() == ("crm_bi",)


def test_db_status_when_not_running(tmp_path) -> None:
    result = run_cli("db", "status", env={"CRM_SEGMENTS_PGDATA": str(tmp_path / "none")})
    assert result.returncode == 3
    assert "not running" in result.stdout


def test_load_of_a_missing_directory_is_a_clear_error(embedded_pg, tmp_path) -> None:
    result = run_cli("load", str(tmp_path / "missing"))
    assert result.returncode == 2
    assert "not a directory" in result.stderr


def test_one_build_load_or_purge_at_a_time(embedded_pg, tmp_path) -> None:
    """While a build holds the database's run lock, a second build, a load and a purge are
    refused at once, naming the build, and do nothing; once it ends, the next one runs."""
    from crm_segments import db

    with db.exclusive_run(None, "build"):
        with db.connect(None) as conn:
            row = conn.execute(
                "select pid from pg_stat_activity where application_name = 'crm-segments build'"
            ).fetchone()
        assert row
        for args in (("build",), ("load", str(tmp_path / "missing")), ("erase", "--purge-raw")):
            result = run_cli(*args)
            assert result.returncode == 2, (args, result.stdout, result.stderr)
            assert f"crm-segments build (server pid {row[0]}," in result.stderr, (
                args,
                result.stderr,
            )
            assert "is running on this database" in result.stderr, (args, result.stderr)
    result = run_cli("load", str(tmp_path / "missing"))  # the lock is free again
    assert result.returncode == 2
    assert "not a directory" in result.stderr


def test_dbt_parse_is_kept_per_setting(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """dbt saves one parse (target/partial_parse.msgpack) and parses the whole project again
    when the vars or the server change; parse_kept keeps one per setting and puts the right one
    in place. dbt itself is stood in for by writing the file, as dbt does after a parse."""
    from crm_segments.build import parse_kept, parse_key

    monkeypatch.setenv("CRM_SEGMENTS_EMBEDDED_HOST", "/tmp/server-a")
    monkeypatch.delenv("CRM_SEGMENTS_TARGET", raising=False)
    monkeypatch.delenv("CRM_SEGMENTS_PARSE_CACHE", raising=False)
    for name, value in (("USER", "crm"), ("DBNAME", "crm"), ("PASSWORD", "one")):
        monkeypatch.setenv(f"CRM_SEGMENTS_PG_{name}", value)
    plain = parse_key(["build"])
    october = parse_key(["build", "--vars", "{as_of_date: '2026-10-31'}"])
    postgres = parse_key(["build", "--target", "postgres"])
    assert len({plain, october, postgres}) == 3
    assert parse_key(["build", "--select", "customers"]) == plain  # a selection is no setting
    monkeypatch.setenv("CRM_SEGMENTS_PG_PASSWORD", "two")  # never part of the key
    assert parse_key(["build", "--target", "postgres"]) == postgres
    monkeypatch.setenv("CRM_SEGMENTS_PG_DBNAME", "other")  # another database
    assert parse_key(["build", "--target", "postgres"]) != postgres
    monkeypatch.setenv("CRM_SEGMENTS_EMBEDDED_HOST", "/tmp/server-b")  # another server
    assert parse_key(["build"]) != plain

    target = tmp_path / "target"
    saved = target / "partial_parse.msgpack"

    def dbt_run(key: str, parse: bytes | None) -> bytes | None:
        """What dbt found in place; it writes ``parse`` (None: nothing changed, no write)."""
        with parse_kept(key, target):
            found = saved.read_bytes() if saved.exists() else None
            if parse is not None:
                target.mkdir(exist_ok=True)
                saved.write_bytes(parse)
        return found

    assert dbt_run(plain, b"plain") is None  # first run: a full parse, kept
    assert dbt_run(october, b"october") == b"plain"  # other vars: dbt parses in full, kept
    assert dbt_run(plain, None) == b"plain"  # back: the plain parse is put in place
    assert dbt_run(october, None) == b"october"
    assert sorted(p.name for p in (target / "parse_cache").iterdir()) == sorted(
        f"{k}.msgpack" for k in (plain, october)
    )
    # a plain `dbt` run in between replaced the file: the kept one goes back in place
    saved.write_bytes(b"someone else's")
    assert dbt_run(october, None) == b"october"
