"""No rule reads the clock (issue 10): the as-of comes from the data unless a var says otherwise.

Static check of every SQL file of the dbt project: a function of the clock (current_date, now(),
current_timestamp, localtimestamp, clock_timestamp(), statement_timestamp(),
transaction_timestamp(), dbt's run_started_at) may only appear in macros/as_of.sql (the
`as_of_date: today` path), in macros/publish.sql (when a version was published: metadata) and in
dq_quarantine's quarantined_at (when the row was quarantined: a run-time stamp, left out of the
operator loop's comparisons). Anywhere else it would make results depend on the day of the build.
"""

from __future__ import annotations

import re

from .conftest import PROJECT_DIR

CLOCK = re.compile(
    r"\b(current_date|current_timestamp|localtimestamp|now\s*\(|clock_timestamp\s*\(|"
    r"statement_timestamp\s*\(|transaction_timestamp\s*\(|run_started_at)",
    re.IGNORECASE,
)
ALLOWED = {
    "macros/as_of.sql": None,  # the whole file: clock_as_of_at
    "macros/publish.sql": None,  # published_at, state_changed_at
    "models/marts/dq/dq_quarantine.sql": "quarantined_at",
}


def _code(text: str) -> str:
    """The SQL without Jinja comments and -- comments (they may name the functions)."""
    text = re.sub(r"\{#.*?#\}", "", text, flags=re.DOTALL)
    return "\n".join(line.split("--")[0] for line in text.splitlines())


def test_no_model_reads_the_clock() -> None:
    offenders = []
    for folder in ("models", "macros", "tests"):
        for path in sorted((PROJECT_DIR / folder).rglob("*.sql")):
            relative = path.relative_to(PROJECT_DIR).as_posix()
            for number, line in enumerate(_code(path.read_text(encoding="utf-8")).splitlines(), 1):
                if not CLOCK.search(line):
                    continue
                if relative in ALLOWED and (ALLOWED[relative] is None or ALLOWED[relative] in line):
                    continue
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert not offenders, "rules must not read the clock:\n" + "\n".join(offenders)


def test_the_check_finds_the_clock() -> None:
    assert CLOCK.search("where event_at <= now()")
    assert CLOCK.search("select current_date - 30")
    assert not CLOCK.search("select {{ crm_segments.as_of_date() }} - 30")
