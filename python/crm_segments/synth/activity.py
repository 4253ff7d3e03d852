"""Accounts' activity for one chunk, vectorised with numpy: subscriptions, usage, transactions,
consent, preferences, campaign contacts, interactions, NPS, loyalty and suppressions.

Every table comes back as a list of columns (text, contract order). Identifiers are numbered
from a per-chunk base (``chunk_start * cap``) so they are unique across chunks without any
coordination between them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from crm_segments.contract import (
    CHANNELS,
    CONSENT_ACTIONS,
    CONSENT_PURPOSES,
    INTERACTION_CHANNELS,
    LOYALTY_EVENT_TYPES,
    OBJECTIVES,
    OUTCOMES,
    SOURCE_SYSTEMS,
    SUPPRESSION_REASONS,
    SUPPRESSION_SCOPE_TYPES,
    TRANSACTION_TYPES,
)
from crm_segments.synth import config as cfg
from crm_segments.synth.garbage import TableSpec, inject_garbage, replace_some
from crm_segments.synth.ids import CALLING_CODES, mobile_nsn
from crm_segments.synth.people import (
    MSISDN_SLOTS,
    ContactChunk,
    Person,
    World,
    record_key,
)
from crm_segments.synth.text import DateTables, epoch_day, money, pick_styles

Columns = list[list[str]]

COUNTRIES: tuple[str, ...] = ("RO", "RU", "CN", "KZ", "IT", "ES", "DE")
CURRENCY: dict[str, str] = {
    "RO": "RON",
    "RU": "RUB",
    "CN": "CNY",
    "KZ": "RUB",
    "IT": "EUR",
    "ES": "EUR",
    "DE": "EUR",
}
FX: dict[str, float] = {"RON": 1.0, "RUB": 20.0, "CNY": 1.6, "EUR": 0.2}
TOPUP_NOMINALS: dict[str, tuple[float, ...]] = {
    "RON": (5, 6, 10, 15, 20, 25, 30, 50, 100),
    "RUB": (100, 150, 200, 300, 500, 1000, 1500),
    "CNY": (10, 20, 30, 50, 100, 200),
    "EUR": (5, 10, 15, 20, 25),
}

PREPAID_PLANS: tuple[str, ...] = ("PRE-BASIC", "PRE-SMART", "PRE-DATA", "PRE-MAX")
PREPAID_WEIGHTS: tuple[float, ...] = (0.4, 0.35, 0.15, 0.10)
POSTPAID_PLANS: tuple[str, ...] = ("POST-S", "POST-M", "POST-L", "POST-XL", "POST-MAX", "POST-BIZ")
POSTPAID_WEIGHTS: tuple[float, ...] = (0.20, 0.28, 0.22, 0.16, 0.08, 0.06)
POSTPAID_FEES: tuple[float, ...] = (20.0, 35.0, 55.0, 85.0, 130.0, 165.0)
POSTPAID_VOICE: tuple[float, ...] = (60.0, 110.0, 170.0, 240.0, 330.0, 420.0)
PLAN_TYPE_SPELLINGS: tuple[tuple[str, ...], ...] = (
    ("prepaid", "Prepaid ", "PREPAID", "Prepaid"),
    ("postpaid", "Postpaid", "POSTPAID", " postpaid"),
)

REASON_CODES: tuple[str, ...] = (
    "roaming",
    "topup",
    "data",
    "billing",
    "complaint",
    "tech_support",
    "contract",
    "device",
)
CAPTURED_VIA: tuple[str, ...] = ("web_form", "store", "call_center", "app", "paper")
CAPTURED_BY_SYSTEM: dict[str, tuple[float, ...]] = {
    "crm": (0.3, 0.25, 0.2, 0.15, 0.1),
    "billing": (0.0, 0.2, 0.0, 0.3, 0.5),
    "web": (0.7, 0.0, 0.0, 0.3, 0.0),
    "retail": (0.0, 0.8, 0.0, 0.0, 0.2),
    "call_center": (0.0, 0.0, 1.0, 0.0, 0.0),
}
CONSENT_CHANNEL_WEIGHTS: tuple[float, ...] = (0.10, 0.07, 0.25, 0.25, 0.15, 0.05, 0.05, 0.08)
PREFERENCE_CHANNEL_WEIGHTS: tuple[float, ...] = (0.10, 0.03, 0.30, 0.30, 0.10, 0.03, 0.04, 0.10)

# per channel (CHANNELS order): P(outcome) for treated contacts, OUTCOMES order
_TREATED_OUTCOMES: dict[str, tuple[float, ...]] = {
    "direct_mail": (0.86, 0.0, 0.03, 0.0, 0.065, 0.04, 0.002, 0.003),
    "bill_insert": (0.90, 0.0, 0.0, 0.0, 0.06, 0.035, 0.002, 0.003),
    "email": (0.05, 0.44, 0.05, 0.30, 0.08, 0.045, 0.005, 0.03),
    "sms": (0.02, 0.74, 0.04, 0.0, 0.11, 0.06, 0.01, 0.02),
    "outbound_call": (0.0, 0.58, 0.20, 0.0, 0.12, 0.07, 0.02, 0.01),
    "ivr": (0.0, 0.76, 0.05, 0.0, 0.11, 0.06, 0.015, 0.005),
    "tv_stb": (0.05, 0.78, 0.0, 0.0, 0.10, 0.06, 0.005, 0.005),
    "web": (0.0, 0.70, 0.0, 0.16, 0.08, 0.05, 0.003, 0.007),
}
CONTROL_RESPONSE_FACTOR = 0.4  # control-group response and conversion, relative to treated
CONTACT_DRAW_FACTOR = 1.42  # contacts drawn per kept one (those before activation are dropped)
BOOL_SPELLINGS: tuple[tuple[str, str], ...] = (("true", "false"), ("1", "0"), ("t", "f"))


def _pick(seq: tuple[str, ...] | list[str], idx: np.ndarray) -> list[str]:
    return [seq[i] for i in idx.tolist()]


def _ids(prefix: str, base: int, n: int, width: int) -> list[str]:
    return [f"{prefix}{base + i:0{width}d}" for i in range(n)]


def _within_group_index(counts: np.ndarray) -> np.ndarray:
    """For groups of the given sizes laid out one after another: 0..size-1 in each group."""
    total = int(counts.sum())
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total) - starts


def _month_of_day(days: np.ndarray) -> np.ndarray:
    """Months since 1970-01 of epoch days."""
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def _first_day_of_month(months: np.ndarray) -> np.ndarray:
    return months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


@dataclass(slots=True)
class Timeline:
    """The reporting window: 24 complete months ending at ``as_of``."""

    as_of: date
    as_of_day: int
    end_month: int  # months since 1970-01
    start_month: int
    window_start_day: int
    tables: DateTables

    @classmethod
    def build(cls, as_of: date) -> Timeline:
        """Window and text tables for ``as_of``."""
        as_of_day = epoch_day(as_of)
        month = int(_month_of_day(np.array([as_of_day]))[0])
        next_month_first = int(_first_day_of_month(np.array([month + 1]))[0])
        end_month = month if as_of_day == next_month_first - 1 else month - 1
        start_month = end_month - cfg.WINDOW_MONTHS + 1
        window_start_day = int(_first_day_of_month(np.array([start_month]))[0])
        tables = DateTables(as_of_day - 15 * 366, as_of_day + 4 * 366)
        return cls(as_of, as_of_day, end_month, start_month, window_start_day, tables)

    @property
    def as_of_second(self) -> int:
        """Last second of the as_of day."""
        return (self.as_of_day + 1) * 86_400 - 1


CAMPAIGN_CONTACTS_SPEC = TableSpec(
    key=(0,),
    numbers=(7,),
    dates=(4,),
    booleans=(5,),
    enums={6: ("ignored", "pending"), 3: ("fax",)},
)


@dataclass(slots=True)
class ContactRows:
    """The campaign contacts of a chunk before their outcome: one entry per row."""

    person: np.ndarray  # index of the person in the chunk
    campaign: np.ndarray  # index of the campaign
    day: np.ndarray  # epoch day of the contact
    account: np.ndarray  # index of the account in the chunk
    channel: np.ndarray  # index in CHANNELS
    contact_ids: list[str]
    campaign_ids: list[str]  # as written (a few orphans point at no campaign)
    account_ids: list[str]
    channel_codes: list[str]
    contacted_at: list[str]

    def text_columns(self) -> Columns:
        """The first five columns of ``campaign_contacts`` (contract order)."""
        return [
            self.contact_ids,
            self.campaign_ids,
            self.account_ids,
            self.channel_codes,
            self.contacted_at,
        ]


@dataclass(slots=True)
class PersonTraits:
    """Per person of a chunk: what the planted campaign effects depend on."""

    arpu: np.ndarray  # usage revenue per subscription-month over the window
    data_mb: np.ndarray  # data MB per subscription-month
    roaming_months: np.ndarray  # subscription-months with roaming
    postpaid: np.ndarray  # holds a postpaid account
    declining: np.ndarray  # usage falls over the window
    responsiveness: np.ndarray  # a person's own taste for offers (not observable)
    account_first_day: np.ndarray  # per account: first activation (epoch day)
    account_last_day: np.ndarray  # per account: last day active


@dataclass(slots=True)
class Campaigns:
    """The campaigns every chunk draws its contacts from."""

    ids: list[str]
    start_day: np.ndarray
    end_day: np.ndarray
    channel: np.ndarray
    objective: np.ndarray
    probability: np.ndarray
    control_pct: np.ndarray  # the draws of the outcome model before issue 13 (replayed)
    response_mult: np.ndarray  # the campaign's own strength: scales its planted uplift
    bool_style: np.ndarray
    holdout_pct: np.ndarray  # share of persons held out as the control group (0 = none)
    offer: list[str] = field(default_factory=list)  # offer code per campaign ('' = none)


class ActivityGenerator:
    """Builds the activity tables of one chunk from its persons and contact records."""

    def __init__(
        self,
        world: World,
        timeline: Timeline,
        campaigns: Campaigns,
        rng: np.random.Generator,
        rnd: random.Random,
        chunk_start: int,
        persons: list[Person],
        contacts: ContactChunk,
    ) -> None:
        self.world = world
        self.t = timeline
        self.campaigns = campaigns
        self.rng = rng
        self.rnd = rnd
        self.chunk_start = chunk_start
        self.persons = persons
        self.contacts = contacts
        n = len(persons)
        self.n = n
        self.country = np.array([COUNTRIES.index(p.country) for p in persons], dtype=np.int64)
        self.value = rng.lognormal(0.0, 0.35, n)
        self.engagement = rng.lognormal(-0.125, 0.5, n)
        self.responsiveness = rng.lognormal(-0.18, 0.6, n)
        self.declining = rng.random(n) < cfg.DECLINING_RATE
        self.growing = ~self.declining & (
            rng.random(n) < cfg.GROWING_RATE / (1 - cfg.DECLINING_RATE)
        )
        self.lapsed = rng.random(n) < 0.10
        self.has_email = np.array([bool(p.email or p.household.family_email) for p in persons])
        acc_person: list[int] = []
        acc_ids: list[str] = []
        for i, p in enumerate(persons):
            for a in p.accounts:
                acc_person.append(i)
                acc_ids.append(a)
        self.acc_person = np.array(acc_person, dtype=np.int64)
        self.acc_ids = acc_ids
        self.customer = np.array([bool(p.accounts) for p in persons])

    # -- subscriptions and usage ----------------------------------------------------------

    def subscriptions(self) -> tuple[Columns, Columns]:
        """``subscriptions`` and ``usage_monthly`` columns."""
        rng, t = self.rng, self.t
        n_acc = len(self.acc_ids)
        per_acc = (
            rng.choice(
                len(cfg.SUBSCRIPTION_COUNT_WEIGHTS), size=n_acc, p=cfg.SUBSCRIPTION_COUNT_WEIGHTS
            )
            + 1
        )
        sub_acc = np.repeat(np.arange(n_acc), per_acc)
        k_in_acc = _within_group_index(per_acc)
        sub_person = self.acc_person[sub_acc]
        n = len(sub_acc)
        country = self.country[sub_person]
        share = np.array(
            [cfg.POSTPAID_SHARE.get(c, cfg.POSTPAID_SHARE["ABROAD"]) for c in COUNTRIES]
        )
        postpaid = rng.random(n) < share[country]
        pre_plan = rng.choice(len(PREPAID_PLANS), size=n, p=PREPAID_WEIGHTS)
        post_plan = rng.choice(len(POSTPAID_PLANS), size=n, p=POSTPAID_WEIGHTS)
        # activation: recent (inside the window) or up to 12 years back; extra SIMs are newer
        recent = rng.random(n) < np.where(k_in_acc > 0, 0.7, cfg.RECENT_ACTIVATION_SHARE)
        window_days = t.as_of_day - t.window_start_day
        ago = np.where(
            recent, rng.integers(0, window_days, n), rng.integers(window_days, 12 * 365, n)
        )
        act_day = t.as_of_day - ago
        act_sec = act_day * 86_400 + rng.integers(8 * 3600, 21 * 3600, n)
        churned = rng.random(n) < cfg.CHURN_RATE
        in_window = rng.random(n) < cfg.CHURN_IN_WINDOW_SHARE
        lo_in = np.maximum(act_day + 30, t.window_start_day)
        deact_in = lo_in + (rng.random(n) * np.maximum(t.as_of_day - lo_in, 1)).astype(np.int64)
        early_ok = act_day + 60 < t.window_start_day
        deact_early = (
            act_day
            + 60
            + (rng.random(n) * np.maximum(t.window_start_day - act_day - 60, 1)).astype(np.int64)
        )
        deact_day = np.where(in_window | ~early_ok, deact_in, deact_early)
        deact_day = np.minimum(deact_day, t.as_of_day)
        deact_sec = deact_day * 86_400 + rng.integers(0, 86_400, n)
        # postpaid contracts of 12/24 months, renewed; some run out of contract
        term = np.where(rng.random(n) < 0.5, 12, 24)
        act_month = _month_of_day(act_day)
        ref_day = np.where(churned, deact_day, t.as_of_day)
        elapsed = _month_of_day(ref_day) - act_month
        periods = elapsed // term + 1
        lapsed_contract = (rng.random(n) < 0.15) & (periods > 1)
        periods = np.where(lapsed_contract, periods - 1, periods)
        act_dom = act_day - _first_day_of_month(act_month)
        end_day = _first_day_of_month(act_month + periods * term) + np.minimum(act_dom, 27)
        # ids and text
        base = self.chunk_start * 8
        sub_ids = _ids("S", base, n, 8)
        person_sub_index = _within_group_index(np.bincount(sub_person, minlength=self.n))
        msisdn: list[str] = []
        styles = rng.random(n)
        for i, (pi, k) in enumerate(
            zip(sub_person.tolist(), person_sub_index.tolist(), strict=True)
        ):
            p = self.persons[pi]
            c = p.country
            nsn = p.mobile if k == 0 else mobile_nsn(c, p.gid * MSISDN_SLOTS + min(k, 7))
            s = styles[i]
            if s < 0.8:
                msisdn.append(f"{CALLING_CODES[c]}{nsn}")
            elif s < 0.9:
                msisdn.append(f"+{CALLING_CODES[c]}{nsn}")
            else:
                trunk = {"RO": "0", "RU": "8", "KZ": "8"}.get(c, CALLING_CODES[c])
                msisdn.append(f"{trunk}{nsn}")
        pp = postpaid.tolist()
        plan_code = [
            POSTPAID_PLANS[b] if p else PREPAID_PLANS[a]
            for a, b, p in zip(pre_plan.tolist(), post_plan.tolist(), pp, strict=True)
        ]
        spell = rng.random(n)
        plan_type = []
        for p, s in zip(pp, spell.tolist(), strict=True):
            forms = PLAN_TYPE_SPELLINGS[1 if p else 0]
            plan_type.append(forms[0] if s < 0.93 else forms[1 + int((s - 0.93) / 0.07 * 3) % 3])
        tab = t.tables
        act_text = tab.timestamps(act_sec, pick_styles(rng, n, (0.85, 0.05, 0.10)))
        date_only = rng.random(n) < 0.1
        act_text = [a[:10] if d else a for a, d in zip(act_text, date_only.tolist(), strict=True)]
        deact_text = tab.timestamps(deact_sec, pick_styles(rng, n, (0.9, 0.05, 0.05)))
        deact_text = [d if c else "" for d, c in zip(deact_text, churned.tolist(), strict=True)]
        end_text = tab.dates(end_day, pick_styles(rng, n, (0.9, 0.1)))
        end_text = [e if p else "" for e, p in zip(end_text, pp, strict=True)]
        fee = np.array(POSTPAID_FEES)[post_plan]
        fee_text = [
            (f"{f:.2f}" if s < 0.7 else f"{f:.0f}") if p else ""
            for f, p, s in zip(fee.tolist(), pp, rng.random(n).tolist(), strict=True)
        ]
        subs: Columns = [
            sub_ids,
            [self.acc_ids[a] for a in sub_acc.tolist()],
            msisdn,
            plan_code,
            plan_type,
            act_text,
            deact_text,
            end_text,
            fee_text,
        ]
        usage = self._usage(
            sub_ids,
            sub_person,
            postpaid,
            post_plan,
            act_day,
            np.where(churned, deact_day, t.as_of_day + 1),
        )
        subs = inject_garbage(
            subs,
            TableSpec(
                key=(0,),
                numbers=(8,),
                dates=(5, 6, 7),
                enums={4: ("hybrid", "corporate", "pre-paid?")},
            ),
            self.rnd,
            cfg.GARBAGE_RATE,
        )
        self._sub_summary(sub_acc, postpaid, fee, act_day, np.where(churned, deact_day, -1))
        return subs, usage

    def _sub_summary(
        self,
        sub_acc: np.ndarray,
        postpaid: np.ndarray,
        fee: np.ndarray,
        act_day: np.ndarray,
        deact_day: np.ndarray,
    ) -> None:
        """Per account: postpaid?, plan fee, first activation, last day active."""
        n_acc = len(self.acc_ids)
        self.acc_postpaid = np.zeros(n_acc, dtype=bool)
        np.logical_or.at(self.acc_postpaid, sub_acc, postpaid)
        self.acc_fee = np.zeros(n_acc)
        np.maximum.at(self.acc_fee, sub_acc, np.where(postpaid, fee, 0.0))
        self.acc_first = np.full(n_acc, self.t.as_of_day)
        np.minimum.at(self.acc_first, sub_acc, act_day)
        alive_until = np.where(deact_day < 0, self.t.as_of_day, deact_day)
        self.acc_last = np.zeros(n_acc, dtype=np.int64)
        np.maximum.at(self.acc_last, sub_acc, alive_until)

    def _usage(
        self,
        sub_ids: list[str],
        sub_person: np.ndarray,
        postpaid: np.ndarray,
        post_plan: np.ndarray,
        act_day: np.ndarray,
        stop_day: np.ndarray,
    ) -> Columns:
        rng, t = self.rng, self.t
        n = len(sub_ids)
        first = np.maximum(_month_of_day(act_day), t.start_month)
        last = np.minimum(_month_of_day(stop_day - 1), t.end_month)
        counts = np.maximum(last - first + 1, 0)
        row_sub = np.repeat(np.arange(n), counts)
        month = first[row_sub] + _within_group_index(counts)
        lo, hi = cfg.PREPAID_ACTIVE_MONTH_RANGE
        p_active = np.where(postpaid, 1.0, rng.uniform(lo, hi, n))
        keep = rng.random(len(row_sub)) < p_active[row_sub]
        row_sub, month = row_sub[keep], month[keep]
        m = len(row_sub)
        person = sub_person[row_sub]
        value = self.value[sub_person]
        fee = np.array(POSTPAID_FEES)[post_plan]
        base_rev = np.where(
            postpaid,
            fee * rng.uniform(1.0, 1.3, n) * value**0.5,
            rng.lognormal(np.log(12.0), 0.6, n) * value,
        )
        base_voice = np.where(
            postpaid,
            np.array(POSTPAID_VOICE)[post_plan] * rng.lognormal(0.0, 0.45, n),
            40.0 * rng.lognormal(0.0, 0.8, n),
        )
        base_data = np.where(
            postpaid, rng.lognormal(np.log(3000.0), 1.0, n), rng.lognormal(np.log(800.0), 1.2, n)
        )
        cost_ratio = np.where(
            rng.random(n) < cfg.NEGATIVE_MARGIN_RATE,
            rng.uniform(1.05, 1.6, n),
            rng.uniform(0.35, 0.75, n),
        )
        # trend: declining persons fall month over month after a start month, growing rise
        k = (month - t.start_month).astype(np.float64)
        start = rng.integers(4, 20, n)[row_sub]
        decl = np.where(self.declining[person], rng.uniform(0.85, 0.95, n)[row_sub], 1.0)
        grow = np.where(self.growing[person], rng.uniform(1.01, 1.03, n)[row_sub], 1.0)
        after = np.maximum(k - start, 0)
        trend = np.maximum(decl**after, 0.15) * grow**k
        noise = rng.lognormal(0.0, 0.12, m)
        revenue = base_rev[row_sub] * trend * noise
        voice = np.round(base_voice[row_sub] * trend * rng.lognormal(0.0, 0.2, m))
        sms = rng.poisson(np.where(postpaid, 15.0, 25.0)[row_sub] * trend)
        data_mb = base_data[row_sub] * np.sqrt(trend) * rng.lognormal(0.0, 0.3, m)
        month_of_year = (month % 12) + 1
        summer = (month_of_year >= 6) & (month_of_year <= 8)
        roam = rng.random(m) < cfg.ROAMING_MONTH_RATE * np.where(summer, 2.5, 0.7)
        roaming = np.where(roam, rng.lognormal(np.log(15.0), 0.8, m) * value[row_sub], 0.0)
        revenue = revenue + roaming
        # per person, for the planted campaign effects (person_traits); no random draw
        self.usage_revenue = np.bincount(person, weights=revenue, minlength=self.n)
        self.usage_data_mb = np.bincount(person, weights=data_mb, minlength=self.n)
        self.usage_months = np.bincount(person, minlength=self.n)
        self.roaming_months = np.bincount(person[roam], minlength=self.n)
        cost = revenue * cost_ratio[row_sub] * rng.lognormal(0.0, 0.05, m)
        month_text_iso = t.tables.month
        first_of = _first_day_of_month(month) - t.tables.first_day
        style = rng.random(m) < 0.3
        bm = [
            f"{month_text_iso[d]}-01" if s else month_text_iso[d]
            for d, s in zip(first_of.tolist(), style.tolist(), strict=True)
        ]
        roaming_text = money(roaming)
        cols: Columns = [
            [sub_ids[i] for i in row_sub.tolist()],
            bm,
            money(revenue),
            money(cost),
            [str(int(v)) for v in voice.tolist()],
            [str(v) for v in sms.tolist()],
            [f"{v:.1f}" for v in data_mb.tolist()],
            roaming_text,
        ]
        replace_some(
            cols[0],
            cfg.ORPHAN_RATE,
            [f"S9{self.rnd.randrange(10**7):07d}" for _ in range(20)],
            self.rnd,
        )
        return inject_garbage(
            cols,
            TableSpec(key=(0, 1), numbers=(2, 3, 4, 5, 6, 7), dates=(1,)),
            self.rnd,
            cfg.GARBAGE_RATE,
        )

    # -- transactions ---------------------------------------------------------------------

    def transactions(self) -> Columns:
        """``transactions`` columns (needs ``subscriptions()`` first)."""
        rng, t = self.rng, self.t
        n_acc = len(self.acc_ids)
        person = self.acc_person
        lo = np.maximum(self.acc_first, t.window_start_day)
        hi = np.minimum(self.acc_last, t.as_of_day)
        span = np.maximum(hi - lo, 0)
        lapsed = self.lapsed[person]
        hi = np.where(lapsed, lo + (span * rng.uniform(0.3, 0.7, n_acc)).astype(np.int64), hi)
        span = np.maximum(hi - lo, 0)
        window = max(t.as_of_day - t.window_start_day, 1)
        lam = cfg.TRANSACTIONS_PER_PERSON * 1.4 * self.engagement[person] * span / window
        counts = np.minimum(rng.poisson(lam), 99)
        row_acc = np.repeat(np.arange(n_acc), counts)
        m = len(row_acc)
        day = lo[row_acc] + (rng.random(m) * np.maximum(span[row_acc], 1)).astype(np.int64)
        sec = day * 86_400 + rng.integers(7 * 3600, 23 * 3600, m)
        order = np.argsort(sec, kind="stable")
        row_acc, sec = row_acc[order], sec[order]
        postpaid = self.acc_postpaid[row_acc]
        r = rng.random(m)
        ttype = np.where(
            postpaid,
            np.where(r < 0.78, 1, np.where(r < 0.92, 2, 3)),
            np.where(r < 0.80, 0, np.where(r < 0.94, 2, 3)),
        )
        country = self.country[person[row_acc]]
        currencies = [CURRENCY[c] for c in COUNTRIES]
        cur_idx = np.array([list(FX).index(c) for c in currencies])[country]
        ro_eur = (country == 0) & (ttype == 3) & (rng.random(m) < 0.1)
        cur_idx = np.where(ro_eur, list(FX).index("EUR"), cur_idx)
        fx = np.array(list(FX.values()))[cur_idx]
        amount = np.zeros(m)
        for ci, cur in enumerate(FX):
            sel = (cur_idx == ci) & (ttype == 0)
            nominals = np.array(TOPUP_NOMINALS[cur])
            amount[sel] = nominals[rng.integers(0, len(nominals), int(sel.sum()))]
        fee = np.maximum(self.acc_fee[row_acc], 20.0)
        bill = np.round(fee * rng.uniform(0.95, 1.35, m) * fx, 2)
        addon = np.round(rng.choice(np.array([2.0, 4.0, 5.0, 8.0, 10.0, 15.0]), m) * fx, 0)
        device = np.floor(rng.uniform(250.0, 5000.0, m) * fx) + 0.99
        amount = np.where(
            ttype == 1, bill, np.where(ttype == 2, addon, np.where(ttype == 3, device, amount))
        )
        types = TRANSACTION_TYPES
        cur_names = list(FX)
        cur_text = _pick(cur_names, cur_idx)
        replace_some(cur_text, 0.005, ("ron", "lei", "rub", "RUR", "RMB"), self.rnd)
        cols: Columns = [
            _ids("T", self.chunk_start * 100, m, 10),
            [self.acc_ids[a] for a in row_acc.tolist()],
            t.tables.timestamps(sec, pick_styles(rng, m, (0.8, 0.15, 0.05))),
            money(amount),
            cur_text,
            _pick(types, ttype),
        ]
        return inject_garbage(
            cols,
            TableSpec(
                key=(0,),
                numbers=(3,),
                dates=(2,),
                enums={5: ("refund?", "transfer", "cashback"), 4: ("XXX", "$")},
            ),
            self.rnd,
            cfg.GARBAGE_RATE,
        )

    # -- consent and preferences ----------------------------------------------------------

    def _record_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
        recs = self.contacts.records
        rec_person = np.array([r.person for r in recs], dtype=np.int64)
        rec_system = np.array([SOURCE_SYSTEMS.index(r.system) for r in recs], dtype=np.int64)
        # another record of the same person (cyclic), or -1
        alt = np.full(len(recs), -1, dtype=np.int64)
        by_person: dict[int, list[int]] = {}
        for i, r in enumerate(recs):
            by_person.setdefault(r.person, []).append(i)
        for idx in by_person.values():
            if len(idx) > 1:
                for j, i in enumerate(idx):
                    alt[i] = idx[(j + 1) % len(idx)]
        return rec_person, rec_system, alt, [r.key for r in recs]

    def consent_and_preferences(self) -> tuple[Columns, Columns]:
        """``consent_events`` and ``contact_preferences`` columns."""
        rng, t = self.rng, self.t
        _, rec_system, alt, keys = self._record_arrays()
        r_n = len(keys)
        grants = rng.choice(len(cfg.CONSENT_EVENTS_WEIGHTS), size=r_n, p=cfg.CONSENT_EVENTS_WEIGHTS)
        g_rec = np.repeat(np.arange(r_n), grants)
        g = len(g_rec)
        g_channel = rng.choice(len(CHANNELS), size=g, p=CONSENT_CHANNEL_WEIGHTS)
        g_purpose = (rng.random(g) < 0.25).astype(np.int64)
        old = rng.random(g) < cfg.CONSENT_OLD_GRANT_RATE
        ago = np.where(
            old, rng.integers(731 * 86_400, 4 * 365 * 86_400, g), rng.integers(0, 730 * 86_400, g)
        )
        g_time = t.as_of_second - ago
        # withdraws, some on another record of the same person, some at the very same second
        w_mask = rng.random(g) < cfg.CONSENT_WITHDRAW_RATE
        w_src = np.nonzero(w_mask)[0]
        w = len(w_src)
        w_rec = g_rec[w_src]
        other = (rng.random(w) < cfg.CONSENT_WITHDRAW_OTHER_RECORD_RATE) & (alt[w_rec] >= 0)
        w_rec = np.where(other, alt[w_rec], w_rec)
        room = t.as_of_second - g_time[w_src]
        w_time = g_time[w_src] + (rng.random(w) * room).astype(np.int64)
        w_time = np.where(rng.random(w) < cfg.CONSENT_TIE_RATE, g_time[w_src], w_time)
        # renewals of old grants
        r_src = np.nonzero(old & (rng.random(g) < 0.15))[0]
        renew_time = t.as_of_second - rng.integers(0, 700 * 86_400, len(r_src))
        rec = np.concatenate([g_rec, w_rec, g_rec[r_src]])
        channel = np.concatenate([g_channel, g_channel[w_src], g_channel[r_src]])
        purpose = np.concatenate([g_purpose, g_purpose[w_src], g_purpose[r_src]])
        action = np.concatenate(
            [np.zeros(g, np.int64), np.ones(w, np.int64), np.zeros(len(r_src), np.int64)]
        )
        when = np.concatenate([g_time, w_time, renew_time])
        order = np.argsort(when, kind="stable")
        rec, channel, purpose, action, when = (
            rec[order],
            channel[order],
            purpose[order],
            action[order],
            when[order],
        )
        e = len(rec)
        system = rec_system[rec]
        via = np.zeros(e, dtype=np.int64)
        for si, s in enumerate(SOURCE_SYSTEMS):
            sel = system == si
            p = np.array(CAPTURED_BY_SYSTEM[s])
            via[sel] = rng.choice(len(CAPTURED_VIA), size=int(sel.sum()), p=p / p.sum())
        key_col = [keys[i] for i in rec.tolist()]
        n_orphans = replace_some(key_col, cfg.ORPHAN_RATE, ["__orphan__"], self.rnd)
        if n_orphans:
            ceiling = 4 * self.world.customers + 10**6
            key_col = [
                record_key(SOURCE_SYSTEMS[s], ceiling + self.rnd.randrange(10**6))
                if k == "__orphan__"
                else k
                for k, s in zip(key_col, system.tolist(), strict=True)
            ]
        action_text = _pick(CONSENT_ACTIONS, action)
        replace_some(action_text, 0.01, ("GRANT", "Withdraw", "grant "), self.rnd)
        consent: Columns = [
            _ids("E", self.chunk_start * 32, e, 10),
            _pick(SOURCE_SYSTEMS, system),
            key_col,
            _pick(CHANNELS, channel),
            _pick(CONSENT_PURPOSES, purpose),
            action_text,
            t.tables.timestamps(when, pick_styles(rng, e, (0.8, 0.15, 0.05))),
            _pick(CAPTURED_VIA, via),
        ]
        consent = inject_garbage(
            consent,
            TableSpec(
                key=(0,),
                dates=(6,),
                enums={
                    3: ("fax", "pigeon", "whatsapp"),
                    4: ("advertising",),
                    5: ("maybe", "revoke?"),
                },
            ),
            self.rnd,
            cfg.GARBAGE_RATE,
        )
        # preferences
        has = np.nonzero(rng.random(r_n) < cfg.PREFERENCE_RATE)[0]
        k = len(has)
        pref_channel = _pick(
            CHANNELS, rng.choice(len(CHANNELS), size=k, p=PREFERENCE_CHANNEL_WEIGHTS)
        )
        replace_some(pref_channel, 0.05, ("Email", "SMS", "E-mail", "sms "), self.rnd)
        stated = t.as_of_second - rng.integers(0, 3 * 365 * 86_400, k)
        prefs: Columns = [
            _pick(SOURCE_SYSTEMS, rec_system[has]),
            [keys[i] for i in has.tolist()],
            pref_channel,
            t.tables.timestamps(stated, pick_styles(rng, k, (0.8, 0.15, 0.05))),
        ]
        prefs = inject_garbage(
            prefs,
            TableSpec(key=(0, 1), dates=(3,), enums={2: ("pigeon", "fax", "telegram")}),
            self.rnd,
            cfg.GARBAGE_RATE,
        )
        return consent, prefs

    # -- campaign contacts ----------------------------------------------------------------

    def campaign_contact_rows(self) -> ContactRows:
        """Who was contacted by which campaign, when, on which account and channel.

        Every draw here comes from the chunk's main streams, exactly as before issue 13: the
        draws of the old outcome model are made too (its values are thrown away) and its
        columns go through the same garbage injection, so that the tables generated after
        campaign contacts (interactions, NPS, loyalty, suppressions) keep their random numbers,
        hence their bytes. The outcomes themselves come from ``synth.campaigns`` on a stream of
        their own.
        """
        rng, t, camp = self.rng, self.t, self.campaigns
        cust = np.nonzero(self.customer)[0]
        lam = CONTACT_DRAW_FACTOR * cfg.CAMPAIGN_CONTACTS_PER_PERSON
        lam /= max(self.customer.mean(), 1e-9)
        counts = np.minimum(rng.poisson(lam * np.sqrt(self.engagement[cust])), 39)
        row_person = np.repeat(cust, counts)
        m = len(row_person)
        c = rng.choice(len(camp.ids), size=m, p=camp.probability)
        last_day = np.minimum(camp.end_day[c], t.as_of_day)
        span = np.maximum(last_day - camp.start_day[c], 0) + 1
        day = camp.start_day[c] + (rng.random(m) * span).astype(np.int64)
        # the account contacted: the person's first (or second) account, while it is active;
        # win-back campaigns also reach accounts that have churned
        first_acc = np.searchsorted(self.acc_person, np.arange(self.n))
        n_acc = np.bincount(self.acc_person, minlength=self.n)
        acc = first_acc[row_person] + ((n_acc[row_person] > 1) & (rng.random(m) < 0.3))
        winback = camp.objective[c] == OBJECTIVES.index("winback")
        keep = (day >= self.acc_first[acc]) & ((day <= self.acc_last[acc]) | winback)
        row_person, c, day, acc = row_person[keep], c[keep], day[keep], acc[keep]
        m = len(row_person)
        order = np.lexsort((day, c))
        row_person, c, day, acc = row_person[order], c[order], day[order], acc[order]
        sec = day * 86_400 + rng.integers(9 * 3600, 20 * 3600, m)
        channel = camp.channel[c].copy()
        email_idx = CHANNELS.index("email")
        no_email = (channel == email_idx) & ~self.has_email[row_person]
        channel[no_email] = CHANNELS.index("sms")
        switch = rng.random(m) < 0.03
        channel[switch] = rng.integers(0, len(CHANNELS), int(switch.sum()))
        legacy = self._legacy_outcome_columns(c, row_person, channel)
        campaign_ids = _pick(camp.ids, c)
        replace_some(campaign_ids, cfg.ORPHAN_RATE, [f"CMP{9000 + i}" for i in range(50)], self.rnd)
        rows = ContactRows(
            person=row_person,
            campaign=c,
            day=day,
            account=acc,
            channel=channel,
            contact_ids=_ids("K", self.chunk_start * 40, m, 10),
            campaign_ids=campaign_ids,
            account_ids=[self.acc_ids[a] for a in acc.tolist()],
            channel_codes=_pick(CHANNELS, channel),
            contacted_at=t.tables.timestamps(sec, pick_styles(rng, m, (0.85, 0.1, 0.05))),
        )
        legacy_cols = [
            list(col) for col in (*rows.text_columns()[:5], *legacy)
        ]  # copies: inject_garbage edits its columns in place
        inject_garbage(legacy_cols, CAMPAIGN_CONTACTS_SPEC, self.rnd, cfg.GARBAGE_RATE)
        return rows

    def _legacy_outcome_columns(
        self, c: np.ndarray, row_person: np.ndarray, channel: np.ndarray
    ) -> tuple[list[str], list[str], list[str]]:
        """is_control, outcome and revenue of the outcome model before issue 13 (no known
        effect). Only replayed for its draws on the main streams (see campaign_contact_rows);
        the values are not written."""
        rng, camp = self.rng, self.campaigns
        m = len(c)
        control = rng.random(m) < camp.control_pct[c]
        probs = np.array([_TREATED_OUTCOMES[ch] for ch in CHANNELS])
        probs = probs / probs.sum(axis=1, keepdims=True)
        resp_i, conv_i = OUTCOMES.index("responded"), OUTCOMES.index("converted")
        silent = probs.copy()
        silent[:, [resp_i, conv_i]] = 0.0
        silent_cum = np.cumsum(silent / silent.sum(axis=1, keepdims=True), axis=1)
        u = rng.random(m)
        silent_outcome = np.minimum(
            (u[:, None] > silent_cum[channel]).sum(axis=1), len(OUTCOMES) - 1
        )
        boost = np.minimum(camp.response_mult[c] * self.responsiveness[row_person], 3.0)
        resp_p = probs[channel, resp_i] * boost
        conv_p = probs[channel, conv_i] * boost
        v = rng.random(m)
        treated_outcome = np.where(
            v < conv_p, conv_i, np.where(v < conv_p + resp_p, resp_i, silent_outcome)
        )
        f = CONTROL_RESPONSE_FACTOR
        control_outcome = np.where(
            v < conv_p * f, conv_i, np.where(v < (conv_p + resp_p) * f, resp_i, 0)
        )
        outcome = np.where(control, control_outcome, treated_outcome)
        rev_scale = np.array([80.0, 20.0, 10.0, 35.0, 45.0, 25.0, 40.0])[camp.objective[c]]
        revenue = rng.lognormal(0.0, 0.5, m) * rev_scale
        conv = outcome == conv_i
        zero_style = rng.random(m) < 0.3
        revenue_text = [
            f"{r:.2f}" if cv else ("0" if z else "")
            for r, cv, z in zip(revenue.tolist(), conv.tolist(), zero_style.tolist(), strict=True)
        ]
        style = camp.bool_style[c]
        odd = rng.random(m) < 0.02
        style = np.where(odd, rng.integers(0, 3, m), style)
        control_text = [
            BOOL_SPELLINGS[s][0 if b else 1]
            for s, b in zip(style.tolist(), control.tolist(), strict=True)
        ]
        return control_text, _pick(OUTCOMES, outcome), revenue_text

    def person_traits(self) -> PersonTraits:
        """What the planted campaign effects depend on (needs ``subscriptions()`` first)."""
        postpaid = np.zeros(self.n, dtype=bool)
        np.logical_or.at(postpaid, self.acc_person, self.acc_postpaid)
        active = np.maximum(self.usage_months, 1)
        return PersonTraits(
            arpu=self.usage_revenue / active,
            data_mb=self.usage_data_mb / active,
            roaming_months=self.roaming_months,
            postpaid=postpaid,
            declining=self.declining,
            responsiveness=self.responsiveness,
            account_first_day=self.acc_first,
            account_last_day=self.acc_last,
        )

    # -- interactions, NPS, loyalty -------------------------------------------------------

    def _account_rows(
        self, rate: float, cap: int, boost: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows per account while it is active in the window: Poisson(rate * boost) scaled by
        the active share of the window; returns (account, person, epoch second) sorted by time.
        """
        rng, t = self.rng, self.t
        person = self.acc_person
        lo = np.maximum(self.acc_first, t.window_start_day)
        hi = np.minimum(self.acc_last, t.as_of_day)
        span = np.maximum(hi - lo, 0)
        active = span / max(t.as_of_day - t.window_start_day, 1)
        mean_active = float(active.mean()) if len(active) else 1.0
        lam = rate * active / max(mean_active, 1e-9)
        if boost is not None:
            lam = lam * boost[person]
        counts = np.minimum(rng.poisson(lam), cap)
        row_acc = np.repeat(np.arange(len(person)), counts)
        m = len(row_acc)
        day = lo[row_acc] + (rng.random(m) * np.maximum(span[row_acc], 1)).astype(np.int64)
        sec = day * 86_400 + rng.integers(0, 86_400, m)
        order = np.argsort(sec, kind="stable")
        row_acc, sec = row_acc[order], sec[order]
        return row_acc, person[row_acc], sec

    def interactions(self) -> Columns:
        """``interactions`` columns (needs ``subscriptions()`` first)."""
        rng = self.rng
        boost = 1.0 + 1.5 * self.declining
        row_acc, person, sec = self._account_rows(cfg.INTERACTIONS_PER_PERSON / 1.3, 19, boost)
        m = len(row_acc)
        postpaid = self.acc_postpaid[row_acc]
        base = np.array([0.08, 0.14, 0.16, 0.2, 0.1, 0.16, 0.08, 0.08])
        p_pre = base * np.array([1, 2.5, 1, 0.3, 1, 1, 0.2, 0.8])
        p_post = base * np.array([1, 0.1, 1, 1.3, 1, 1, 1.5, 1.2])
        p_pre, p_post = p_pre / p_pre.sum(), p_post / p_post.sum()
        reason = np.where(postpaid, rng.choice(8, size=m, p=p_post), rng.choice(8, size=m, p=p_pre))
        complain = self.declining[person] & (rng.random(m) < 0.25)
        reason = np.where(complain, REASON_CODES.index("complaint"), reason)
        channel = rng.choice(len(INTERACTION_CHANNELS), size=m, p=(0.45, 0.2, 0.15, 0.12, 0.08))
        resolved = rng.random(m) < np.where(reason == REASON_CODES.index("complaint"), 0.6, 0.85)
        style = rng.random(m)
        resolved_text = [
            ("true" if r else "false") if s < 0.9 else ("1" if r else "0")
            for r, s in zip(resolved.tolist(), style.tolist(), strict=True)
        ]
        reason_text = _pick(REASON_CODES, reason)
        replace_some(reason_text, 0.01, ("Roaming", "TOPUP", "top-up", "Billing "), self.rnd)
        cols: Columns = [
            _ids("I", self.chunk_start * 20, m, 9),
            [self.acc_ids[a] for a in row_acc.tolist()],
            _pick(INTERACTION_CHANNELS, channel),
            reason_text,
            self.t.tables.timestamps(sec, pick_styles(rng, m, (0.8, 0.15, 0.05))),
            resolved_text,
        ]
        return inject_garbage(
            cols,
            TableSpec(
                key=(0,),
                dates=(4,),
                booleans=(5,),
                enums={2: ("fax", "carrier_pigeon"), 3: ("other??",)},
            ),
            self.rnd,
            cfg.GARBAGE_RATE,
        )

    def nps(self) -> Columns:
        """``nps_responses`` columns."""
        rng = self.rng
        row_acc, person, sec = self._account_rows(cfg.NPS_PER_PERSON / 1.05, 4)
        m = len(row_acc)
        mood = rng.normal(7.6, 2.0, m) - 2.5 * self.declining[person]
        score = np.clip(np.round(mood), 0, 10).astype(np.int64)
        score_text = [str(s) for s in score.tolist()]
        replace_some(score_text, 0.004, ("11", "ten", "-1", "9.5", "10/10"), self.rnd)
        cols: Columns = [
            _ids("N", self.chunk_start * 4, m, 9),
            [self.acc_ids[a] for a in row_acc.tolist()],
            self.t.tables.timestamps(sec, pick_styles(rng, m, (0.85, 0.1, 0.05))),
            score_text,
        ]
        return inject_garbage(
            cols, TableSpec(key=(0,), numbers=(3,), dates=(2,)), self.rnd, cfg.GARBAGE_RATE
        )

    def loyalty(self) -> Columns:
        """``loyalty_events`` columns."""
        rng = self.rng
        row_acc, _, sec = self._account_rows(
            cfg.LOYALTY_EVENTS_PER_PERSON / 1.05, 30, np.sqrt(self.engagement)
        )
        m = len(row_acc)
        r = rng.random(m)
        etype = np.where(r < 0.7, 0, np.where(r < 0.9, 1, 2))
        earn = rng.integers(1, 50, m) * 10
        redeem = -rng.integers(2, 40, m) * 50
        expire = -rng.integers(5, 50, m) * 10
        points = np.where(etype == 0, earn, np.where(etype == 1, redeem, expire))
        plus = rng.random(m) < 0.05
        points_text = [
            f"+{p}" if (s and p > 0) else str(p)
            for p, s in zip(points.tolist(), plus.tolist(), strict=True)
        ]
        cols: Columns = [
            _ids("L", self.chunk_start * 30, m, 9),
            [self.acc_ids[a] for a in row_acc.tolist()],
            self.t.tables.timestamps(sec, pick_styles(rng, m, (0.85, 0.1, 0.05))),
            points_text,
            _pick(LOYALTY_EVENT_TYPES, etype),
        ]
        return inject_garbage(
            cols,
            TableSpec(key=(0,), numbers=(3,), dates=(2,), enums={4: ("transfer", "bonus?")}),
            self.rnd,
            cfg.GARBAGE_RATE,
        )

    # -- suppressions ---------------------------------------------------------------------

    def suppressions(self) -> Columns:
        """``suppressions`` columns: by account, e-mail or phone as written in the records."""
        rnd, t = self.rnd, self.t
        by_person: dict[int, list[int]] = {}
        for i, r in enumerate(self.contacts.records):
            by_person.setdefault(r.person, []).append(i)
        rows: list[list[str]] = []
        reasons = SUPPRESSION_REASONS
        weights = (0.40, 0.20, 0.15, 0.10, 0.15)
        for i, p in enumerate(self.persons):
            if rnd.random() >= cfg.SUPPRESSION_RATE:
                continue
            recs = [self.contacts.records[j] for j in by_person.get(i, [])]
            for _ in range(1 if rnd.random() < 0.85 else 2):
                reason = rnd.choices(reasons, weights=weights)[0]
                if reason == "deceased" and p.birth.year > 1960 and rnd.random() < 0.7:
                    reason = "do_not_contact"
                emails = [r.email for r in recs if "@" in r.email]
                phones = [r.phone for r in recs if sum(ch.isdigit() for ch in r.phone) >= 9]
                scope = rnd.choices(SUPPRESSION_SCOPE_TYPES, weights=(0.4, 0.3, 0.3))[0]
                if reason in ("deceased", "erasure_request", "fraud") and p.accounts:
                    scope = "account"
                if scope == "email" and not emails:
                    scope = "phone"
                if scope == "phone" and not phones:
                    scope = "account"
                if scope == "account" and not p.accounts:
                    if not emails:
                        continue
                    scope = "email"
                value = (
                    rnd.choice(p.accounts)
                    if scope == "account"
                    else rnd.choice(emails)
                    if scope == "email"
                    else rnd.choice(phones)
                )
                start = (
                    t.as_of_day
                    - rnd.randrange(3 * 365)
                    + (rnd.randrange(1, 30) if rnd.random() < 0.03 else 0)
                )
                end = ""
                if reason == "complaint":
                    end_day = start + 90
                elif reason == "do_not_contact" and rnd.random() < 0.3:
                    end_day = start + rnd.randrange(180, 730)
                else:
                    end_day = -1
                dotted = rnd.random() < 0.15
                tab = t.tables
                fmt = tab.dotted if dotted else tab.iso
                if end_day >= 0:
                    end = fmt[end_day - tab.first_day]
                rows.append([scope, value, reason, fmt[start - tab.first_day], end])
        if not rows:
            return [[] for _ in range(6)]
        base = self.chunk_start * 2
        cols: Columns = [[f"SUP-{base + k:08d}" for k in range(len(rows))]]
        cols.extend(list(col) for col in zip(*rows, strict=True))
        return inject_garbage(
            cols,
            TableSpec(key=(0,), dates=(4, 5), enums={1: ("fax", "postal"), 3: ("gdpr", "other")}),
            rnd,
            cfg.GARBAGE_RATE * 2,
        )
