"""Train the match-weight model (Fellegi-Sunter) from the compared pairs of a build.

``crm-segments identity train`` reads ``int_contact_pairs_compared`` (every candidate pair and a
deterministic random sample of record pairs, each with a comparison level per field) and
stores a new version of the model in ``<match_model_schema>.match_weights``; the next build
scores every pair with it (``int_identity_match_weights``, ``int_contact_pair_matches``).

- **u** (how often two different people agree by chance) per field and level, from the random
  pairs: nearly all of them are two people. A pseudo-count of one per level keeps a level
  never seen by chance from weighing infinitely.
- **m** (how often one person's two records agree) per field and level, and the **prior** (the
  share of candidate pairs that are one person), by expectation-maximisation over the
  candidate pairs with u held fixed. Pairs the guards veto (is_household_pair: two people
  sharing a home; two valid national ids that differ) are left out: they are never matched,
  and with them EM would learn what a household looks like instead of a person. The pairs
  are grouped by their comparison vector in SQL, so numpy iterates over a few thousand
  distinct vectors, not millions of pairs.
- The prior the build scores with is that of two *random* records being one person (the u
  probabilities are those of random pairs): the persons EM found among the candidate pairs,
  over all pairs of records.
- A field missing on either side is no evidence (Bayes factor 1), as in Splink; a level seen
  on fewer than MIN_LEVEL_PAIRS candidate pairs is none either (m = u).

The trained model is checked before it is stored: an equal birth date, e-mail or mobile
must be evidence *for* one person, and each field's "different" level evidence
against; a model that says otherwise (EM settled on the wrong class, e.g. on data with almost
no duplicates) is rejected with a message and the previous model stays in use.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import psycopg
from psycopg import sql

from crm_segments.errors import TrainError

#: the fields of the model, in the order of int_contact_pairs_compared (macro match_levels
#: lists their levels; the stored model and the seed carry them as rows)
FIELDS = (
    "first_name",
    "last_name",
    "birth_date",
    "national_id",
    "email",
    "mobile",
    "landline",
    "account",
    "address",
    "postal_code",
    "city",
)
MISSING = "missing"
#: levels that must be evidence for one person (log2 Bayes factor at least MIN_AGREEMENT_BITS)
MUST_AGREE = (("birth_date", "equal"), ("email", "equal"), ("mobile", "equal"))
MIN_AGREEMENT_BITS = 3.0
#: a level seen on fewer candidate pairs is no evidence (m = u)
MIN_LEVEL_PAIRS = 5
#: training sessions, as Splink trains: the pairs that share a blocking key of these types,
#: and the fields whose m they learn (not the fields they were blocked on, which agree by
#: construction). Names and the birth date are learnt from pairs that share an identifier,
#: identifiers and places from pairs that share a name and a birth date
SESSIONS = (
    (
        ("email", "mobile", "landline", "national_id", "account"),
        ("first_name", "last_name", "birth_date", "address", "postal_code", "city"),
    ),
    (
        ("name_dob",),
        ("national_id", "email", "mobile", "landline", "account", "address", "postal_code", "city"),
    ),
)
MIN_SESSION_PAIRS = 100

DDL = """
create schema if not exists {schema};
create table if not exists {schema}.match_weights (
    model_version integer not null,
    trained_at timestamptz not null,
    field text not null,
    level text not null,
    m_probability double precision not null check (m_probability > 0 and m_probability < 1),
    u_probability double precision check (u_probability > 0 and u_probability < 1),
    pairs bigint not null,
    records bigint not null,
    primary key (model_version, field, level)
);
"""


@dataclass
class MatchModel:
    """m and u per field and level, and the prior; what EM did."""

    levels: dict[str, list[str]]
    m: dict[tuple[str, str], float]
    u: dict[tuple[str, str], float]
    prior: float
    candidate_pairs: int
    sample_pairs: int
    iterations: int
    converged: bool
    candidate_prior: float = 0.0  # share of the candidate pairs that are one person (EM)
    records: int = 0  # contact records compared (the population of the prior)
    unseen_levels: list[str] = field(default_factory=list)  # m = u: too rare to learn
    sessions: list[str] = field(default_factory=list)  # training sessions that were skipped
    model_version: int | None = None
    notes: list[str] = field(default_factory=list)  # why it cannot be trusted (check)

    def bayes_factor_bits(self, name: str, level: str) -> float:
        return math.log2(self.m[name, level] / self.u[name, level])

    def prior_bits(self) -> float:
        return math.log2(self.prior / (1 - self.prior))


def current_levels(conn: psycopg.Connection[Any], intermediate: str) -> dict[str, list[str]]:
    """The fields and levels of the model the build uses now (int_identity_match_weights: the
    shipped default or the last trained version), strongest evidence first as stored."""
    rows = conn.execute(
        sql.SQL(
            "select field, level from {} where field <> 'prior' "
            "order by field, log2_bayes_factor desc"
        ).format(sql.Identifier(intermediate, "int_identity_match_weights"))
    ).fetchall()
    levels: dict[str, list[str]] = {}
    for name, level in rows:
        levels.setdefault(name, []).append(level)
    unknown = set(levels) - set(FIELDS)
    if unknown or set(levels) != set(FIELDS):
        raise TrainError(
            f"int_identity_match_weights has fields {sorted(levels)}, expected {list(FIELDS)}: "
            "rebuild the identity models (`crm-segments build`)"
        )
    return levels


def comparison_counts(
    conn: psycopg.Connection[Any],
    intermediate: str,
    *,
    random_sample: bool,
    blocked_on: tuple[str, ...] = (),
) -> tuple[list[tuple[str, ...]], np.ndarray]:
    """The distinct comparison vectors of the candidate pairs (or of the random pairs) and how
    many pairs have each; with ``blocked_on``, only the pairs that share a blocking key of one
    of these types."""
    columns = sql.SQL(", ").join(sql.Identifier(f"{f}_comparison") for f in FIELDS)
    rows = conn.execute(
        sql.SQL(
            "select {columns}, count(*) from {table} where is_random_sample = %s "
            # a pair the guards veto (two people in one home, two valid national ids) is never
            # matched: EM learns from the others, or it takes the household for the person
            "and (is_random_sample or not (is_household_pair or has_national_id_conflict)) "
            "and (cardinality(%s::text[]) = 0 "
            "or string_to_array(block_types, ',') && %s::text[]) "
            "group by {columns} order by {columns}"
        ).format(
            columns=columns,
            table=sql.Identifier(intermediate, "int_contact_pairs_compared"),
        ),
        (random_sample, list(blocked_on), list(blocked_on)),
    ).fetchall()
    return [tuple(r[:-1]) for r in rows], np.array([r[-1] for r in rows], dtype=float)


def estimate_u(
    levels: dict[str, list[str]], vectors: list[tuple[str, ...]], counts: np.ndarray
) -> dict[tuple[str, str], float]:
    """u per field and level from the random pairs, with a pseudo-count of one per level."""
    u: dict[tuple[str, str], float] = {}
    for i, name in enumerate(FIELDS):
        seen = {level: 0.0 for level in levels[name]}
        for vector, count in zip(vectors, counts, strict=True):
            if vector[i] in seen:
                seen[vector[i]] += count
        total = sum(seen.values()) + len(seen)
        u.update({(name, level): (c + 1) / total for level, c in seen.items()})
    return u


def expectation_maximisation(
    levels: dict[str, list[str]],
    u: dict[tuple[str, str], float],
    vectors: list[tuple[str, ...]],
    counts: np.ndarray,
    *,
    start_m: dict[tuple[str, str], float],
    start_prior: float,
    fields: tuple[str, ...] = FIELDS,
    update_m: bool = True,
    max_iterations: int = 200,
    tolerance: float = 1e-7,
) -> tuple[dict[tuple[str, str], float], float, int, bool]:
    """m of ``fields`` and the share of matches by EM over the comparison vectors, u fixed:
    each vector's posterior probability of one person, then m as the posterior-weighted share
    of each level. Only ``fields`` enter the likelihood (the fields a training session blocked
    on are left out, as Splink does); with ``update_m`` false only the share is estimated."""
    index = {name: i for i, name in enumerate(FIELDS)}
    # one-hot per field and level: (vectors, levels of the field); a missing field is all zero
    onehot = {
        name: np.array(
            [[1.0 if v[index[name]] == level else 0.0 for level in levels[name]] for v in vectors]
        )
        for name in fields
    }
    m = {name: np.array([start_m[name, level] for level in levels[name]]) for name in fields}
    log_u = sum(
        (onehot[name] @ np.log([u[name, level] for level in levels[name]]) for name in fields),
        np.zeros(len(vectors)),
    )
    prior = start_prior
    converged = False
    iteration = 0
    for iteration in range(1, max_iterations + 1):  # noqa: B007 (read after the loop)
        log_m = sum((onehot[name] @ np.log(m[name]) for name in fields), np.zeros(len(vectors)))
        log_match = np.log(prior) + log_m
        log_other = np.log(1 - prior) + log_u
        posterior = 1 / (1 + np.exp(np.clip(log_other - log_match, -700, 700)))
        weighted = posterior * counts
        new_prior = float(np.clip(weighted.sum() / counts.sum(), 1e-6, 1 - 1e-6))
        change = abs(new_prior - prior)
        if update_m:
            for name in fields:
                per_level = weighted @ onehot[name] + 1  # a pseudo-count of one pair per level
                new_m = per_level / per_level.sum()
                change = max(change, float(np.abs(new_m - m[name]).max()))
                m[name] = new_m
        prior = new_prior
        if change < tolerance:
            converged = True
            break
    m_out = {
        (name, level): float(m[name][j]) for name in fields for j, level in enumerate(levels[name])
    }
    return m_out, prior, iteration, converged


def start_values(
    conn: psycopg.Connection[Any], intermediate: str
) -> tuple[dict[tuple[str, str], float], float]:
    """EM starts from the model in use (the shipped default or the last trained version)."""
    rows = conn.execute(
        sql.SQL("select field, level, m_probability from {}").format(
            sql.Identifier(intermediate, "int_identity_match_weights")
        )
    ).fetchall()
    m = {(name, level): float(value) for name, level, value in rows if name != "prior"}
    prior = next((float(value) for name, _, value in rows if name == "prior"), 0.3)
    return m, prior


def level_counts(
    levels: dict[str, list[str]], vectors: list[tuple[str, ...]], counts: np.ndarray
) -> dict[tuple[str, str], float]:
    """Pairs per field and level."""
    seen = {(name, level): 0.0 for name in FIELDS for level in levels[name]}
    for vector, count in zip(vectors, counts, strict=True):
        for i, name in enumerate(FIELDS):
            if (name, vector[i]) in seen:
                seen[name, vector[i]] += float(count)
    return seen


def record_count(conn: psycopg.Connection[Any], intermediate: str) -> int:
    """Records that entity resolution compares."""
    row = conn.execute(
        sql.SQL("select count(*) from {}").format(
            sql.Identifier(intermediate, "int_contacts_match_fields")
        )
    ).fetchone()
    return int(row[0]) if row else 0


def check(model: MatchModel) -> list[str]:
    """Why the trained model cannot be trusted (empty when it can)."""
    problems = []
    for name, level in MUST_AGREE:
        if f"{name} {level}" in model.unseen_levels:
            continue  # not in this data: no evidence either way
        bits = model.bayes_factor_bits(name, level)
        if bits < MIN_AGREEMENT_BITS:
            problems.append(
                f"{name} {level} weighs {bits:+.1f} bits (at least +{MIN_AGREEMENT_BITS:.0f} "
                "expected): an equal value must be strong evidence of one person"
            )
    for name in FIELDS:
        if "different" in model.levels[name] and model.bayes_factor_bits(name, "different") > 0:
            problems.append(
                f"{name} different weighs {model.bayes_factor_bits(name, 'different'):+.1f} "
                "bits: a difference cannot be evidence of one person"
            )
    if model.candidate_pairs < 100:
        problems.append(f"only {model.candidate_pairs} candidate pairs: too few to learn from")
    return problems


def train(conn: psycopg.Connection[Any], intermediate: str) -> MatchModel:
    """Estimate the model from the compared pairs of the last build (not stored yet)."""
    levels = current_levels(conn, intermediate)
    sample_vectors, sample_counts = comparison_counts(conn, intermediate, random_sample=True)
    vectors, counts = comparison_counts(conn, intermediate, random_sample=False)
    if not len(counts):
        raise TrainError(
            "no candidate pairs: build the identity models first (`crm-segments build`)"
        )
    if not len(sample_counts):
        raise TrainError("no random pairs: the var match_u_sample_pairs is 0")
    u = estimate_u(levels, sample_vectors, sample_counts)
    start_m, start_prior = start_values(conn, intermediate)
    m = dict(start_m)
    iterations, converged, notes = 0, True, []
    for blocked_on, learns in SESSIONS:
        session_vectors, session_counts = comparison_counts(
            conn, intermediate, random_sample=False, blocked_on=blocked_on
        )
        if session_counts.sum() < MIN_SESSION_PAIRS:
            notes.append(
                f"{int(session_counts.sum())} pairs blocked on {'/'.join(blocked_on)}: "
                f"{', '.join(learns)} keep the weights in use"
            )
            continue
        learnt, _, n, done = expectation_maximisation(
            levels,
            u,
            session_vectors,
            session_counts,
            start_m=start_m,
            start_prior=start_prior,
            fields=learns,
        )
        m.update(learnt)
        iterations, converged = iterations + n, converged and done
    # a level (almost) never seen among the candidate pairs says nothing: m = u, 0 bits
    seen = level_counts(levels, vectors, counts)
    unseen = sorted(key for key, n in seen.items() if n < MIN_LEVEL_PAIRS)
    m.update({key: u[key] for key in unseen})
    # the share of the (not vetoed) candidate pairs that are one person, every field in
    _, prior, n, done = expectation_maximisation(
        levels, u, vectors, counts, start_m=m, start_prior=start_prior, update_m=False
    )
    iterations, converged = iterations + n, converged and done
    # the prior of two random records being one person (the u probabilities are those of
    # random pairs): the persons EM found among the candidate pairs, over all record pairs
    records = record_count(conn, intermediate)
    expected_matches = prior * float(counts.sum())
    random_prior = min(max(expected_matches / max(records * (records - 1) / 2, 1), 1e-12), 0.5)
    model = MatchModel(
        levels=levels,
        m=m,
        u=u,
        prior=random_prior,
        candidate_prior=prior,
        records=records,
        unseen_levels=[f"{name} {level}" for name, level in unseen],
        candidate_pairs=int(counts.sum()),
        sample_pairs=int(sample_counts.sum()),
        iterations=iterations,
        converged=converged,
    )
    model.notes = check(model)
    model.sessions = notes
    return model


def store(conn: psycopg.Connection[Any], model: MatchModel, schema: str) -> int:
    """Write the model as a new version; return the version. A model that failed its checks
    (``notes``) is not stored."""
    if model.notes:
        raise TrainError(
            "the trained model is rejected, the model in use stays: " + "; ".join(model.notes)
        )
    conn.execute(sql.SQL(DDL).format(schema=sql.Identifier(schema)))
    table = sql.Identifier(schema, "match_weights")
    row = conn.execute(
        sql.SQL("select coalesce(max(model_version), 0) + 1 from {}").format(table)
    ).fetchone()
    version = int(row[0]) if row else 1
    rows = [("prior", "match", model.prior, None)] + [
        (name, level, model.m[name, level], model.u[name, level])
        for name in FIELDS
        for level in model.levels[name]
    ]
    with conn.cursor() as cur:
        cur.executemany(
            sql.SQL(
                "insert into {} (model_version, trained_at, field, level, m_probability, "
                "u_probability, pairs, records) values (%s, now(), %s, %s, %s, %s, %s, %s)"
            ).format(table),
            [(version, *r, model.candidate_pairs, model.records) for r in rows],
        )
    model.model_version = version
    return version


def seed_csv(model: MatchModel) -> str:
    """The model as the shipped default (seeds/reference/identity_match_weights_default.csv)."""
    lines = [
        "field,level,m_probability,u_probability,records",
        f"prior,match,{model.prior:.6g},,{model.records}",
    ]
    lines += [
        f"{name},{level},{model.m[name, level]:.6g},{model.u[name, level]:.6g},"
        for name in FIELDS
        for level in model.levels[name]
    ]
    return "\n".join(lines) + "\n"
