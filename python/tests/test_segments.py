"""Segments (issue 5) on the demo data: an independent pandas computation of the SPEC's rules
must give exactly what the dbt models give, and an incremental monthly run of the monthly facts
must equal a full refresh.

The pandas side reads only staged rows, the account holders (int_accounts_resolved), the
resolved contact records (for prospects) and the reference seeds' CSV files, and recomputes
every segment from there; numbers stay ``Decimal`` so that sums compare exactly.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import psycopg
import pytest
from psycopg.rows import dict_row

from .conftest import MODELS_ONLY, PROJECT_DIR, run_cli

AS_OF = date(2026, 10, 31)
REF_MONTH = date(2026, 10, 1)  # last complete month on or before AS_OF
SEGMENT_MODELS = (
    "+customer_segments +segment_membership +cohort_retention +contract_renewal_targets"
)
ZERO = Decimal(0)
REFERENCE = PROJECT_DIR / "seeds" / "reference"


def vars_for(as_of: date) -> str:
    return "{as_of_date: '" + as_of.isoformat() + "'}"


def build(
    *select: str, as_of: date, full_refresh: bool = False, reset_history: bool = False
) -> None:
    args = ["build", "--select", *select, *MODELS_ONLY, "--vars", vars_for(as_of)]
    if full_refresh:
        args.append("--full-refresh")
    if reset_history:
        args.append("--reset-segment-history")
    done = run_cli(*args)
    assert done.returncode == 0, done.stdout + done.stderr


def query(url: str, sql: str) -> pd.DataFrame:
    with psycopg.connect(url, row_factory=dict_row) as conn, conn.cursor() as cur:
        cur.execute(sql)
        columns = [c.name for c in cur.description or []]
        rows = cur.fetchall()
    return pd.DataFrame(rows, columns=columns)


def seed(name: str) -> list[dict[str, str]]:
    with (REFERENCE / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def month_index(d: date) -> int:
    return d.year * 12 + d.month


def month_of_index(i: int) -> date:
    return date((i - 1) // 12, (i - 1) % 12 + 1, 1)


def utc_date(ts: datetime | None) -> date | None:
    if ts is None or pd.isna(ts):
        return None
    return pd.Timestamp(ts).tz_convert("UTC").date()


def months_before(d: date, n: int) -> date:
    """d minus n calendar months (day clipped like PostgreSQL's interval arithmetic)."""
    i = month_index(d) - n
    first = month_of_index(i)
    last_day = (month_of_index(i + 1) - timedelta(days=1)).day
    return first.replace(day=min(d.day, last_day))


def whole_months(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - 1 if end.day < start.day else months


def dec(value: Any) -> Decimal:
    return ZERO if value is None or (isinstance(value, float) and pd.isna(value)) else value


# --------------------------------------------------------------------------- the rules in pandas


class Rules:
    """The SPEC's segment rules, recomputed from staged rows with the default vars."""

    def __init__(self, url: str) -> None:
        self.holders = query(
            url, "select account_id, customer_id from intermediate.int_accounts_resolved"
        )
        holder = dict(zip(self.holders.account_id, self.holders.customer_id, strict=True))
        subs = query(
            url,
            "select subscription_id, account_id, activated_at, deactivated_at, contract_end_date, "
            "monthly_commitment from staging.stg_crm__subscriptions",
        )
        subs["customer_id"] = subs.account_id.map(holder)
        subs = subs[subs.customer_id.notna()].copy()
        subs["activated_date"] = subs.activated_at.map(utc_date)
        subs["deactivated_date"] = subs.deactivated_at.map(utc_date)
        self.subs = subs
        self.usage = query(
            url,
            "select subscription_id, billing_month, revenue, cost, voice_minutes, sms_count, "
            "data_mb, roaming_revenue from staging.stg_crm__monthly_usages",
        )
        txn = query(
            url,
            "select account_id, currency, transaction_type, amount, transaction_at "
            "from staging.stg_crm__transactions",
        )
        rates = {r["currency"]: Decimal(r["rate_to_reporting"]) for r in seed("currency_rates")}
        txn["customer_id"] = txn.account_id.map(holder)
        txn = txn[txn.customer_id.notna()].copy()
        txn["date"] = txn.transaction_at.map(utc_date)
        txn["amount_rep"] = [
            a * rates[c] if a is not None and c in rates else None
            for a, c in zip(txn.amount, txn.currency, strict=True)
        ]
        self.txn = txn
        inter = query(
            url, "select account_id, reason_code, started_at from staging.stg_crm__interactions"
        )
        inter["customer_id"] = inter.account_id.map(holder)
        self.inter = inter[inter.customer_id.notna() & inter.started_at.notna()].copy()
        nps = query(
            url,
            "select response_id, account_id, responded_at, score "
            "from staging.stg_crm__nps_responses",
        )
        nps["customer_id"] = nps.account_id.map(holder)
        self.nps = nps[
            nps.customer_id.notna() & nps.score.notna() & nps.responded_at.notna()
        ].copy()
        self.contacts = query(
            url, "select customer_id, account_id from intermediate.int_contacts_resolved"
        )

    # ---- monthly facts
    def facts(self) -> pd.DataFrame:
        first = month_index(min(self.usage.billing_month))
        last = month_index(REF_MONTH)
        spine = range(first, last + 1)
        sub_customer = dict(zip(self.subs.subscription_id, self.subs.customer_id, strict=True))

        active: set[tuple[str, int, str]] = set()
        for sub in self.subs.itertuples():
            if sub.activated_date is None:
                continue
            lo = max(first, month_index(sub.activated_date))
            hi = (
                last
                if sub.deactivated_date is None
                else min(last, month_index(sub.deactivated_date))
            )
            active.update((sub.customer_id, m, sub.subscription_id) for m in range(lo, hi + 1))

        rows: dict[tuple[str, int], dict[str, Any]] = {}

        def row(customer: str, m: int) -> dict[str, Any]:
            return rows.setdefault(
                (customer, m),
                {
                    "revenue": ZERO, "cost": ZERO, "voice_mou": ZERO, "sms_count": 0,
                    "data_mb": ZERO, "roaming_revenue": ZERO, "billed": set(),
                    "transaction_count": 0, "topup_count": 0, "topup_amount": ZERO,
                    "complaint_count": 0, "nps": None,
                },
            )  # fmt: skip

        for u in self.usage.itertuples():
            customer = sub_customer.get(u.subscription_id)
            m = month_index(u.billing_month)
            if customer is None or m not in spine:
                continue
            r = row(customer, m)
            r["revenue"] += dec(u.revenue)
            r["cost"] += dec(u.cost)
            r["voice_mou"] += dec(u.voice_minutes)
            r["sms_count"] += 0 if pd.isna(u.sms_count) else int(u.sms_count)
            r["data_mb"] += dec(u.data_mb)
            r["roaming_revenue"] += dec(u.roaming_revenue)
            r["billed"].add(u.subscription_id)
            active.add((customer, m, u.subscription_id))
        active_count: dict[tuple[str, int], int] = {}
        for customer, m, _ in active:
            active_count[(customer, m)] = active_count.get((customer, m), 0) + 1
            row(customer, m)
        for t in self.txn.itertuples():
            if t.date is None or month_index(t.date) not in spine:
                continue
            r = row(t.customer_id, month_index(t.date))
            r["transaction_count"] += 1
            if t.transaction_type == "topup":
                r["topup_count"] += 1
                r["topup_amount"] += dec(t.amount_rep)
        for i in self.inter.itertuples():
            m = month_index(utc_date(i.started_at))
            if m in spine:
                row(i.customer_id, m)["complaint_count"] += int(i.reason_code == "complaint")
        latest: dict[tuple[str, int], tuple[Any, str, int]] = {}
        for n in self.nps.itertuples():
            key = (n.customer_id, month_index(utc_date(n.responded_at)))
            if key[1] in spine and (
                key not in latest or (n.responded_at, n.response_id) > latest[key][:2]
            ):
                latest[key] = (n.responded_at, n.response_id, int(n.score))
        for key, (_, _, score) in latest.items():
            row(*key)["nps"] = score

        out = []
        for (customer, m), r in rows.items():
            n_active = active_count.get((customer, m), 0)
            out.append(
                {
                    "customer_id": customer, "month": month_of_index(m),
                    "revenue": r["revenue"], "cost": r["cost"], "margin": r["revenue"] - r["cost"],
                    "arpu": r["revenue"] / n_active if n_active else None,
                    "voice_mou": r["voice_mou"], "sms_count": r["sms_count"],
                    "data_mb": r["data_mb"],
                    "roaming_revenue": r["roaming_revenue"], "active_subscriptions": n_active,
                    "billed_subscriptions": len(r["billed"]),
                    "transaction_count": r["transaction_count"], "topup_count": r["topup_count"],
                    "topup_amount": r["topup_amount"], "complaint_count": r["complaint_count"],
                    "nps_score": r["nps"],
                }
            )  # fmt: skip
        return pd.DataFrame(out)

    # ---- RFM
    def rfm(self) -> pd.DataFrame:
        window_after = months_before(AS_OF, 12)
        txn = self.txn[self.txn.date.notna() & (self.txn.date <= AS_OF)]
        last = txn.groupby("customer_id").date.max()
        in_window = txn[txn.date > window_after]
        freq = in_window.groupby("customer_id").size()
        monetary = in_window.groupby("customer_id").amount_rep.agg(lambda s: sum(map(dec, s)))
        pop = pd.DataFrame({"frequency": freq, "monetary": monetary})
        pop["recency_days"] = [(AS_OF - last[c]).days for c in pop.index]
        n = len(pop)

        def score(rank: pd.Series) -> pd.Series:
            return 1 + (5 * (rank.astype(int) - 1)) // n

        pop["r_score"] = score(pop.recency_days.rank(method="min", ascending=False))
        pop["f_score"] = score(pop.frequency.rank(method="min"))
        pop["m_score"] = score(pop.monetary.astype(object).rank(method="min"))
        everyone = pd.DataFrame(index=sorted(set(self.holders.customer_id)))
        out = everyone.join(pop)
        for col in ("r_score", "f_score", "m_score"):
            out[col] = out[col].fillna(1).astype(int)
        out["frequency"] = out.frequency.fillna(0).astype(int)
        out["monetary"] = out.monetary.map(dec)
        out["recency_days"] = [
            (AS_OF - last[c]).days if c in last.index else None for c in out.index
        ]
        fm = (out.f_score + out.m_score + 1) // 2
        segment_map = seed("rfm_segment_map")

        def segment(r: int, f: int) -> str:
            (hit,) = [
                s["rfm_segment"]
                for s in segment_map
                if int(s["r_score_min"]) <= r <= int(s["r_score_max"])
                and int(s["fm_score_min"]) <= f <= int(s["fm_score_max"])
            ]
            return hit

        out["rfm_segment"] = [segment(r, f) for r, f in zip(out.r_score, fm, strict=True)]
        return out.rename_axis("customer_id").reset_index()

    # ---- tenure and cohorts
    def tenure(self) -> pd.DataFrame:
        subs = self.subs[self.subs.activated_date.notna()]
        subs = subs[subs.activated_date <= AS_OF]
        first = subs.groupby("customer_id").activated_date.min()
        out = pd.DataFrame({"first_activation_date": first})
        out["tenure_months"] = [whole_months(d, AS_OF) for d in out.first_activation_date]
        bands = seed("tenure_bands")

        def band(months: int) -> str:
            (hit,) = [
                b["tenure_band"]
                for b in bands
                if months >= int(b["min_months"])
                and (not b["max_months"] or months < int(b["max_months"]))
            ]
            return hit

        out["tenure_band"] = out.tenure_months.map(band)
        out["cohort_month"] = [d.replace(day=1) for d in out.first_activation_date]
        return out.rename_axis("customer_id").reset_index()

    @staticmethod
    def cohort_retention(facts: pd.DataFrame, tenure: pd.DataFrame) -> pd.DataFrame:
        cohort = dict(zip(tenure.customer_id, tenure.cohort_month, strict=True))
        sizes = tenure.groupby("cohort_month").size()
        f = facts[facts.customer_id.isin(cohort)].copy()
        f["cohort_month"] = f.customer_id.map(cohort)
        active = f[f.active_subscriptions > 0].groupby(["cohort_month", "month"]).size()
        revenue = f.groupby(["cohort_month", "month"]).revenue.agg(lambda s: sum(s, ZERO))
        first, last = month_index(min(facts.month)), month_index(REF_MONTH)
        out = []
        for c, size in sizes.items():
            cumulative = ZERO
            for m in range(max(first, month_index(c)), last + 1):
                month = month_of_index(m)
                rev = revenue.get((c, month), ZERO)
                cumulative += rev
                out.append(
                    {
                        "cohort_month": c, "months_since_activation": m - month_index(c),
                        "customers_at_start": int(size),
                        "active_customers": int(active.get((c, month), 0)),
                        "revenue": rev, "cumulative_revenue": cumulative,
                    }
                )  # fmt: skip
        return pd.DataFrame(out)

    # ---- value tiers
    @staticmethod
    def value_tiers(facts: pd.DataFrame) -> pd.DataFrame:
        start = month_of_index(month_index(REF_MONTH) - 2)
        window = facts[
            (facts.month >= start) & (facts.month <= REF_MONTH) & (facts.active_subscriptions > 0)
        ]
        avg = window.groupby("customer_id").margin.agg(lambda s: sum(s, ZERO) / len(s))
        cut = {r["value_tier"]: r["share"] for r in seed("value_tier_cutoffs")}
        high_share, low_share = Decimal(cut["high"]), Decimal(cut["low"])
        positive = avg[avg > 0].astype(object)
        n = len(positive)
        higher = positive.rank(method="min", ascending=False) - 1
        lower = positive.rank(method="min") - 1

        def tier(c: str, margin: Decimal) -> str:
            if margin < 0:
                return "negative"
            if margin == 0:
                return "low"
            if Decimal(int(higher[c])) < high_share * n:
                return "high"
            if Decimal(int(lower[c])) < low_share * n:
                return "low"
            return "valuable"

        return pd.DataFrame(
            {
                "customer_id": avg.index,
                "avg_monthly_margin": avg.values,
                "value_tier": [tier(c, m) for c, m in avg.items()],
            }
        )

    # ---- high-end traffic lights
    @staticmethod
    def traffic_lights(facts: pd.DataFrame) -> pd.DataFrame:
        baseline = month_of_index(month_index(REF_MONTH) - 6)
        window = facts[
            (facts.month > month_of_index(month_index(baseline) - 3)) & (facts.month <= baseline)
        ]
        by = window.groupby("customer_id")
        base = pd.DataFrame(
            {
                "arpu": by.arpu.agg(lambda s: sum(map(dec, s)) / 3),
                "mou": by.voice_mou.agg(lambda s: sum(s, ZERO) / 3),
            }
        )
        active_then = set(
            window[(window.month == baseline) & (window.active_subscriptions > 0)].customer_id
        )
        base = base[(base.arpu >= 120) & (base.mou >= 100) & base.index.isin(active_then)]
        lookup = facts.set_index(["customer_id", "month"])
        out = []
        for c, b in base.iterrows():
            for m in range(month_index(baseline) + 1, month_index(REF_MONTH) + 1):
                month = month_of_index(m)
                f = lookup.loc[(c, month)] if (c, month) in lookup.index else None
                act = 0 if f is None else int(f.active_subscriptions)
                arpu = ZERO if f is None else dec(f.arpu)
                mou = ZERO if f is None else f.voice_mou
                complaints = 0 if f is None else int(f.complaint_count)
                if act == 0:
                    light = "black"
                elif arpu < 120 or mou < 100:
                    light = "red"
                elif arpu <= b.arpu * Decimal("0.7") or mou <= b.mou * Decimal("0.7") or complaints:
                    light = "yellow"
                else:
                    light = "green"
                out.append({"customer_id": c, "month": month, "traffic_light": light})
        return pd.DataFrame(out)

    # ---- contract renewal
    def renewals(self) -> pd.DataFrame:
        s = self.subs
        s = s[
            s.contract_end_date.notna()
            & (s.contract_end_date >= AS_OF.replace(day=1))
            & s.monthly_commitment.notna()
            & s.activated_date.notna()
        ]
        s = s[
            (s.activated_date <= AS_OF) & s.deactivated_date.map(lambda d: d is None or d > AS_OF)
        ]
        usage = self.usage[self.usage.billing_month <= REF_MONTH]
        billed = usage.groupby("subscription_id").size()
        spend = usage.groupby("subscription_id").revenue.agg(lambda r: sum(map(dec, r)))
        out = []
        for sub in s.itertuples():
            left = month_index(sub.contract_end_date) - month_index(AS_OF) + 1
            months = int(billed.get(sub.subscription_id, 0))
            spent = spend.get(sub.subscription_id, ZERO)
            if left == 1:
                bucket = "expiring_this_month"
            elif left <= 3:
                bucket = "expiring_in_2_3_months"
            elif spent > sub.monthly_commitment * months:
                bucket = "spend_above_commitment"
            else:
                bucket = None
            out.append(
                {
                    "subscription_id": sub.subscription_id,
                    "renewal_bucket": bucket,
                    "cumulative_spend": spent,
                }
            )
        return pd.DataFrame(out)

    # ---- lifecycle
    def lifecycle(self, facts: pd.DataFrame, lights: pd.DataFrame) -> pd.DataFrame:
        persons = self.contacts.groupby("customer_id").account_id.agg(lambda a: a.isna().all())
        subs = self.subs[self.subs.activated_date.notna()]
        subs = subs[subs.activated_date <= AS_OF]
        count = subs.groupby("customer_id").size()
        active = (
            subs[subs.deactivated_date.map(lambda d: d is None or d > AS_OF)]
            .groupby("customer_id")
            .size()
        )
        first = subs.groupby("customer_id").activated_date.min()
        ref = month_index(REF_MONTH)
        recent = facts[facts.month.map(month_index) > ref - 3]
        previous = facts[facts.month.map(month_index).between(ref - 5, ref - 3)]
        rec_rev = recent.groupby("customer_id").revenue.agg(lambda s: sum(s, ZERO))
        prev_rev = previous.groupby("customer_id").revenue.agg(lambda s: sum(s, ZERO))
        rec_mou = recent.groupby("customer_id").voice_mou.agg(lambda s: sum(s, ZERO))
        prev_mou = previous.groupby("customer_id").voice_mou.agg(lambda s: sum(s, ZERO))
        answered = facts[facts.nps_score.notna() & (facts.month.map(month_index) > ref - 12)]
        latest_nps = answered.sort_values("month").groupby("customer_id").nps_score.last()
        light_now = lights[lights.month == REF_MONTH].set_index("customer_id").traffic_light

        def declining(recent_sum: pd.Series, previous_sum: pd.Series, c: str) -> bool:
            p, r = previous_sum.get(c), recent_sum.get(c)
            return p is not None and r is not None and p > 0 and r <= p * Decimal("0.7")

        out = []
        for c, prospect in persons.items():
            if prospect or count.get(c, 0) == 0:
                stage = "prospect"
            elif active.get(c, 0) == 0:
                stage = "churned"
            elif (AS_OF - first[c]).days < 90:
                stage = "new"
            elif (
                light_now.get(c) in ("red", "yellow")
                or declining(rec_rev, prev_rev, c)
                or declining(rec_mou, prev_mou, c)
                or (c in latest_nps and latest_nps[c] <= 6)
            ):
                stage = "at_risk"
            else:
                stage = "active"
            out.append({"customer_id": c, "lifecycle_stage": stage})
        return pd.DataFrame(out)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def demo(embedded_pg) -> Iterator[str]:
    """The demo data loaded and the segment models built - without an as-of var: the data says
    2026-10-31 whatever the day (test_as_of_comes_from_the_data)."""
    loaded = run_cli("load", str(PROJECT_DIR / "seeds" / "demo"), "--replace-all")
    assert loaded.returncode == 0, loaded.stderr
    done = run_cli("build", "--select", SEGMENT_MODELS, *MODELS_ONLY, "--full-refresh")
    assert done.returncode == 0, done.stdout + done.stderr
    yield embedded_pg.url


@pytest.fixture(scope="module")
def rules(demo: str) -> Rules:
    return Rules(demo)


@pytest.fixture(scope="module")
def facts(rules: Rules) -> pd.DataFrame:
    return rules.facts()


def compare(
    expected: pd.DataFrame,
    actual: pd.DataFrame,
    keys: list[str],
    columns: list[str],
    ratios: tuple[str, ...] = (),
) -> None:
    """Same keys, and the same value in every column, row by row (ratios, which are repeating
    decimals, to 10 places; everything else exactly)."""
    assert len(actual) == len(expected)
    merged = expected.merge(
        actual, on=keys, how="outer", suffixes=("_pandas", "_sql"), indicator=True
    )
    assert (merged._merge == "both").all(), merged[merged._merge != "both"].head()
    for col in columns:
        left, right = merged[f"{col}_pandas"], merged[f"{col}_sql"]
        if col in ratios:
            left, right = (
                x.map(lambda v: v if pd.isna(v) else round(v, 10)) for x in (left, right)
            )
        same = [
            (pd.isna(a) and pd.isna(b))
            if (a is None or b is None or pd.isna(a) or pd.isna(b))
            else a == b
            for a, b in zip(left, right, strict=True)
        ]
        bad = merged.loc[[not s for s in same], [*keys, f"{col}_pandas", f"{col}_sql"]]
        assert bad.empty, f"{col} differs:\n{bad.head()}"


# --------------------------------------------------------------------------- tests


@pytest.mark.e2e
def test_monthly_facts_match_pandas(demo: str, facts: pd.DataFrame) -> None:
    sql = query(demo, "select * from intermediate.int_customer_monthly_facts")
    columns = [
        "revenue", "cost", "margin", "arpu", "voice_mou", "sms_count", "data_mb", "roaming_revenue",
        "active_subscriptions", "billed_subscriptions", "transaction_count", "topup_count",
        "topup_amount", "complaint_count", "nps_score",
    ]  # fmt: skip
    compare(facts, sql, ["customer_id", "month"], columns, ratios=("arpu",))
    assert sql.revenue.sum() == facts.revenue.sum() > 0


@pytest.mark.e2e
def test_rfm_tenure_and_cohorts_match_pandas(demo: str, rules: Rules, facts: pd.DataFrame) -> None:
    rfm = rules.rfm()
    compare(
        rfm,
        query(demo, "select * from intermediate.int_customer_rfm"),
        ["customer_id"],
        ["frequency", "monetary", "recency_days", "r_score", "f_score", "m_score", "rfm_segment"],
    )
    tenure = rules.tenure()
    compare(
        tenure,
        query(demo, "select * from intermediate.int_customer_tenure"),
        ["customer_id"],
        ["first_activation_date", "tenure_months", "tenure_band", "cohort_month"],
    )
    compare(
        rules.cohort_retention(facts, tenure),
        query(demo, "select * from marts__build.cohort_retention"),
        ["cohort_month", "months_since_activation"],
        ["customers_at_start", "active_customers", "revenue", "cumulative_revenue"],
    )


@pytest.mark.e2e
def test_value_tiers_lights_renewals_lifecycle_match_pandas(
    demo: str, rules: Rules, facts: pd.DataFrame
) -> None:
    tiers = rules.value_tiers(facts)
    compare(
        tiers,
        query(demo, "select * from intermediate.int_customer_value_tiers"),
        ["customer_id"],
        ["value_tier"],
    )
    counts = tiers.value_tier.value_counts()
    positive = int((tiers.avg_monthly_margin > 0).sum())
    # high is the top 10% of positive margins, low the bottom 15% (ties at a cut-off only add)
    assert 0.10 * positive <= counts["high"] <= 0.11 * positive
    low_positive = int(((tiers.value_tier == "low") & (tiers.avg_monthly_margin > 0)).sum())
    assert 0.15 * positive <= low_positive <= 0.16 * positive

    lights = rules.traffic_lights(facts)
    assert len(lights) > 0 and set(lights.traffic_light) == {"green", "yellow", "red", "black"}
    compare(
        lights,
        query(demo, "select * from intermediate.int_high_end_traffic_lights"),
        ["customer_id", "month"],
        ["traffic_light"],
    )
    renewals = rules.renewals()
    compare(
        renewals,
        query(demo, "select * from intermediate.int_subscription_renewals"),
        ["subscription_id"],
        ["renewal_bucket", "cumulative_spend"],
    )
    targets = query(demo, "select * from marts__build.contract_renewal_targets")
    assert len(targets) == renewals.renewal_bucket.notna().sum()
    lifecycle = rules.lifecycle(facts, lights)
    compare(
        lifecycle,
        query(demo, "select * from intermediate.int_customer_lifecycle"),
        ["customer_id"],
        ["lifecycle_stage"],
    )

    # the one-row mart carries the same labels
    segments = query(demo, "select * from marts__build.customer_segments")
    assert segments.customer_id.is_unique
    assert (
        segments.lifecycle_stage.value_counts().to_dict()
        == lifecycle.lifecycle_stage.value_counts().to_dict()
    )
    assert segments.value_tier.value_counts().to_dict() == counts.to_dict()


def test_as_of_comes_from_the_data_and_the_readme_figures_hold(demo: str) -> None:
    """Issue 10: the demo ends on 2026-10-31, so a build without the var is as of that date on
    any day; the README's table of demo figures is what the build gives."""
    as_of = query(demo, "select * from intermediate.int_as_of_dates_resolved")
    assert as_of.as_of_date.tolist() == [AS_OF] and as_of.as_of_source.tolist() == ["data"]
    readme = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- demo-figures")[1].split("<!-- /demo-figures -->")[0]
    expected = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[2].replace(",", "").isdigit():
            label = None if cells[1].startswith("(none") else cells[1]
            expected[(cells[0], label)] = int(cells[2].replace(",", ""))
    assert len(expected) >= 15
    segments = query(demo, "select * from marts__build.customer_segments")
    for (column, label), persons in expected.items():
        actual = int(
            segments[column].isna().sum() if label is None else (segments[column] == label).sum()
        )
        assert actual == persons, f"README says {column} {label}: {persons}, the build {actual}"


HISTORY = "select customer_id, segment_type, segment_value, valid_from, valid_to, is_current " \
    "from marts__build.segment_membership order by 1, 2, 4"  # fmt: skip


@pytest.mark.e2e
def test_segment_history_across_builds_and_reruns(demo: str) -> None:
    """Monthly builds (August, September, October) record a history; a rerun of October (also
    with --full-refresh, which keeps the stored history) restates it with the same rows; its
    open rows are the labels; a build as of an earlier date shows the history cut there."""
    mine = ("path:models/intermediate/segments", "path:models/marts/segments")
    build(*mine, as_of=date(2026, 8, 31), reset_history=True)
    for as_of in (date(2026, 9, 30), AS_OF):
        build(*mine, as_of=as_of)
    october = query(demo, HISTORY)
    assert set(october.valid_from) == {date(2026, 8, 31), date(2026, 9, 30), AS_OF}
    assert (~october.is_current).sum() > 0
    # a rerun restates its as-of date (same rows), and --full-refresh keeps the history
    build(*mine, as_of=AS_OF, full_refresh=True)
    pd.testing.assert_frame_equal(query(demo, HISTORY), october)
    with psycopg.connect(demo) as conn:
        doubles = conn.execute(
            "select count(*) from (select customer_id, segment_type "
            "from marts__build.segment_membership "
            "where valid_to is null group by 1, 2 having count(*) > 1) as d"
        ).fetchone()
        assert doubles == (0,)
        current_vs_mart = conn.execute(
            "select count(*) from marts__build.segment_membership as m "
            "join marts__build.customer_segments as s using (customer_id) "
            "where m.valid_to is null and m.segment_type = 'value_tier' "
            "and m.segment_value is distinct from s.value_tier"
        ).fetchone()
        assert current_vs_mart == (0,)
        # every closed row is followed by the next state of the same person and type (or none)
        gaps = conn.execute(
            "select count(*) from marts__build.segment_membership as closed "
            "where closed.valid_to is not null "
            "and exists (select 1 from marts__build.segment_membership as nxt "
            "where nxt.customer_id = closed.customer_id "
            "and nxt.segment_type = closed.segment_type "
            "and nxt.valid_from > closed.valid_from and nxt.valid_from < closed.valid_to)"
        ).fetchone()
        assert gaps == (0,)
    # a build as of September: the history cut there, the October rows left out (and kept)
    build(*mine, as_of=date(2026, 9, 30))
    september = query(demo, HISTORY)
    assert max(september.valid_from) == date(2026, 9, 30)
    assert (september.valid_to.dropna() <= date(2026, 9, 30)).all()
    with psycopg.connect(demo) as conn:
        kept = conn.execute(
            "select count(*) from intermediate.int_customer_segment_history where valid_from = %s",
            (AS_OF,),
        ).fetchone()
        assert kept is not None and kept[0] > 0, "the stored October rows are kept"


def test_reference_seeds_are_consistent() -> None:
    """Tenure bands tile the months from 0 without gaps; value-tier shares leave a middle tier."""
    bands = sorted(seed("tenure_bands"), key=lambda b: int(b["min_months"]))
    assert int(bands[0]["min_months"]) == 0 and bands[-1]["max_months"] == ""
    for lower, upper in itertools.pairwise(bands):
        assert int(lower["max_months"]) == int(upper["min_months"])
        assert int(lower["loyalty_discount_pct"]) + int(lower["price_pct"]) == 100
    shares = {r["value_tier"]: r["share"] for r in seed("value_tier_cutoffs")}
    assert Decimal(shares["high"]) + Decimal(shares["low"]) < 1
    assert Path(REFERENCE / "_segments__seeds.yml").exists()
