"""The match-weight training (python/crm_segments/identity/train.py) on synthetic comparison
vectors drawn from a known model: EM must recover m and the share of matches; the checks must
reject a model that says an agreement is evidence against one person."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from crm_segments.identity import train

from .conftest import PROJECT_DIR

# the fields and levels of the shipped model (the singular dbt test
# assert_match_weights_cover_every_level holds it to the macro match_levels)
LEVELS: dict[str, list[str]] = {}
with (PROJECT_DIR / "seeds" / "reference" / "identity_match_weights_default.csv").open() as seed:
    for row in csv.DictReader(seed):
        if row["field"] != "prior":
            LEVELS.setdefault(row["field"], []).append(row["level"])


def distribution(levels: list[str], agreeing: bool) -> np.ndarray:
    """A plausible distribution over a field's levels plus 'missing' (last)."""
    n = len(levels)
    if agreeing:
        p = np.array([0.7] + [0.2 / max(n - 2, 1)] * (n - 2) + [0.1])
    else:
        p = np.array([0.01] + [0.02 / max(n - 2, 1)] * (n - 2) + [0.97])
    return np.append(p / p.sum() * 0.8, 0.2)  # a fifth of the values are missing


def sample(rng: np.random.Generator, n: int, agreeing: bool) -> list[tuple[str, ...]]:
    columns = []
    for name in train.FIELDS:
        options = [*LEVELS[name], "missing"]
        columns.append(rng.choice(options, size=n, p=distribution(LEVELS[name], agreeing)))
    return [tuple(str(v) for v in row) for row in zip(*columns, strict=True)]


def counted(vectors: list[tuple[str, ...]]) -> tuple[list[tuple[str, ...]], np.ndarray]:
    distinct: dict[tuple[str, ...], int] = {}
    for vector in vectors:
        distinct[vector] = distinct.get(vector, 0) + 1
    keys = sorted(distinct)
    return keys, np.array([distinct[k] for k in keys], dtype=float)


def test_em_recovers_the_model_that_drew_the_pairs() -> None:
    rng = np.random.default_rng(7)
    matches, others = sample(rng, 6_000, True), sample(rng, 14_000, False)
    random_pairs = sample(rng, 50_000, False)
    u = train.estimate_u(LEVELS, *counted(random_pairs))
    start = {(f, level): 1 / len(LEVELS[f]) for f in train.FIELDS for level in LEVELS[f]}
    m, prior, iterations, converged = train.expectation_maximisation(
        LEVELS, u, *counted(matches + others), start_m=start, start_prior=0.5
    )
    assert converged and iterations < 200
    assert prior == pytest.approx(0.3, abs=0.02)
    for name in train.FIELDS:
        truth = distribution(LEVELS[name], True)[:-1]
        truth = truth / truth.sum()
        for level, expected in zip(LEVELS[name], truth, strict=True):
            assert m[name, level] == pytest.approx(expected, abs=0.03), (name, level)
    # and u from the random pairs is the non-match distribution
    truth_u = distribution(LEVELS["email"], False)[:-1]
    assert u["email", "equal"] == pytest.approx(truth_u[0] / truth_u.sum(), abs=0.005)


def model(m_birth_equal: float, m_email_different: float) -> train.MatchModel:
    m = {(f, level): 0.5 / len(LEVELS[f]) for f in train.FIELDS for level in LEVELS[f]}
    u = {(f, level): 0.5 / len(LEVELS[f]) for f in train.FIELDS for level in LEVELS[f]}
    for name, level in train.MUST_AGREE:
        m[name, level], u[name, level] = 0.5, 0.001
    m["birth_date", "equal"] = m_birth_equal
    m["email", "different"], u["email", "different"] = m_email_different, 0.5
    return train.MatchModel(
        levels=LEVELS,
        m=m,
        u=u,
        prior=1e-6,
        candidate_pairs=10_000,
        sample_pairs=10_000,
        iterations=5,
        converged=True,
    )


def test_the_checks_reject_a_model_that_turns_evidence_around() -> None:
    assert train.check(model(0.5, 0.1)) == []
    problems = train.check(model(0.0005, 0.9))
    assert any("birth_date equal" in p for p in problems), problems
    assert any("email different" in p for p in problems), problems
    # a level the data never has (FEBRL has no e-mail) is no evidence either way: not checked
    unseen = model(0.5, 0.1)
    unseen.m["email", "equal"] = unseen.u["email", "equal"]
    unseen.unseen_levels = ["email equal"]
    assert train.check(unseen) == []


def test_the_seed_csv_round_trips_every_level() -> None:
    text = train.seed_csv(model(0.5, 0.1))
    rows = [line.split(",") for line in text.strip().splitlines()[1:]]
    assert rows[0][:2] == ["prior", "match"]
    assert {(r[0], r[1]) for r in rows[1:]} == {
        (f, level) for f in train.FIELDS for level in LEVELS[f]
    }
