"""Project conventions checked on dbt's manifest (STYLE.md points 3-5, 9)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from .conftest import PROJECT_DIR

PK_TESTS = {"unique", "unique_combination_of_columns"}


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


def data_tests_on(unique_id: str) -> list[dict[str, Any]]:
    nodes = manifest()["nodes"].values()
    return [
        n for n in nodes if n["resource_type"] == "test" and unique_id in n["depends_on"]["nodes"]
    ]


def test_every_model_is_documented() -> None:
    missing = [m["name"] for m in models() if not m["description"].strip()]
    assert not missing, f"models without a description: {missing}"
    undocumented = [
        f"{m['name']}.{c}" for m in models() for c, col in m["columns"].items()
        if not col["description"].strip()
    ]  # fmt: skip
    assert not undocumented, f"columns without a description: {undocumented}"


def test_every_model_has_a_primary_key_test() -> None:
    without = []
    for model in models():
        if model["name"].startswith("base_"):
            # base views: key unique by construction (row_number), tested through staging and
            # rows_accounted_for instead (see models/staging/crm/base/_crm__base_models.yml)
            continue
        names = {
            (t.get("test_metadata") or {}).get("name") for t in data_tests_on(model["unique_id"])
        }
        if not names & PK_TESTS:
            without.append(model["name"])
    assert not without, f"models without a unique / unique_combination_of_columns test: {without}"


def test_layers() -> None:
    for model in models():
        path = model["original_file_path"]
        sources = model["depends_on"]["nodes"]
        reads_source = any(n.startswith("source.") for n in sources)
        if reads_source:
            assert "/staging/" in path, f"{model['name']} reads a source outside staging"
        if "/marts/" in path:
            assert not any(".stg_" in n or ".base_" in n for n in sources), (
                f"mart {model['name']} reads staging directly"
            )


@pytest.mark.parametrize("layer", ["marts"])
def test_public_marts_have_enforced_contracts(layer: str) -> None:
    marts = [m for m in models() if f"/{layer}/" in m["original_file_path"]]
    assert marts
    for mart in marts:
        assert mart["access"] == "public", mart["name"]
        assert mart["config"]["contract"]["enforced"], mart["name"]
        for name, column in mart["columns"].items():
            assert column.get("data_type"), f"{mart['name']}.{name} has no data_type"
