"""Vars are checked before dbt starts (issue 10): one schema, the defaults, the README table."""

from __future__ import annotations

import re

import pytest
import yaml

from crm_segments import project_vars
from crm_segments.project_vars import VarsError

from .conftest import PROJECT_DIR, run_cli


def test_schema_defaults_and_readme_list_the_same_vars() -> None:
    defaults = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    schema = project_vars.schema()
    assert sorted(defaults) == sorted(schema), "dbt_project.yml vars != vars_schema.yml"
    readme = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    table = "\n".join(line for line in readme.splitlines() if line.startswith("| `"))
    documented = set(re.findall(r"`([a-z][a-z0-9_]*)`", table))
    missing = sorted(set(schema) - documented)
    assert not missing, f"vars missing from the README's vars table: {missing}"
    project_vars.validate({})  # every default satisfies its own schema
    for name, value in defaults.items():
        project_vars.check_value(name, value, schema[name])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{as_of_date: 2026-10-31", "not valid YAML"),
        ("[1, 2]", "must be a YAML mapping"),
        ("{as_of_dat: '2026-10-31'}", "unknown var 'as_of_dat' (did you mean as_of_date?)"),
        ("{as_of_date: banana}", "var as_of_date: 'banana' is not a date YYYY-MM-DD"),
        ("{as_of_date: '2026-02-30'}", "var as_of_date: '2026-02-30' is not a date"),
        ("{max_contacts_30d: 0}", "var max_contacts_30d: 0 is below its minimum 1"),
        ("{max_contacts_30d: 'four'}", "is not a whole number"),
        ("{consent_channels: [email, fax]}", "var consent_channels[1]: 'fax' is not one of"),
        ("{high_end_baseline_month: '2026-05-15'}", "the first day of a month"),
        ("{cluster_k_min: 9}", "var cluster_k_min (9) must not exceed cluster_k_max (8)"),
        ("{marts_schema: 'my marts'}", "not a plain identifier"),
        ("{as_of_date: '2201-01-31'}", "2201-01-31 is outside the valid years 1900-2100"),
        ("{as_of_date: '2026-10-31', min_valid_year: 2027}", "outside the valid years 2027-2100"),
    ],
)
def test_bad_vars_are_clear_errors(text: str, message: str) -> None:
    with pytest.raises(VarsError) as info:
        project_vars.checked(text)
    assert message in str(info.value)


def test_good_vars_pass() -> None:
    checked = project_vars.checked("{as_of_date: 2026-10-31, max_contacts_30d: 3}")
    assert checked["max_contacts_30d"] == 3
    assert project_vars.checked("{as_of_date: today}") == {"as_of_date": "today"}
    assert project_vars.checked("{as_of_date: null}") == {"as_of_date": None}
    assert project_vars.checked("") == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{as_of_date: [", "not valid YAML"),
        ("{as_of_dat: '2026-10-31'}", "did you mean as_of_date?"),
        ("{as_of_date: banana}", "is not a date"),
    ],
)
def test_cli_refuses_bad_vars_before_dbt_starts(text: str, message: str) -> None:
    result = run_cli("build", "--vars", text)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert "dbt build" not in result.stdout  # nothing was built
