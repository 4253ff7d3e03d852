"""Project conventions checked on dbt's manifest that dbt-bouncer has no check for (groups and
exposures, the docs overview and semantic layer, one definition where two must exist).

Layers, names, descriptions, primary-key tests, contracts and types on the marts, unit tests on
the rule models, source freshness and the size of a model are dbt-bouncer's
(`dbt-bouncer.yml`, run by `make lint`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

from .conftest import PROJECT_DIR


@cache
def manifest() -> dict[str, Any]:
    """Parse the project (no database needed) and read target_conventions/manifest.json."""
    target = PROJECT_DIR / "target_conventions"
    env = {
        **os.environ,
        "DBT_TARGET_PATH": str(target),
        "DBT_LOG_PATH": str(target / "logs"),
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
    }
    if not (PROJECT_DIR / "profiles.yml").exists():
        (PROJECT_DIR / "profiles.yml").write_text(
            (PROJECT_DIR / "profiles.example.yml").read_text()
        )
    subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "parse", "--no-partial-parse"],
        cwd=PROJECT_DIR, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads((target / "manifest.json").read_text())


def models() -> list[dict[str, Any]]:
    nodes = manifest()["nodes"].values()
    return [
        n for n in nodes if n["resource_type"] == "model" and n["package_name"] == "crm_segments"
    ]


def test_every_public_mart_is_in_a_group_and_exposures_name_their_marts() -> None:
    """Issue 14: groups own the public marts; the report's exposure lists exactly the marts its
    queries read (the campaign marts of issue 13 once they exist)."""
    from crm_segments.report.data import QUERIES

    marts = {m["name"]: m for m in models() if "/marts/" in m["original_file_path"]}
    assert not [name for name, m in marts.items() if not m["config"].get("group")]
    groups = manifest()["groups"].values()
    assert all(g["owner"].get("email") for g in groups)
    exposures = {e["name"]: e for e in manifest()["exposures"].values()}
    assert {"crm_report", "campaign_tool", "bi_segment_dashboards"} <= set(exposures)
    for exposure in exposures.values():
        assert exposure["owner"].get("email") and exposure["depends_on"]["nodes"], exposure["name"]
    report_reads = {mart for mart, _ in QUERIES.values() if mart in marts}
    depends = {n.split(".")[-1] for n in exposures["crm_report"]["depends_on"]["nodes"]}
    assert depends == report_reads
    campaign = {n.split(".")[-1] for n in exposures["campaign_tool"]["depends_on"]["nodes"]}
    assert campaign == {
        n for n, m in marts.items() if m["config"]["meta"].get("campaign_role_reads")
    }


def test_overview_docs_block_and_semantic_layer_are_parsed() -> None:
    docs = manifest()["docs"]
    assert any(
        d["name"] == "__overview__" and d["package_name"] == "crm_segments" for d in docs.values()
    )
    metrics = {m["name"] for m in manifest()["metrics"].values() if m["config"]["enabled"]}
    assert {
        "persons",
        "reachable_persons",
        "audience_size",
        "revenue",
        "arpu",
        "retention_rate",
    } <= metrics
    spines = [m for m in models() if m.get("time_spine")]
    assert [m["name"] for m in spines] == ["time_spine_daily"]


# ---------------------------------------------------------------------------------------------
# one definition: where a definition must live in two places, a test fails when they differ
# ---------------------------------------------------------------------------------------------
def sources(source_name: str) -> dict[str, list[str]]:
    """table -> its documented columns, in order, of one dbt source."""
    return {
        s["name"]: list(s["columns"])
        for s in manifest()["sources"].values()
        if s["source_name"] == source_name
    }


def accepted_values(column: str) -> dict[str, set[str]]:
    """model -> the accepted values of its data test on `column`."""
    out: dict[str, set[str]] = {}
    for node in manifest()["nodes"].values():
        meta = node.get("test_metadata") or {}
        if meta.get("name") == "accepted_values" and node.get("column_name") == column:
            model = node["attached_node"].split(".")[-1]
            out[model] = set(meta["kwargs"]["values"])
    return out


def test_raw_contract_and_the_source_yaml_agree() -> None:
    """The loader's contract (python) and the dbt sources (YAML) name the same columns."""
    from crm_segments.contract import RAW_TABLES

    declared = sources("crm")
    assert set(declared) == {*RAW_TABLES, "_crm_load_log"}
    for table, columns in RAW_TABLES.items():
        assert declared[table] == list(columns), table


def test_cluster_tables_ddl_and_the_source_yaml_agree() -> None:
    """The tables `crm-segments cluster fit` creates are the ones dbt reads: the same columns in
    the DDL, the source YAML and the staging models' optional_source lists (with the types)."""
    import re

    from crm_segments.clusters.store import DDL

    spelled = {"double precision": "float8"}
    created = {
        table: [
            line.strip().rstrip(",").split()
            for line in body.strip().splitlines()
            if not line.strip().startswith(("primary key", "unique"))
        ]
        for table, body in re.findall(
            r"create table if not exists \{schema\}\.(\w+) \((.*?)\n\);", DDL, re.S
        )
    }
    typed = {
        table: [(words[0], spelled.get(" ".join(words[1:3]), words[1])) for words in columns]
        for table, columns in created.items()
    }
    assert typed and {t: [c for c, _ in cs] for t, cs in typed.items()} == sources("clusters")
    staged = {}
    for model in (PROJECT_DIR / "models" / "staging" / "clusters").glob("stg_clusters__*.sql"):
        found = re.search(
            r"optional_source\('clusters', '(\w+)', \[(.*?)\]\) \}\}", model.read_text(), re.S
        )
        assert found, model.name
        staged[found[1]] = re.findall(r"\['(\w+)', '(\w+)'\]", found[2])
    assert staged == typed


def test_code_domains_have_one_definition() -> None:
    """Every coded column of the raw contract (contract.CODE_DOMAINS, which the generator draws
    from) has an accepted_values test on its staging model listing exactly those values, and no
    staging model tests a coded column the contract does not name; quarantine reason codes are
    the seed's."""
    import csv

    from crm_segments.contract import CODE_DOMAINS

    def staging_model(table: str) -> str:
        return "stg_crm__" + table.removeprefix("crm_")

    tested: dict[tuple[str, str], set[str]] = {}
    for node in manifest()["nodes"].values():
        meta = node.get("test_metadata") or {}
        model = (node.get("attached_node") or "").split(".")[-1]
        if meta.get("name") == "accepted_values" and model.startswith("stg_crm__"):
            tested[(model, node["column_name"])] = {str(v) for v in meta["kwargs"]["values"]}
    for (table, column), values in CODE_DOMAINS.items():
        assert tested.pop((staging_model(table), column), None) == set(values), (table, column)
    # what is left are ranges and the loader's own codes, not code domains of the raw data
    assert set(tested) == {
        ("stg_crm__nps_responses", "score"),
        ("stg_crm__table_loads", "load_mode"),
        ("stg_crm__table_loads", "load_action"),
    }, tested
    with (PROJECT_DIR / "seeds" / "reference" / "quarantine_reasons.csv").open() as fh:
        reasons = {row["reason_code"] for row in csv.DictReader(fh)}
    reason_tests = accepted_values("reason_code")
    assert reason_tests and all(v <= reasons for v in reason_tests.values()), reason_tests


def test_no_yaml_file_repeats_a_key() -> None:
    """YAML keeps the last of two equal keys without a word, so a second `constraints:` of one
    model silently replaced its first: d678ee0 dropped three marts' primary keys that way. Every
    YAML file in git is read with a loader that refuses a key its mapping already has."""
    import yaml

    class StrictLoader(yaml.SafeLoader):
        pass

    def mapping(loader: StrictLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            assert key not in seen, f"{key_node.start_mark.name}:{line}: key {key!r} repeated"
            seen.add(key)
        return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)

    StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    files = subprocess.run(
        ["git", "ls-files", "*.yml", "*.yaml"],
        cwd=PROJECT_DIR, check=True, capture_output=True, text=True,
    ).stdout.split()  # fmt: skip
    assert len(files) > 20, files
    for name in files:
        with (PROJECT_DIR / name).open(encoding="utf-8") as fh:
            loader = StrictLoader(fh)
            try:
                loader.get_single_data()
            finally:
                loader.dispose()


def test_macro_linter_reports_findings_at_their_line_in_every_kind_of_body(tmp_path: Path) -> None:
    """tools/sqlfluff_macros.py lints a body that lists CTEs, one that continues a from clause
    and one that calls a macro writing CTEs inside a with clause (the last was whole unparsable,
    so nothing in it was linted); an upper-case keyword in each is reported at its line."""
    (tmp_path / "macros").mkdir()
    (tmp_path / "macros" / "shapes.sql").write_text(
        "{% macro chain_ctes(name, source) -%}\n"  # 1
        "{{ name }}_first as (\n"
        "    select * from {{ source }}\n"
        "),\n"
        "{{ name }}_second as (\n"  # 5
        "    SELECT * from {{ name }}_first\n"
        ")\n"
        "{%- endmacro %}\n"
        "\n"
        "{% macro measures(counts) -%}\n"  # 10
        "cross join lateral (\n"
        "    SELECT {{ counts }}.persons * 2 as doubled\n"
        ") as measured\n"
        "{%- endmacro %}\n"
        "\n"  # 15
        "{% macro standardized(part) -%}\n"
        "with\n"
        "\n"
        "source as (\n"
        "    select * from {{ ref('stg') }}\n"  # 20
        "),\n"
        "\n"
        "{{ crm_segments.chain_ctes('phone', 'source') }},\n"
        "\n"
        "final as (\n"  # 25
        "    SELECT * from phone_second\n"
        ")\n"
        "\n"
        "select * from final\n"
        "{%- endmacro %}\n"  # 30
    )
    tool = PROJECT_DIR / "tools" / "sqlfluff_macros.py"
    result = subprocess.run(
        [sys.executable, str(tool), str(tmp_path / "macros")],
        cwd=PROJECT_DIR, capture_output=True, text=True, check=False,
    )  # fmt: skip
    found = {
        (line.split(":")[1], line.split()[1], line.rsplit("[", 1)[1].rstrip("]"))
        for line in result.stdout.splitlines()
        if "shapes.sql:" in line
    }
    assert found == {
        ("6", "CP01", "chain_ctes"),
        ("12", "CP01", "measures"),
        ("26", "CP01", "standardized"),
    }, result.stdout
    assert result.returncode == 1
    assert "3 macro bodies: 3 findings (0 with a part" in result.stdout
