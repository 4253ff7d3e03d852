"""Accuracy of entity resolution against a ground truth (``crm-segments evaluate dedup``).

The truth folder holds ``contact_records.csv`` with at least the columns ``source_system``,
``source_record_id``, ``person_id``, ``household_id`` and ``is_garbage`` (the generator writes
it to ``DIR/truth/``; FEBRL data mapped to the contract uses the same layout). Predictions are
read from the database: ``<marts>.customer_source_map`` (record -> customer_id) and
``<intermediate>.int_contacts_unresolvable`` (records deliberately left out of the map).

Pairwise metrics over the non-garbage truth records (one row per key): a pair of records is
predicted when both are mapped to one customer_id, true when both belong to one truth person.
Records that are not in the map count as singletons (and are reported as missing, unless they
are in int_contacts_unresolvable).
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from crm_segments.errors import TruthError

TRUE_VALUES = {"true", "t", "1", "yes"}


@dataclass(frozen=True)
class TruthRecord:
    """One ground-truth contact record."""

    person_id: str
    household_id: str


@dataclass
class DedupScores:
    """The figures ``evaluate dedup`` prints."""

    truth_records: int
    mapped_records: int
    unresolvable_records: int
    missing_records: int
    truth_persons: int
    predicted_persons: int
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int
    precision: float
    recall: float
    f1: float
    false_merge_pairs: int
    household_false_merge_pairs: int
    household_false_merge_persons: int
    persons_with_false_merges: int

    def as_dict(self) -> dict[str, Any]:
        """Plain dict (for --json)."""
        return asdict(self)


def truth_file(directory: Path) -> Path:
    """``DIR/contact_records.csv`` or ``DIR/truth/contact_records.csv``."""
    for candidate in (
        directory / "contact_records.csv",
        directory / "truth" / "contact_records.csv",
    ):
        if candidate.is_file():
            return candidate
    raise TruthError(f"no contact_records.csv in {directory} or {directory / 'truth'}")


def read_truth(path: Path) -> dict[tuple[str, str], TruthRecord]:
    """Non-garbage truth records by (source_system, source_record_id); the first row per key."""
    required = {"source_system", "source_record_id", "person_id"}
    records: dict[tuple[str, str], TruthRecord] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = required - set(reader.fieldnames or [])
        if missing:
            raise TruthError(f"{path}: missing columns {', '.join(sorted(missing))}")
        for row in reader:
            if (row.get("is_garbage") or "").strip().lower() in TRUE_VALUES:
                continue
            system = (row["source_system"] or "").strip().lower()
            record_id = (row["source_record_id"] or "").strip()
            person = (row["person_id"] or "").strip()
            if not system or not record_id or not person:
                continue
            household = (row.get("household_id") or "").strip() or f"~{person}"
            records.setdefault((system, record_id), TruthRecord(person, household))
    return records


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def score(
    truth: dict[tuple[str, str], TruthRecord],
    predicted: dict[tuple[str, str], str],
    unresolvable: Iterable[tuple[str, str]] = (),
) -> DedupScores:
    """Pairwise precision/recall/F1 and household false merges of ``predicted`` vs ``truth``."""
    unresolvable_keys = set(unresolvable) & truth.keys()
    clusters: dict[str, list[TruthRecord]] = defaultdict(list)
    missing = 0
    for key, record in truth.items():
        customer = predicted.get(key)
        if customer is None:
            if key not in unresolvable_keys:
                missing += 1
            customer = f"~singleton~{key[0]}~{key[1]}"
        clusters[customer].append(record)

    persons = Counter(record.person_id for record in truth.values())
    true_pairs = sum(_pairs(n) for n in persons.values())
    predicted_pairs = correct = false_merge = household_false = 0
    household_persons = merged_persons = 0
    for members in clusters.values():
        predicted_pairs += _pairs(len(members))
        by_person = Counter(m.person_id for m in members)
        correct += sum(_pairs(n) for n in by_person.values())
        wrong = _pairs(len(members)) - sum(_pairs(n) for n in by_person.values())
        false_merge += wrong
        if wrong:
            merged_persons += 1
            households: dict[str, Counter[str]] = defaultdict(Counter)
            for m in members:
                households[m.household_id][m.person_id] += 1
            same_household_wrong = 0
            for people in households.values():
                total = sum(people.values())
                same_household_wrong += _pairs(total) - sum(_pairs(n) for n in people.values())
            household_false += same_household_wrong
            if same_household_wrong:
                household_persons += 1

    precision = correct / predicted_pairs if predicted_pairs else 1.0
    recall = correct / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return DedupScores(
        truth_records=len(truth),
        mapped_records=sum(1 for key in truth if key in predicted),
        unresolvable_records=len(unresolvable_keys),
        missing_records=missing,
        truth_persons=len(persons),
        predicted_persons=len(clusters),
        true_pairs=true_pairs,
        predicted_pairs=predicted_pairs,
        correct_pairs=correct,
        precision=precision,
        recall=recall,
        f1=f1,
        false_merge_pairs=false_merge,
        household_false_merge_pairs=household_false,
        household_false_merge_persons=household_persons,
        persons_with_false_merges=merged_persons,
    )


def read_predictions(
    conn: Any, marts_schema: str = "marts", intermediate_schema: str = "intermediate"
) -> tuple[dict[tuple[str, str], str], set[tuple[str, str]]]:
    """(record key -> customer_id) from customer_source_map, and the unresolvable keys."""
    from psycopg import sql

    predicted: dict[tuple[str, str], str] = {}
    query = sql.SQL(
        "select source_system, source_record_id, customer_id from {}.customer_source_map"
    ).format(sql.Identifier(marts_schema))
    for system, record_id, customer in conn.execute(query):
        predicted[(system, record_id)] = customer
    unresolvable: set[tuple[str, str]] = set()
    exists = conn.execute(
        "select to_regclass(%s) is not null",
        (f'"{intermediate_schema}".int_contacts_unresolvable',),
    ).fetchone()
    if exists and exists[0]:
        query = sql.SQL(
            "select source_system, source_record_id from {}.int_contacts_unresolvable"
        ).format(sql.Identifier(intermediate_schema))
        unresolvable = {(system, record_id) for system, record_id in conn.execute(query)}
    return predicted, unresolvable


def evaluate_dedup(
    truth_dir: Path,
    conn: Any,
    marts_schema: str = "marts",
    intermediate_schema: str = "intermediate",
) -> DedupScores:
    """Read the truth folder and the database's resolution, and score them."""
    truth = read_truth(truth_file(truth_dir))
    predicted, unresolvable = read_predictions(conn, marts_schema, intermediate_schema)
    return score(truth, predicted, unresolvable)
