"""Backtest of the next-best-action propensity (``crm-segments evaluate nba --as-of YYYY-MM-01``).

The propensity rule lives only in dbt (``int_offer_propensities_smoothed``, macro
``smoothed_rate``); this module never recomputes it. It:

1. builds the propensity and everything it reads as of the day before ``--as-of`` into separate
   schemas (``dbt run --full-refresh`` with ``as_of_date`` = the day before and
   ``intermediate_schema`` / ``marts_schema`` suffixed with ``_nba_backtest``; staging and seeds
   are read where the normal build left them). Campaign history, segments and cells are cut at
   that date by the project's own as-of rules;
2. takes the outcomes of the campaigns after the date: every person treated (really contacted)
   by a campaign with an offer of the catalogue, whose first contact in that campaign is on or
   after ``--as-of``, and whether they responded (``is_response``, var ``response_outcomes``);
3. scores each such (person, offer) with the propensity of the person's cell as of the day
   before (the model), and with the offer's own rate (the naive baseline);
4. reports the AUC of both scores and the response rate of the top decile against the average
   (lift). Ties are handled exactly: the AUC with mid-ranks, the top decile by taking a tied group
   at the boundary in proportion (its expected responders under a random order).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from crm_segments.errors import BacktestError

BACKTEST_SUFFIX = "_nba_backtest"
#: what the backtest build needs: the propensity table and the persons' cells
BACKTEST_SELECT = ("+int_offer_propensities_smoothed", "+int_customer_propensity_cells")


@dataclass
class Scores:
    """Discrimination of one score on the backtest's outcomes."""

    auc: float
    top_decile_response_rate: float
    top_decile_lift: float


@dataclass
class BacktestResult:
    """What ``evaluate nba`` prints."""

    as_of: str
    history_until: str
    outcomes_until: str | None
    participations: int
    responders: int
    response_rate: float
    unscored_participations: int
    offers: int
    model: Scores
    baseline: Scores
    build_seconds: float

    def as_dict(self) -> dict[str, Any]:
        """Plain dict (for --json)."""
        return asdict(self)

    def to_json(self) -> str:
        """JSON text."""
        return json.dumps(self.as_dict(), indent=2)


# --------------------------------------------------------------------------- metrics


def _midranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks, ties sharing the mean of their ranks."""
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    ranks = np.empty(len(values), dtype=float)
    start = 0
    n = len(values)
    while start < n:
        end = start
        while end + 1 < n and sorted_values[end + 1] == sorted_values[start]:
            end += 1
        ranks[order[start : end + 1]] = (start + end) / 2.0 + 1.0
        start = end + 1
    return ranks


def auc(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """Area under the ROC curve (Mann-Whitney U with mid-ranks for ties); 0.5 = no better than
    chance. NaN when one class is empty."""
    s = np.asarray(scores, dtype=float)
    y = np.asarray(labels, dtype=bool)
    positives, negatives = int(y.sum()), int((~y).sum())
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = _midranks(s)
    return float((ranks[y].sum() - positives * (positives + 1) / 2.0) / (positives * negatives))


def top_share_response_rate(
    scores: Sequence[float], labels: Sequence[bool], share: float = 0.1
) -> float:
    """Response rate of the best-scored ``share`` of the rows. A group of equal scores that
    straddles the cut counts in proportion (its expected responders if the tie were broken at
    random), so the result does not depend on the order of ties."""
    s = np.asarray(scores, dtype=float)
    y = np.asarray(labels, dtype=bool)
    n = len(s)
    if n == 0:
        return float("nan")
    want = share * n
    values, inverse = np.unique(-s, return_inverse=True)  # best score first
    counts = np.bincount(inverse, minlength=len(values)).astype(float)
    hits = np.bincount(inverse, weights=y.astype(float), minlength=len(values))
    taken = responders = 0.0
    for count, hit in zip(counts.tolist(), hits.tolist(), strict=True):
        if taken >= want:
            break
        part = min(count, want - taken)
        responders += hit * part / count
        taken += part
    return responders / want


def score(scores: Sequence[float], labels: Sequence[bool], average: float) -> Scores:
    """AUC, top-decile response rate and its lift over ``average``."""
    top = top_share_response_rate(scores, labels)
    return Scores(auc(scores, labels), top, top / average if average > 0 else float("nan"))


# --------------------------------------------------------------------------- build and query


def backtest_vars(as_of: date, intermediate: str, marts: str, overrides: dict[str, Any]) -> str:
    """The --vars of the backtest build: the caller's vars (already checked against
    vars_schema.yml), then the cut and the schemas."""
    values = {
        **overrides,
        "as_of_date": (as_of - timedelta(days=1)).isoformat(),
        "intermediate_schema": intermediate + BACKTEST_SUFFIX,
        "marts_schema": marts + BACKTEST_SUFFIX,
    }
    return json.dumps(values, default=str)


OUTCOMES_SQL = """
with participations as (
    select
        contacts.campaign_id,
        contacts.customer_id,
        campaigns.offer_code,
        min(contacts.contacted_at) as first_contacted_at,
        bool_or(coalesce(contacts.is_response, false)) as responded
    from {intermediate}.int_campaign_contacts_resolved as contacts
    inner join {staging}.stg_crm__campaigns as campaigns
        on contacts.campaign_id = campaigns.campaign_id
    inner join {intermediate}.int_offers_parsed as offers
        on campaigns.offer_code = offers.offer_code
    group by contacts.campaign_id, contacts.customer_id, campaigns.offer_code
    having bool_or(not contacts.is_control)
)
select
    participations.responded,
    propensities.propensity,
    propensities.offer_rate,
    participations.offer_code,
    participations.first_contacted_at
from participations
left join {intermediate}.int_customer_propensity_cells as cells
    on participations.customer_id = cells.customer_id
left join {intermediate}.int_offer_propensities_smoothed as propensities
    on participations.offer_code = propensities.offer_code
    and cells.cell_key = propensities.cell_key
where participations.first_contacted_at >= %(as_of)s::timestamptz
"""


def evaluate(
    conn: Any,
    as_of: date,
    *,
    staging: str,
    intermediate: str,
    build_seconds: float = 0.0,
) -> BacktestResult:
    """Score the outcomes after ``as_of`` with the backtest schemas' propensities."""
    sql = OUTCOMES_SQL.format(staging=staging, intermediate=intermediate + BACKTEST_SUFFIX)
    with conn.cursor() as cur:
        cur.execute(sql, {"as_of": as_of.isoformat()})
        rows = cur.fetchall()
    scored = [r for r in rows if r[1] is not None]
    if not scored:
        raise BacktestError(
            f"no treated contact of a catalogue offer on or after {as_of}: pick an earlier --as-of"
        )
    labels = np.array([bool(r[0]) for r in scored])
    model = np.array([float(r[1]) for r in scored])
    baseline = np.array([float(r[2]) for r in scored])
    if labels.all() or not labels.any():
        raise BacktestError("the outcomes after the date are all responses or all non-responses")
    average = float(labels.mean())
    last = max(r[4] for r in rows)
    return BacktestResult(
        as_of=as_of.isoformat(),
        history_until=(as_of - timedelta(days=1)).isoformat(),
        outcomes_until=last.date().isoformat() if last is not None else None,
        participations=len(scored),
        responders=int(labels.sum()),
        response_rate=average,
        unscored_participations=len(rows) - len(scored),
        offers=len({r[3] for r in scored}),
        model=score(model, labels, average),
        baseline=score(baseline, labels, average),
        build_seconds=build_seconds,
    )
