"""crm_segments installed as a dbt package (issue 14), on one small build that the semantic
layer and the report reuse.

`integration_tests/` is a consumer project (``packages: - local: ../``, like dbt-utils'
integration tests) that moves every schema of the package through vars: raw, staging,
intermediate, marts (and so the marts' build schema and publishing), clusters. A copy of it,
pointing at this checkout, is built with plain ``dbt deps`` + ``dbt build`` on a tiny generated
dataset loaded into its raw schema, on its own embedded server. Then:

- every object lands in the consumer's schemas and none in the package's defaults; the whole
  build published the marts into the consumer's marts schema; the consumer's own model reads a
  package mart;
- the semantic layer: ``mf validate-configs`` and the README's ``mf query`` examples run in
  the consumer project (the package's semantic models, metrics and time spine come along);
- ``crm-segments report`` on the consumer's published marts renders in headless Chromium with
  every chart drawn and no script error; the screenshot stays in target/.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import yaml

from crm_segments import db
from crm_segments.synth.generate import generate

from .browser import render, screenshot
from .conftest import PROJECT_DIR, run_cli

CONSUMER = PROJECT_DIR / "integration_tests"
BIN = Path(sys.executable).parent
#: schema of the consumer's own model: profile schema `consumer` + its +schema, dbt's default
CONSUMER_REPORTING = "consumer_consumer_reporting"


def consumer_vars() -> dict[str, str]:
    project = yaml.safe_load((CONSUMER / "dbt_project.yml").read_text(encoding="utf-8"))
    return dict(project["vars"]["crm_segments"])


@pytest.fixture(scope="module")
def consumer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """The consumer project built on its own embedded server (one build for the module)."""
    root = tmp_path_factory.mktemp("consumer")
    pgdata = root / "pgdata"
    status = db.start_embedded(pgdata)
    project = root / "project"
    shutil.copytree(
        CONSUMER, project, ignore=shutil.ignore_patterns("target", "dbt_packages", "logs")
    )
    (project / "packages.yml").write_text(f"packages:\n  - local: {PROJECT_DIR}\n")
    shutil.copyfile(project / "profiles.example.yml", project / "profiles.yml")
    env = {
        **os.environ,
        "CRM_SEGMENTS_PGDATA": str(pgdata),
        "CRM_SEGMENTS_TARGET": "embedded",
        "DBT_PROFILES_DIR": str(project),
        "DBT_TARGET_PATH": "target",
        "DBT_LOG_PATH": "target/logs",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        **db.embedded_env(status),
    }
    env.pop("CRM_SEGMENTS_PUBLISH", None)
    names = consumer_vars()
    data = root / "data"
    generate(60, 7, data, progress=False)
    cli_env = {k: v for k, v in env.items() if k.startswith(("CRM_SEGMENTS", "DBT_"))}
    cli_env["DBT_TARGET_PATH"] = str(root / "cli_target")
    # the CLI (load, report) runs in this checkout with its own profile, on the consumer's server
    cli_env["DBT_PROFILES_DIR"] = str(db.profiles_dir())
    loaded = run_cli("load", str(data), "--raw-schema", names["raw_schema"], env=cli_env)
    assert loaded.returncode == 0, loaded.stderr

    def dbt(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / "dbt"), *args], cwd=project, env=env, capture_output=True, text=True,
            timeout=1800, check=False,
        )  # fmt: skip

    deps = dbt("deps")
    assert deps.returncode == 0, deps.stdout[-3000:]
    # the package's unit tests run once in test_roles.py; here they would add a minute
    built = dbt("build", "--exclude-resource-type", "unit_test")
    try:
        assert built.returncode == 0, built.stdout[-8000:]
        yield {
            "project": project, "env": env, "url": status.url, "build": built.stdout,
            "names": names, "cli_env": cli_env, "root": root,
        }  # fmt: skip
    finally:
        db.stop_embedded(pgdata)


def schemas(url: str) -> dict[str, set[str]]:
    """Relations per schema of the database (system schemas left out)."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select n.nspname, c.relname from pg_class as c "
            "join pg_namespace as n on n.oid = c.relnamespace "
            "where c.relkind in ('r', 'v', 'p', 'm') and n.nspname not in "
            "('pg_catalog', 'information_schema', 'pg_toast') and n.nspname not like 'pg_temp%'"
        ).fetchall()
    out: dict[str, set[str]] = {}
    for schema, table in rows:
        out.setdefault(schema, set()).add(table)
    return out


@pytest.mark.e2e
def test_schema_vars_are_honoured(consumer: dict[str, object]) -> None:
    names = consumer["names"]
    assert isinstance(names, dict)
    found = schemas(str(consumer["url"]))
    marts = names["marts_schema"]
    assert "stg_crm__contacts" in found[names["staging_schema"]]
    assert "int_contacts_resolved" in found[names["intermediate_schema"]]
    assert "crm_contacts" in found[names["raw_schema"]]
    # the whole `dbt build` published into the consumer's marts schema (on-run-end)
    assert "published version 1" in str(consumer["build"])
    assert {"customers", "customer_segments", "campaign_audience"} <= found[marts]
    assert "customers" in found[f"{marts}__build"]
    assert "customers" in found[f"{marts}__v1"]
    assert "versions" in found[f"{marts}__publish"]
    # the consumer's own model keeps dbt's default naming (<target schema>_<custom schema>):
    # the package's generate_schema_name applies to the package's nodes only
    assert "reach_by_channel" in found[CONSUMER_REPORTING], "the consumer's own model"
    defaults = {"raw", "staging", "intermediate", "marts", "marts__build", "marts__publish"}
    assert not defaults & set(found), (
        f"written into the package's default schemas: {defaults & set(found)}"
    )
    with psycopg.connect(str(consumer["url"])) as conn:
        kind = conn.execute(
            "select c.relkind from pg_class as c join pg_namespace as n on n.oid = c.relnamespace "
            "where n.nspname = %s and c.relname = 'customers'",
            (marts,),
        ).fetchone()
        assert kind == ("p",), "the public mart is the partitioned table of write-audit-publish"
        persons = conn.execute(f'select count(*) from "{marts}".customers').fetchone()
        assert persons and persons[0] > 0
        reach = conn.execute(
            f"select sum(reachable_persons) from {CONSUMER_REPORTING}.reach_by_channel"
        ).fetchone()
        assert reach and reach[0] > 0


def readme_mf_commands() -> list[str]:
    """The `mf ...` lines of the README's semantic-layer examples."""
    readme = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- mf-examples -->")[1].split("<!-- /mf-examples -->")[0]
    commands = [line.strip() for line in block.splitlines() if line.strip().startswith("mf ")]
    assert len(commands) >= 3
    return commands


@pytest.mark.e2e
def test_semantic_layer_validates_and_the_readme_queries_run(consumer: dict[str, object]) -> None:
    project = consumer["project"]
    env = consumer["env"]
    assert isinstance(project, Path) and isinstance(env, dict)
    assert (project / "target" / "semantic_manifest.json").exists()

    def mf(command: str) -> subprocess.CompletedProcess[str]:
        args = [str(BIN / "mf"), *shlex.split(command)[1:]]
        return subprocess.run(
            args, cwd=project, env=env, capture_output=True, text=True, timeout=900, check=False
        )

    validated = mf("mf validate-configs")
    assert validated.returncode == 0, validated.stdout[-4000:] + validated.stderr[-2000:]
    counts = re.findall(r"ERRORS: (\d+)", validated.stdout)  # ERRORS and FUTURE_ERRORS
    assert counts and set(counts) == {"0"}, validated.stdout[-4000:]
    for command in readme_mf_commands():
        result = mf(command)
        assert result.returncode == 0, (
            command + "\n" + result.stdout[-3000:] + result.stderr[-2000:]
        )
        assert not re.search(r"\bERROR\b", result.stdout), command + "\n" + result.stdout[-3000:]
        assert re.search(r"\d", result.stdout), f"{command} printed no figures"


@pytest.mark.e2e
def test_report_of_the_published_marts_draws_in_chromium(consumer: dict[str, object]) -> None:
    names = consumer["names"]
    root = consumer["root"]
    assert isinstance(names, dict) and isinstance(root, Path)
    out = root / "report.html"
    cli_env = consumer["cli_env"]
    assert isinstance(cli_env, dict)
    made = run_cli(
        "report", "--marts-schema", names["marts_schema"], "--out", str(out), env=cli_env
    )
    assert made.returncode == 0, made.stdout + made.stderr
    assert str(out) in made.stdout
    rendered = render(out)
    assert rendered.errors == "", rendered.errors
    charts = rendered.attribute("data-charts")
    assert charts is not None and int(charts) >= 8
    assert rendered.attribute("data-charts-drawn") == charts, "every chart drew"
    screenshot(out, PROJECT_DIR / "target" / "report_consumer.png")
