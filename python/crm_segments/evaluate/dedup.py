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
    blocking: BlockingScores | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain dict (for --json)."""
        return asdict(self)


Pair = tuple[str, str, str | None]  # left contact_key, right contact_key, rejection reason


@dataclass
class BlockingScores:
    """How the candidate pairs (int_contact_pair_matches: one row per pair of records that
    share a blocking key) cover the true pairs, and why the true pairs that were not merged
    were missed."""

    records: int
    candidate_pairs: int
    pairs_per_record: float
    true_pairs_blocked: int
    blocking_recall: float
    missed_pairs_by_cause: dict[str, int]


def blocking_scores(
    truth: dict[tuple[str, str], TruthRecord],
    predicted: dict[tuple[str, str], str],
    pairs: Iterable[Pair],
    records: int,
) -> BlockingScores:
    """Blocking recall and the missed true pairs by cause, from the candidate pairs
    ``(left contact_key, right contact_key, rejection_reason)`` (contact_key is
    ``source_system:source_record_id``; the reason is NULL for a matched pair).

    A true pair is blocked when its two records are a candidate pair. A true pair whose
    records were not merged is missed: by ``no_shared_block`` when it is not a candidate pair,
    else by the pair's rejection reason (``matched`` when the pair matched but the records
    still ended apart).
    """
    person_of = {f"{system}:{record_id}": r.person_id for (system, record_id), r in truth.items()}
    customer_of = {f"{system}:{record_id}": c for (system, record_id), c in predicted.items()}
    members: dict[str, list[str]] = defaultdict(list)
    for key, person in person_of.items():
        members[person].append(key)
    true_pairs = {
        (a, b) if a < b else (b, a)
        for keys in members.values()
        for i, a in enumerate(keys)
        for b in keys[i + 1 :]
    }
    candidate_pairs = 0
    reason_of: dict[tuple[str, str], str] = {}
    for left, right, reason in pairs:
        candidate_pairs += 1
        pair = (left, right) if left < right else (right, left)
        if pair in true_pairs:
            reason_of[pair] = reason or "matched"
    missed: Counter[str] = Counter()
    for a, b in true_pairs:
        merged = customer_of.get(a) is not None and customer_of.get(a) == customer_of.get(b)
        if not merged:
            missed[reason_of.get((a, b), "no_shared_block")] += 1
    return BlockingScores(
        records=records,
        candidate_pairs=candidate_pairs,
        pairs_per_record=candidate_pairs / records if records else 0.0,
        true_pairs_blocked=len(reason_of),
        blocking_recall=len(reason_of) / len(true_pairs) if true_pairs else 1.0,
        missed_pairs_by_cause=dict(missed.most_common()),
    )


def read_pairs(
    conn: Any, intermediate_schema: str
) -> tuple[list[tuple[str, str, str | None]], int]:
    """The candidate pairs with their rejection reasons, and the number of records that
    entity resolution compared (int_contacts_match_fields); ``([], 0)`` when the models are
    not built."""
    from psycopg import sql

    exists = conn.execute(
        "select to_regclass(%s) is not null and to_regclass(%s) is not null",
        (
            f'"{intermediate_schema}".int_contact_pair_matches',
            f'"{intermediate_schema}".int_contacts_match_fields',
        ),
    ).fetchone()
    if not (exists and exists[0]):
        return [], 0
    schema = sql.Identifier(intermediate_schema)
    pairs = conn.execute(
        sql.SQL(
            "select left_contact_key, right_contact_key, rejection_reason "
            "from {}.int_contact_pair_matches"
        ).format(schema)
    ).fetchall()
    records = conn.execute(
        sql.SQL("select count(*) from {}.int_contacts_match_fields").format(schema)
    ).fetchone()
    return pairs, int(records[0]) if records else 0


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
    scores = score(truth, predicted, unresolvable)
    pairs, records = read_pairs(conn, intermediate_schema)
    if records:
        scores.blocking = blocking_scores(truth, predicted, pairs, records)
    return scores
