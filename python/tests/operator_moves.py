"""The operator's moves on an embedded server of a test module's own: shared by
test_operator_loop.py (every state equals a full refresh) and test_publish.py (write - audit -
publish). Each module gets its own server, so that pytest-xdist runs the two side by side."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from crm_segments import db
from crm_segments.contract import RAW_TABLES
from crm_segments.synth.generate import generate

from .conftest import run_cli


@contextmanager
def own_server(pgdata: Path, name: str) -> Iterator[dict[str, str]]:
    """An embedded server of the module's own, and the env that points the CLI at it (with
    dbt target and log paths of its own)."""
    status = db.start_embedded(pgdata)
    env = {
        "CRM_SEGMENTS_PGDATA": str(pgdata),
        "CRM_SEGMENTS_TARGET": "embedded",
        "DBT_TARGET_PATH": f"target_test_{name}",
        "DBT_LOG_PATH": f"target_test_{name}/logs",
        **db.embedded_env(status),
    }
    try:
        yield {**env, "url": status.url}
    finally:
        db.stop_embedded(pgdata)


def extracts_a_and_b(base: Path) -> tuple[Path, Path]:
    """The operator's two extracts: A (150 customers) and B (400, other persons), generated."""
    extract_a, extract_b = base / "a", base / "b"
    generate(150, 101, extract_a, progress=False)
    generate(400, 202, extract_b, progress=False)
    return extract_a, extract_b


def cli(server: dict[str, str], *args: str) -> str:
    """Run the CLI against the module's server; it must succeed; its output."""
    env = {k: v for k, v in server.items() if k != "url"}
    result = run_cli(*args, env=env)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    return result.stdout


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def write_rows(path: Path, table: str, rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(RAW_TABLES[table]), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def daily_batch(extract: Path, out: Path) -> set[str]:
    """A day of new data for extract B: transactions (a few with keys loaded before),
    withdrawals, records of known persons, and a newer version of a record loaded before.
    Returns the contact keys (source_system:source_record_id) of its contact records."""
    contacts = [
        r for r in read_rows(extract / "crm_contacts.csv") if r["email"] and r["account_id"]
    ]
    day_contacts = [
        {**r, "source_system": "web", "source_record_id": f"day-{i}", "account_id": ""}
        for i, r in enumerate(contacts[:15])
    ]
    # the same record id, updated later with a new e-mail: the version kept from now on
    day_contacts.append(
        {**contacts[15], "email": "moved.on@example.org", "updated_at": "2026-10-31 10:00:00"}
    )
    write_rows(out / "crm_contacts.csv", "crm_contacts", day_contacts)
    transactions = read_rows(extract / "transactions.csv")[:40]
    known = [r for r in read_rows(extract / "transactions.csv") if r["transaction_id"]][40:44]
    write_rows(
        out / "transactions.csv",
        "transactions",
        [
            {**r, "transaction_id": f"day-{i}", "transaction_at": "2026-10-31 12:00:00"}
            for i, r in enumerate(transactions)
        ]
        # keys already loaded (the incremental staging ranks their partitions again): an exact
        # copy, the same id without an amount (its raw record sorts first: it becomes the row
        # kept, and the one loaded before goes to the quarantine), and rows without an id,
        # which join the partition of earlier rows without one
        + [
            known[0],
            {**known[1], "amount": ""},
            {**known[2], "transaction_id": ""},
            {**known[3], "transaction_id": "  "},
        ],
    )
    events = [r for r in read_rows(extract / "consent_events.csv") if r["event_id"]][:30]
    write_rows(
        out / "consent_events.csv",
        "consent_events",
        [
            {**r, "event_id": f"day-{i}", "action": "withdraw", "event_at": "2026-10-31 09:00:00"}
            for i, r in enumerate(events)
        ],
    )
    return {
        f"{r['source_system'].strip().lower()}:{r['source_record_id'].strip()}"
        for r in day_contacts
    }


def corrected_usage(extract: Path, out: Path) -> int:
    """The usage file of extract B with the revenue of August 2026 doubled (a billing fix)."""
    rows = read_rows(extract / "usage_monthly.csv")
    changed = 0
    for row in rows:
        if row["billing_month"].startswith("2026-08") and row["revenue"]:
            try:
                row["revenue"] = f"{float(row['revenue']) * 2:.2f}"
                changed += 1
            except ValueError:
                pass  # a deliberately unreadable number stays as it is
    write_rows(out / "usage_monthly.csv", "usage_monthly", rows)
    return changed
