"""The project's dbt vars: defaults from ``dbt_project.yml``, checked against ``vars_schema.yml``.

Every command that passes ``--vars`` to dbt validates them here first, so a typo or a wrong value
is an error in a second (exit 2, one line naming the var) instead of a traceback or a failure
after minutes of building.
"""

from __future__ import annotations

import difflib
import re
from datetime import date
from functools import cache
from typing import Any

import yaml

from crm_segments.errors import VarsError
from crm_segments.project import project_dir

SCHEMA_FILE = "vars_schema.yml"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@cache
def schema() -> dict[str, dict[str, Any]]:
    """var name -> its schema (from ``vars_schema.yml``)."""
    data = yaml.safe_load((project_dir() / SCHEMA_FILE).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise VarsError(f"{SCHEMA_FILE} must be a mapping of var names to schemas")
    return {str(k): dict(v) for k, v in data.items()}


@cache
def _defaults() -> dict[str, Any]:
    data = yaml.safe_load((project_dir() / "dbt_project.yml").read_text(encoding="utf-8"))
    return dict(data.get("vars") or {})


def defaults() -> dict[str, Any]:
    """The vars of ``dbt_project.yml`` (a copy)."""
    return dict(_defaults())


def parse(vars_yaml: str | None) -> dict[str, Any]:
    """A ``--vars`` string (YAML mapping) -> dict; invalid YAML or a non-mapping is an error."""
    if not vars_yaml or not vars_yaml.strip():
        return {}
    try:
        data = yaml.safe_load(vars_yaml)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise VarsError(f"--vars is not valid YAML{where}: {problem}: {vars_yaml!r}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        example = "\"{as_of_date: '2026-10-31'}\""
        raise VarsError(f"--vars must be a YAML mapping like {example}, got {vars_yaml!r}")
    return {str(k): v for k, v in data.items()}


def nearest(name: str, candidates: list[str]) -> str | None:
    """The closest known name (difflib), if any is close enough to be a likely typo."""
    matches = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return matches[0] if matches else None


def _type_error(name: str, value: Any, wanted: str) -> VarsError:
    return VarsError(f"var {name}: {value!r} is not {wanted}")


def check_value(name: str, value: Any, spec: dict[str, Any]) -> None:
    """Raise VarsError when ``value`` does not satisfy ``spec`` (one var, or one element)."""
    kind = spec.get("type", "string")
    if value is None:
        if spec.get("nullable") or kind == "as_of":
            return
        raise VarsError(f"var {name}: may not be null")
    if kind == "identifier":
        if not isinstance(value, str) or not _IDENTIFIER.match(value):
            raise _type_error(name, value, "a plain identifier (letters, digits, _)")
    elif kind == "string":
        if not isinstance(value, str):
            raise _type_error(name, value, "a text")
        pattern = spec.get("pattern")
        if pattern and not re.match(pattern, value):
            raise _type_error(name, value, f"a text matching {pattern}")
    elif kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise _type_error(name, value, "a whole number")
    elif kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _type_error(name, value, "a number")
    elif kind == "boolean":
        if not isinstance(value, bool):
            raise _type_error(name, value, "true or false")
    elif kind in ("date", "month", "as_of"):
        _check_date(name, value, kind)
    elif kind == "list":
        if not isinstance(value, list):
            raise _type_error(name, value, "a list, e.g. [a, b]")
        if len(value) < int(spec.get("min_items", 0)):
            raise VarsError(f"var {name}: needs at least {spec['min_items']} item(s)")
        for i, item in enumerate(value):
            check_value(f"{name}[{i}]", item, spec.get("items", {"type": "string"}))
    elif kind == "mapping":
        if not isinstance(value, dict):
            raise _type_error(name, value, "a mapping, e.g. {key: value}")
        if len(value) < int(spec.get("min_items", 0)):
            raise VarsError(f"var {name}: needs at least {spec['min_items']} entries")
        if "values" in spec:
            for key, item in value.items():
                check_value(f"{name}.{key}", item, spec["values"])
    else:
        raise VarsError(f"{SCHEMA_FILE}: var {name} has an unknown type {kind!r}")
    allowed = spec.get("allowed")
    if allowed is not None and value not in allowed:
        raise VarsError(f"var {name}: {value!r} is not one of {', '.join(map(str, allowed))}")
    low, high = spec.get("min"), spec.get("max")
    if low is not None and value < low:
        raise VarsError(f"var {name}: {value!r} is below its minimum {low}")
    if high is not None and value > high:
        raise VarsError(f"var {name}: {value!r} is above its maximum {high}")


def _check_date(name: str, value: Any, kind: str) -> None:
    if kind == "as_of" and value == "today":
        return
    text = value.isoformat() if isinstance(value, date) else value
    wanted = {
        "date": "a date YYYY-MM-DD",
        "month": "the first day of a month, YYYY-MM-01",
        "as_of": "a date YYYY-MM-DD, 'today' or null (from the data)",
    }[kind]
    if not isinstance(text, str) or not _DATE.match(text):
        raise _type_error(name, value, wanted)
    try:
        parsed = date.fromisoformat(text)
    except ValueError as exc:
        raise _type_error(name, value, wanted) from exc
    if kind == "month" and parsed.day != 1:
        raise _type_error(name, value, wanted)


def validate(overrides: dict[str, Any]) -> dict[str, Any]:
    """Check ``overrides`` against the schema; return the merged vars (defaults + overrides).

    Cross-var rules that a single schema line cannot say are checked here too.
    """
    known = schema()
    for name, value in overrides.items():
        if name not in known:
            hint = nearest(name, sorted(known))
            suggestion = f" (did you mean {hint}?)" if hint else ""
            raise VarsError(f"unknown var {name!r}{suggestion}; the vars are listed in README.md")
        check_value(name, value, known[name])
    merged = {**defaults(), **overrides}
    pairs = [
        ("min_valid_year", "max_valid_year"),
        ("cluster_k_min", "cluster_k_max"),
        ("name_short_min_length", "name_long_min_length"),
        ("roi_pays_back_pct", "roi_strong_pct"),
        ("nps_detractor_max_score", "nps_promoter_min_score"),
    ]
    for low, high in pairs:
        if None not in (merged.get(low), merged.get(high)) and merged[low] > merged[high]:
            raise VarsError(f"var {low} ({merged[low]}) must not exceed {high} ({merged[high]})")
    as_of = merged.get("as_of_date")
    if as_of not in (None, "today"):
        # the monthly facts' month spine covers the valid years (the dbt macro
        # checked_as_of_date says the same to a plain dbt run)
        year = date.fromisoformat(str(as_of)).year
        low, high = merged["min_valid_year"], merged["max_valid_year"]
        if not low <= year <= high:
            raise VarsError(
                f"var as_of_date: {as_of} is outside the valid years {low}-{high} "
                "(vars min_valid_year, max_valid_year)"
            )
    return merged


def checked(vars_yaml: str | None) -> dict[str, Any]:
    """Parse and validate a ``--vars`` string; return the overrides only (for dbt)."""
    overrides = parse(vars_yaml)
    validate(overrides)
    return overrides


def value(name: str, overrides: dict[str, Any] | None = None) -> Any:
    """The effective value of one var (override, else the project default)."""
    if overrides and name in overrides:
        return overrides[name]
    return _defaults().get(name)
