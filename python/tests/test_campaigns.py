"""Campaign measurement, NPS and next best action (issue 13) on the demo data.

- campaign_performance is recomputed in pandas from the staged rows (campaigns, campaign
  contacts, the account holders) with the SPEC's rules and the default vars, and must match the
  mart exactly, column by column;
- the measured uplift must recover the effect the generator planted
  (seeds/demo/truth/campaign_effects.csv) within its confidence interval;
- the propensity backtest (`crm-segments evaluate nba`) must beat the naive baseline;
- the latest NPS on customer_segments and the monthly NPS of nps_by_segment match pandas.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

import pandas as pd
import pytest

from crm_segments.evaluate.nba import auc, top_share_response_rate

from .conftest import MODELS_ONLY, PROJECT_DIR, run_cli
from .test_segments import compare, query

AS_OF = date(2026, 10, 31)
NOW = datetime(2026, 11, 1, tzinfo=UTC)  # the consent "now": the end of the as-of day
VARS = "{as_of_date: '" + AS_OF.isoformat() + "'}"
DEMO = PROJECT_DIR / "seeds" / "demo"
# the default vars of dbt_project.yml
RESPONSE = {"responded", "converted"}
CONVERSION = {"converted"}
DELIVERED = {"delivered", "opened", "responded", "converted", "complained", "unsubscribed"}
Z = Decimal("1.959964")
MIN_CONTROL = 30
STRONG, PAYS_BACK = Decimal(200), Decimal(100)
CONTROL_SALT, CONTROL_PCT = "global_control", 5


def q(value: Decimal | None, places: int) -> Decimal | None:
    """PostgreSQL's round(numeric, places): half away from zero."""
    if value is None:
        return None
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def global_control_member(customer_id: str) -> bool:
    digest = hashlib.md5(f"{CONTROL_SALT}|{customer_id}".encode()).hexdigest()
    return int(digest[:8], 16) % 10000 < CONTROL_PCT * 100


def wilson(successes: int, trials: int, direction: int) -> Decimal:
    p = Decimal(successes) / trials
    spread = (p * (1 - p) / trials + Z * Z / (4 * trials * trials)).sqrt()
    return (p + Z * Z / (2 * trials) + direction * Z * spread) / (1 + Z * Z / trials)


# --------------------------------------------------------------------------- the rules in pandas


def measure(url: str) -> pd.DataFrame:
    """campaign_performance from staged rows (the SPEC's rules, default vars)."""
    holders = query(url, "select account_id, customer_id from intermediate.int_accounts_resolved")
    holder = dict(zip(holders.account_id, holders.customer_id, strict=True))
    campaigns = query(
        url,
        "select campaign_id, objective, start_date, end_date, total_cost "
        "from staging.stg_crm__campaigns",
    )
    contacts = query(
        url,
        "select campaign_id, account_id, outcome, revenue, is_control, contacted_at "
        "from staging.stg_crm__campaign_contacts",
    )
    contacts["customer_id"] = contacts.account_id.map(holder)
    contacts = contacts[contacts.customer_id.notna() & contacts.contacted_at.notna()].copy()
    contacts = contacts[contacts.contacted_at < NOW].copy()
    contacts["is_control"] = contacts.is_control.map(lambda v: bool(v) if v is not None else False)
    objective = dict(zip(campaigns.campaign_id, campaigns.objective, strict=True))

    def flags(rows: pd.DataFrame) -> dict[str, Any]:
        outcomes = set(rows.outcome.dropna())
        return {
            "is_delivered": bool(outcomes & DELIVERED),
            "is_responder": bool(outcomes & RESPONSE),
            "is_converter": bool(outcomes & CONVERSION),
            "is_complainer": "complained" in outcomes,
            "is_unsubscriber": "unsubscribed" in outcomes,
            "revenue": sum(
                (r for r in rows.revenue if r is not None and not pd.isna(r)), Decimal(0)
            ),
        }

    persons: list[dict[str, Any]] = []
    staged = contacts[contacts.campaign_id.isin(set(campaigns.campaign_id))]
    for (campaign_id, customer_id), rows in staged.groupby(["campaign_id", "customer_id"]):
        treated = int((~rows.is_control).sum())
        control = int(rows.is_control.sum())
        persons.append(
            {
                "campaign_id": campaign_id,
                "customer_id": customer_id,
                "group": "treated" if treated else "control",
                "both": bool(treated and control),
                "treated_contacts": treated,
                "control_contacts": control,
                **flags(rows),
            }
        )
    own = pd.DataFrame(persons)
    has_control = set(staged[staged.is_control].campaign_id)
    # campaigns without control contacts: the global control group over the campaign's dates
    members = contacts[contacts.is_control & contacts.customer_id.map(global_control_member)]
    members = members[members.campaign_id.isin(set(campaigns.campaign_id))].copy()
    members["objective"] = members.campaign_id.map(objective)
    members["day"] = members.contacted_at.map(lambda t: pd.Timestamp(t).tz_convert("UTC").date())
    borrowed: list[dict[str, Any]] = []
    for c in campaigns.itertuples():
        if c.campaign_id in has_control or c.start_date is None or c.end_date is None:
            continue
        mine = set(own[own.campaign_id == c.campaign_id].customer_id) if len(own) else set()
        window = members[
            (members.objective == c.objective)
            & (members.day >= c.start_date)
            & (members.day <= c.end_date)
            & ~members.customer_id.isin(mine)
        ]
        for customer_id, rows in window.groupby("customer_id"):
            borrowed.append(
                {
                    "campaign_id": c.campaign_id,
                    "customer_id": customer_id,
                    "group": "control",
                    "both": False,
                    "treated_contacts": 0,
                    "control_contacts": len(rows),
                    **flags(rows),
                }
            )
    everyone = pd.concat([own, pd.DataFrame(borrowed)], ignore_index=True)
    out = []
    with localcontext() as ctx:
        ctx.prec = 50
        for c in campaigns.itertuples():
            mine = everyone[everyone.campaign_id == c.campaign_id]
            t, k = mine[mine.group == "treated"], mine[mine.group == "control"]
            nt, nc = len(t), len(k)
            xt, xc = int(t.is_responder.sum()), int(k.is_responder.sum())
            row: dict[str, Any] = {
                "campaign_id": c.campaign_id,
                "control_source": "campaign"
                if c.campaign_id in has_control
                else "global_control_group",
                "treated_persons": nt,
                "control_persons": nc,
                "persons_in_both_groups": int(mine.both.sum()),
                "treated_contacts": int(mine.treated_contacts.sum()),
                "control_contacts": int(mine.control_contacts.sum()),
                "delivered_persons": int(t.is_delivered.sum()),
                "responded_persons": xt,
                "converted_persons": int(t.is_converter.sum()),
                "complained_persons": int(t.is_complainer.sum()),
                "unsubscribed_persons": int(t.is_unsubscriber.sum()),
                "control_responded_persons": xc,
                "control_converted_persons": int(k.is_converter.sum()),
                "treated_revenue": sum(t.revenue, Decimal(0)),
                "control_revenue": sum(k.revenue, Decimal(0)),
            }
            pt = Decimal(xt) / nt if nt else None
            pc = Decimal(xc) / nc if nc else None
            cost = c.total_cost if c.total_cost is not None and c.total_cost > 0 else None
            rev_t = row["treated_revenue"] / nt if nt else None
            rev_c = row["control_revenue"] / nc if nc else None
            uplift = pt - pc if pt is not None and pc is not None else None
            incremental = (
                row["treated_revenue"] - row["control_revenue"] * nt / nc if nt and nc else None
            )
            z = low = high = None
            if uplift is not None:
                pooled = Decimal(xt + xc) / (nt + nc)
                se = (pooled * (1 - pooled) * (Decimal(1) / nt + Decimal(1) / nc)).sqrt()
                z = uplift / se if se else None
                lt, ut, lc, uc = (
                    wilson(xt, nt, -1),
                    wilson(xt, nt, 1),
                    wilson(xc, nc, -1),
                    wilson(xc, nc, 1),
                )
                low = uplift - ((pt - lt) ** 2 + (uc - pc) ** 2).sqrt()
                high = uplift + ((ut - pt) ** 2 + (pc - lc) ** 2).sqrt()
            roi = q(100 * incremental / cost, 2) if incremental is not None and cost else None
            row.update(
                {
                    "treated_response_rate": q(pt, 6),
                    "control_response_rate": q(pc, 6),
                    "uplift": q(uplift, 6),
                    "uplift_ci_low": q(low, 6),
                    "uplift_ci_high": q(high, 6),
                    "uplift_z": q(z, 4),
                    "is_uplift_significant": z is not None and abs(z) >= Z,
                    "incremental_responders": q(xt - Decimal(xc) * nt / nc, 2)
                    if uplift is not None
                    else None,
                    "treated_revenue_per_person": q(rev_t, 4),
                    "control_revenue_per_person": q(rev_c, 4),
                    "incremental_revenue": q(incremental, 2),
                    "roi_pct": roi,
                    "naive_revenue_roi_pct": q(100 * row["treated_revenue"] / cost, 2)
                    if cost
                    else None,
                }
            )
            if nt == 0:
                reason = "no_treated_persons"
            elif nc < MIN_CONTROL:
                reason = "control_group_too_small"
            elif cost is None:
                reason = "no_cost"
            elif roi is not None and roi >= STRONG:
                reason = "roi_at_least_strong_pct"
            elif roi is not None and roi >= PAYS_BACK:
                reason = "roi_at_least_pays_back_pct"
            else:
                reason = "roi_below_pays_back_pct"
            row["verdict_reason"] = reason
            row["verdict"] = {
                "roi_at_least_strong_pct": "strong",
                "roi_at_least_pays_back_pct": "pays_back",
                "roi_below_pays_back_pct": "loses",
            }.get(reason, "not_measurable")
            out.append(row)
    return pd.DataFrame(out)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def demo(embedded_pg) -> Iterator[str]:
    """The demo data loaded and every model built as of 2026-10-31, read in the build schema
    (models only: the data tests run in the whole, published builds of test_roles and
    test_publish)."""
    loaded = run_cli("load", str(DEMO))
    assert loaded.returncode == 0, loaded.stderr
    built = run_cli("build", "--full-refresh", "--vars", VARS, *MODELS_ONLY)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    yield embedded_pg.url


def truth() -> dict[str, dict[str, str]]:
    with (DEMO / "truth" / "campaign_effects.csv").open(newline="", encoding="utf-8") as handle:
        return {r["campaign_id"]: r for r in csv.DictReader(handle)}


# --------------------------------------------------------------------------- tests


@pytest.mark.e2e
def test_campaign_performance_matches_pandas(demo: str) -> None:
    expected = measure(demo)
    actual = query(demo, "select * from marts__build.campaign_performance")
    columns = [c for c in expected.columns if c != "campaign_id"]
    compare(expected, actual, ["campaign_id"], columns)
    # the demo exercises the edges: both control sources, every verdict but one at least
    assert set(actual.control_source) == {"campaign", "global_control_group"}
    assert {"strong", "pays_back", "loses", "not_measurable"} <= set(actual.verdict)
    assert (actual.uplift.isna() | (actual.uplift_ci_low <= actual.uplift)).all()


@pytest.mark.e2e
def test_measured_uplift_recovers_the_planted_effect(demo: str) -> None:
    """Every campaign with its own control group: the planted uplift (the mean over its persons
    of the treated minus the untreated response probability) lies in the measured 95% interval
    in at least 90% of the campaigns (22 of 22 on the demo); pooled over all of them, the
    measured uplift is within 2.576 standard errors (99%) of what the truth says the groups
    should show. (A fixed data set gets one draw: on the demo the pooled control group answered
    24 times where 36.4 were expected, 2.1 standard errors low by chance - a 95% band would fail
    on it, the 99% band does not; a measurement that swaps the groups or loses responders fails
    both.)"""
    effects = truth()
    measured = query(demo, "select * from marts__build.campaign_performance")
    own = measured[(measured.control_source == "campaign") & measured.uplift.notna()]
    own = own[own.campaign_id.isin(set(effects))]
    assert len(own) >= 20
    inside = [
        r.uplift_ci_low <= Decimal(effects[r.campaign_id]["true_uplift"]) <= r.uplift_ci_high
        for r in own.itertuples()
    ]
    assert sum(inside) >= 0.9 * len(own), f"{sum(inside)} of {len(own)}"
    # pooled: expected rates of the groups as they were drawn (truth) vs measured
    nt, nc = own.treated_persons.sum(), own.control_persons.sum()
    expect_t = sum(
        r.treated_persons * float(effects[r.campaign_id]["expected_treated_rate"])
        for r in own.itertuples()
    )
    expect_c = sum(
        r.control_persons * float(effects[r.campaign_id]["expected_control_rate"])
        for r in own.itertuples()
    )
    true_pooled = expect_t / nt - expect_c / nc
    pt, pc = own.responded_persons.sum() / nt, own.control_responded_persons.sum() / nc
    se = (pt * (1 - pt) / nt + pc * (1 - pc) / nc) ** 0.5
    assert abs((pt - pc) - true_pooled) <= 2.576 * se, (pt - pc, true_pooled, se)
    assert true_pooled > 2 * se  # the planted effect is there to be found
    # a campaign without a control group says so and is never judged on the global control
    # group when that group is too small
    borrowed = measured[measured.control_source == "global_control_group"]
    assert len(borrowed) > 0 and borrowed.is_measured_against_global_control.all()
    assert (borrowed[borrowed.control_persons < MIN_CONTROL].verdict == "not_measurable").all()


@pytest.mark.e2e
def test_nba_backtest_beats_the_naive_baseline(demo: str) -> None:
    done = run_cli("evaluate", "nba", "--as-of", "2026-05-01", "--json")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["participations"] > 1000 and result["responders"] > 50
    assert result["model"]["top_decile_lift"] > 1.5
    assert result["model"]["top_decile_lift"] > result["baseline"]["top_decile_lift"]
    assert result["model"]["auc"] > result["baseline"]["auc"]
    # the backtest's history stops at the date: no campaign contact after it was counted
    late = query(
        demo,
        "select count(*) as n from intermediate_nba_backtest.int_campaign_participants_summarized "
        "where last_contacted_at >= '2026-05-01'",
    )
    assert int(late.n.iloc[0]) == 0
    # entity resolution's copies of personal data did not outlive the backtest build (the
    # erasure scrub does not cover the backtest schema)
    left = query(
        demo,
        "select count(*) as n from information_schema.tables "
        "where table_schema = 'intermediate_nba_backtest' "
        "and table_name in ('int_contacts_standardized', 'int_contacts_standardized_part_a', "
        "'int_contacts_standardized_part_b', 'int_contacts_resolved', "
        "'int_contact_identifiers', 'int_contacts_match_fields')",
    )
    assert int(left.n.iloc[0]) == 0


@pytest.mark.e2e
def test_next_best_action_on_the_demo(demo: str) -> None:
    nba = query(demo, "select * from marts__build.next_best_action")
    assert len(nba) > 0 and nba.offer_rank.max() == 3
    assert (nba.expected_value > 0).all()
    control = set(
        query(demo, "select customer_id from marts__build.global_control_group").customer_id
    )
    in_control = nba[nba.customer_id.isin(control)]
    assert len(in_control) > 0 and not in_control.is_outbound_allowed.any()
    # ranks follow the expected value
    for _, rows in nba.groupby("customer_id"):
        values = rows.sort_values("offer_rank").expected_value.tolist()
        assert values == sorted(values, reverse=True)
    outside = {"UPS-SUMMER-ROAM", "XS-WATCH"} & set(nba.offer_code)
    assert not outside, "offers outside their validity are never ranked"


@pytest.mark.e2e
def test_nps_matches_pandas(demo: str) -> None:
    holders = query(demo, "select account_id, customer_id from intermediate.int_accounts_resolved")
    holder = dict(zip(holders.account_id, holders.customer_id, strict=True))
    nps = query(
        demo,
        "select response_id, account_id, responded_at, score from staging.stg_crm__nps_responses",
    )
    nps["customer_id"] = nps.account_id.map(holder)
    nps = nps[nps.customer_id.notna() & nps.score.notna() & nps.responded_at.notna()]
    nps = nps[nps.responded_at < NOW].copy()
    latest = nps.sort_values(["responded_at", "response_id"]).groupby("customer_id").last()
    segments = query(
        demo,
        "select customer_id, latest_nps_score, latest_nps_class "
        "from marts__build.customer_segments "
        "where latest_nps_score is not null",
    ).set_index("customer_id")
    assert segments.latest_nps_score.astype(int).to_dict() == latest.score.astype(int).to_dict()
    classes = latest.score.map(
        lambda s: "promoter" if s >= 9 else "detractor" if s <= 6 else "passive"
    )
    assert segments.latest_nps_class.to_dict() == classes.to_dict()
    nps["month"] = nps.responded_at.map(
        lambda t: pd.Timestamp(t).tz_convert("UTC").date().replace(day=1)
    )
    by_month = nps[nps.month <= date(2026, 10, 1)].groupby("month").score
    expected = (
        100 * by_month.apply(lambda s: (s >= 9).sum() - (s <= 6).sum()) / by_month.size()
    ).map(lambda v: Decimal(str(v)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    actual = query(
        demo, "select month, nps from marts__build.nps_by_segment where segment_type = 'all'"
    ).set_index("month")
    assert actual.nps.to_dict() == expected.to_dict()
    bounds = query(demo, "select min(nps) as lo, max(nps) as hi from marts__build.nps_by_segment")
    assert bounds.lo.iloc[0] >= -100 and bounds.hi.iloc[0] <= 100


# --------------------------------------------------------------------------- metrics


def test_auc_and_top_decile_handle_ties() -> None:
    assert auc([0.9, 0.8, 0.3, 0.1], [True, True, False, False]) == 1.0
    assert auc([0.1, 0.2, 0.3, 0.4], [True, True, False, False]) == 0.0
    assert auc([0.5, 0.5, 0.5, 0.5], [True, False, True, False]) == 0.5  # all tied: chance
    assert auc([0.9, 0.5, 0.5, 0.1], [True, True, False, False]) == pytest.approx(0.875)
    # 20 rows, top decile = 2 rows: the best score has one row (a responder), then a tie of 4
    # rows with 2 responders straddles the cut: it contributes 1 row at half a responder
    scores = [0.9] + [0.5] * 4 + [0.1] * 15
    labels = [True, True, True, False, False] + [False] * 15
    assert top_share_response_rate(scores, labels) == pytest.approx((1 + 0.5) / 2)
    # the order of tied rows does not matter
    assert top_share_response_rate(scores[::-1], labels[::-1]) == pytest.approx(0.75)
    # a constant score gives the average (lift 1)
    assert top_share_response_rate([0.3] * 10, [True] * 3 + [False] * 7) == pytest.approx(0.3)


def test_backtest_vars_cut_the_history_and_keep_the_callers() -> None:
    from crm_segments.evaluate.nba import backtest_vars

    text = backtest_vars(
        date(2026, 7, 1), "intermediate", "marts", {"nba_prior_strength": 50, "as_of_date": None}
    )
    assert json.loads(text) == {
        "nba_prior_strength": 50,
        "as_of_date": "2026-06-30",
        "intermediate_schema": "intermediate_nba_backtest",
        "marts_schema": "marts_nba_backtest",
    }


def test_evaluate_nba_refuses_bad_vars_before_dbt_starts() -> None:
    done = run_cli("evaluate", "nba", "--as-of", "2026-07-01", "--vars", "{nba_prior_strenght: 5}")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "did you mean nba_prior_strength?" in done.stderr
    assert "Traceback" not in done.stderr
