"""The demo data's standardized phones and e-mails against the generator's ground truth.

seeds/demo/ goes through the real pipeline (loader, staging, int_contacts_standardized) and
every contact record is checked against the person it was made from (seeds/demo/truth/):
a phone typed from the person's mobile or household landline must come out as that E.164
number, a placeholder or truncated phone must not; an e-mail typed from one of the person's
addresses must come out as that address and valid, a placeholder or broken one must not.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from typing import Any

import psycopg
import pytest

from crm_segments.db import EmbeddedStatus

from .conftest import MODELS_ONLY, PROJECT_DIR, run_cli

DEMO = PROJECT_DIR / "seeds" / "demo"
QUERY = (
    "select source_system, source_record_id, phone_e164, phone_invalid_reason, email, "
    "is_email_valid, email_invalid_reason from intermediate.int_contacts_standardized"
)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def standardized(
    embedded_pg: EmbeddedStatus, tmp_path_factory: pytest.TempPathFactory
) -> dict[tuple[str, str], tuple[Any, ...]]:
    work = tmp_path_factory.mktemp("demo_truth")
    env = {"DBT_TARGET_PATH": str(work / "target"), "DBT_LOG_PATH": str(work / "logs")}
    loaded = run_cli("load", str(DEMO), env=env)
    assert loaded.returncode == 0, loaded.stderr
    built = run_cli("build", "--select", "+int_contacts_standardized", *MODELS_ONLY, env=env)
    assert built.returncode == 0, built.stdout + built.stderr
    with psycopg.connect(embedded_pg.url) as conn:
        return {(r[0], r[1]): tuple(r[2:]) for r in conn.execute(QUERY)}


def _check(standardized: dict[tuple[str, str], tuple[Any, ...]]) -> tuple[Counter[str], list]:
    persons = {p["person_id"]: p for p in _read(DEMO / "truth" / "persons.csv")}
    raw = {(r["source_system"], r["source_record_id"]): r for r in _read(DEMO / "crm_contacts.csv")}
    outcome: Counter[str] = Counter()
    wrong: list[tuple[str, ...]] = []

    def note(kind: str, ok: bool, *detail: Any) -> None:
        outcome[f"{kind} {'ok' if ok else 'wrong'}"] += 1
        if not ok:
            wrong.append((kind, *map(str, detail)))

    for truth in _read(DEMO / "truth" / "contact_records.csv"):
        key = (truth["source_system"], truth["source_record_id"])
        if truth["is_garbage"] == "true" or key not in standardized:
            continue  # quarantined rows (duplicates, empty keys) are not standardized
        defects = set(truth["defects"].split(";"))
        person = persons[truth["person_id"]]
        e164, phone_reason, email, email_valid, email_reason = standardized[key]
        phone, typed_email = raw[key]["phone"].strip(), raw[key]["email"].strip()
        if phone and "placeholder_phone" in defects:
            note("placeholder phone", phone_reason == "placeholder", phone, phone_reason)
        elif phone and "short_phone" in defects:
            note("truncated phone", e164 is None, phone, e164)
        elif phone and "shop_phone" not in defects:
            expected = person["landline"] if "landline" in defects else person["mobile"]
            note("phone", e164 == expected, phone, raw[key]["country"], expected, e164)
        if typed_email and "placeholder_email" in defects:
            note("placeholder e-mail", email_reason == "placeholder", typed_email, email_reason)
        elif typed_email and "invalid_email" in defects:
            note("broken e-mail", email_valid is False, typed_email, email_reason)
        elif typed_email:
            addresses = {person["email"], person["alt_email"], person["family_email"]} - {""}
            note("e-mail", email in addresses and email_valid is True, typed_email, email)
    return outcome, wrong


@pytest.mark.e2e
def test_demo_phones_and_emails_match_the_truth(standardized) -> None:
    outcome, wrong = _check(standardized)
    for kind in ("phone", "e-mail", "placeholder phone", "placeholder e-mail", "broken e-mail"):
        assert outcome[f"{kind} ok"] > 10, f"too few {kind} cases to say anything: {outcome}"
    assert outcome["phone ok"] > 2_500
    assert not wrong, f"{outcome}\n{wrong[:20]}"
