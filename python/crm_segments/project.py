"""Locating the dbt project that the CLI works on."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from crm_segments.errors import ProjectNotFound

PROJECT_NAME = "crm_segments"


def _is_project(path: Path) -> bool:
    marker = path / "dbt_project.yml"
    return marker.is_file() and f"name: '{PROJECT_NAME}'" in marker.read_text(encoding="utf-8")


@cache
def project_dir() -> Path:
    """The dbt project directory.

    ``CRM_SEGMENTS_PROJECT_DIR`` wins; otherwise the current directory or one of its parents;
    otherwise the checkout this package was installed from (editable install).
    """
    env = os.environ.get("CRM_SEGMENTS_PROJECT_DIR")
    if env:
        path = Path(env).resolve()
        if not _is_project(path):
            raise ProjectNotFound(f"CRM_SEGMENTS_PROJECT_DIR={env} holds no crm_segments project")
        return path
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if _is_project(candidate):
            return candidate
    source_checkout = Path(__file__).resolve().parents[2]
    if _is_project(source_checkout):
        return source_checkout
    raise ProjectNotFound(
        "no crm_segments dbt project found: run from the project directory "
        "or set CRM_SEGMENTS_PROJECT_DIR"
    )
