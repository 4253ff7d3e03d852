"""The scoring of `crm-segments evaluate dedup` on a hand-made truth (no database)."""

from __future__ import annotations

import pytest

from crm_segments.evaluate.dedup import TruthRecord, blocking_scores, score

# person P1 has three records, P2 two; P1 and P3 share a household
TRUTH = {
    ("crm", "a"): TruthRecord("P1", "H1"),
    ("crm", "b"): TruthRecord("P1", "H1"),
    ("crm", "c"): TruthRecord("P1", "H1"),
    ("crm", "d"): TruthRecord("P2", "H2"),
    ("crm", "e"): TruthRecord("P2", "H2"),
    ("crm", "f"): TruthRecord("P3", "H1"),
}
# a and b merged, c apart; d and e apart; f merged with c: a household member
PREDICTED = {
    ("crm", "a"): "C1",
    ("crm", "b"): "C1",
    ("crm", "c"): "C2",
    ("crm", "d"): "C3",
    ("crm", "e"): "C4",
    ("crm", "f"): "C2",
}
PAIRS = [
    ("crm:a", "crm:b", None),
    ("crm:c", "crm:a", "household_guard"),  # either order
    ("crm:c", "crm:f", None),
    ("crm:a", "crm:d", "name_mismatch"),  # not a true pair
]


def test_pairwise_scores_and_household_false_merges() -> None:
    scores = score(TRUTH, PREDICTED)
    assert (scores.true_pairs, scores.predicted_pairs, scores.correct_pairs) == (4, 2, 1)
    assert scores.precision == pytest.approx(0.5)
    assert scores.recall == pytest.approx(0.25)
    assert scores.household_false_merge_pairs == 1
    assert scores.persons_with_false_merges == 1


def test_blocking_recall_and_the_causes_of_missed_pairs() -> None:
    blocking = blocking_scores(TRUTH, PREDICTED, PAIRS, records=6)
    assert blocking.candidate_pairs == 4
    assert blocking.pairs_per_record == pytest.approx(4 / 6)
    # true pairs: a-b, a-c, b-c, d-e; of them a-b and a-c are candidate pairs
    assert blocking.true_pairs_blocked == 2
    assert blocking.blocking_recall == pytest.approx(0.5)
    # every true pair that did not end in one customer, by cause: 3 = 4 true - 1 correct
    assert blocking.missed_pairs_by_cause == {"no_shared_block": 2, "household_guard": 1}
    assert sum(blocking.missed_pairs_by_cause.values()) == 4 - score(TRUTH, PREDICTED).correct_pairs
